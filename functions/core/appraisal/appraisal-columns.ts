import type { CountyAppraisal } from './score.ts'

// The column list is pure data shared with the stack, so it lives in schemas/ (infra imports
// only schemas/); re-exported here for the writer, the DuckDB view and their tests.
export { APPRAISAL_COLUMNS } from '../../../schemas/appraisal-columns.ts'
export type { AppraisalColumn } from '../../../schemas/appraisal-columns.ts'

export type AppraisalRow = Record<string, string | number | null>

/**
 * One county's row of the county_appraisals table, keyed as APPRAISAL_COLUMNS
 * (`computed_at` as an ISO string; the Parquet writer stores it as a timestamp).
 */
export function toAppraisalRow(
  county: CountyAppraisal,
  meta: { config_version: string; config_sha256: string; run_id: string; computed_at: string },
): AppraisalRow {
  return {
    county: county.county,
    name: county.name,
    city: county.city,
    province: county.province,
    score: county.score,
    grade: county.grade,
    rank_in_city: county.rank_in_city,
    rank_in_province: county.rank_in_province,
    red_flag_count: county.red_flags.length,
    config_version: meta.config_version,
    config_sha256: meta.config_sha256,
    run_id: meta.run_id,
    computed_at: meta.computed_at,
    ...county.indicators,
    no_data: county.no_data.join(','),
  }
}

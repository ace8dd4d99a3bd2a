import { APPRAISAL_COLUMNS, toAppraisalRow } from '../core/appraisal/appraisal-columns.ts'
import { countyInputsFromRows, type IndicatorRows } from '../core/appraisal/indicators.ts'
import { scoreAppraisal, type Appraisal } from '../core/appraisal/score.ts'
import { collectiveIncomeThresholds, type LoadedScoringConfig } from '../core/appraisal/scoring-config.ts'
import { appraisalSummary, type AppraisalAnnouncement } from '../core/appraisal/appraisal-summary.ts'
import { lakeKeys } from '../core/object-keys.ts'
import { parsePeriod } from '../core/period.ts'
import { buildAppraisalReport } from './build-appraisal-report.ts'
import type { AppraisalStore, ObjectStore, QueryEngine, Scratch, SqlRow, SubmissionLedger } from './ports.ts'
import { PipelineError } from '../core/errors.ts'
import { REGION_INDICATOR_COLUMNS } from '../../schemas/region-columns.ts'

export class PeriodLockedError extends PipelineError {
  constructor(readonly period: string, readonly by: string, readonly at: string) {
    super(`${period} was published (locked by ${by} at ${at}); unlock it with va unlock --period ${period} --reason "…" before appraising it again`)
    this.name = 'PeriodLockedError'
  }
}

export interface AppraisalDeps {
  engine: QueryEngine
  store: ObjectStore
  ledger: SubmissionLedger
  appraisals: AppraisalStore
  lakeBucket: string
  scoring: LoadedScoringConfig
  scratch: Scratch
  /** Tells the province a quarter was published (SNS on AWS, the outbox locally). */
  announce?: (summary: AppraisalAnnouncement) => Promise<void>
  /** Local runs copy the lake's new objects where DuckDB reads them; Athena needs nothing. */
  beforeQuery?: () => Promise<void>
}

export interface AppraisalRun {
  appraisal: Appraisal
  missing_counties: string[]
  run_id: string
  computed_at: string
  published: boolean
}

/**
 * The quarterly appraisal: the indicator SQL on the lake, scoring, the Parquet table and the
 * DynamoDB items; a re-run replaces the quarter and keeps the prior run as a previous version.
 * `publish` locks the quarter against later uploads.
 */
export async function runAppraisal(deps: AppraisalDeps, input: { period: string; now: Date; publish?: boolean; by?: string; /** A replay rebuilds a published quarter as it was. */ rebuild?: boolean }): Promise<AppraisalRun> {
  const q = parsePeriod(input.period)
  if (!q) throw new PipelineError(`Not a quarter: ${input.period}`)
  // A published quarter stands until it is unlocked (appraisal.md, "Locking").
  const lock = await deps.ledger.getLock(input.period)
  if (lock?.locked && !input.rebuild) throw new PeriodLockedError(input.period, lock.by, lock.at)
  await deps.beforeQuery?.()
  const run = (name: string, params: (string | number)[] = [q.year, q.quarter]) => deps.engine.named(name, params)
  const indicators = new Map<number, SqlRow[]>()
  for (const threshold of collectiveIncomeThresholds(deps.scoring.config, q.quarter)) {
    indicators.set(threshold, await run('county-indicators', [q.year, q.quarter, threshold]))
  }
  const rows: IndicatorRows = {
    indicators,
    yearEarlier: await run('county-income-year-earlier'),
    villagesExpected: await run('villages-expected'),
    redFlagVillages: await run('red-flag-villages'),
    medianDays: await run('median-days-to-eliminate'),
    countyNames: await run('county-names', []),
    earlierDenominators: await run('county-earlier-denominators'),
  }
  const missing = (await run('missing-counties')).map((r) => String(r['county_code'] ?? r['county']))
  // Roll-ups from the sums of every accepted village row (appraisal.md, "Roll-ups"), with the
  // configuration's collective-income threshold for the quarter.
  const regions = await run('region-indicators', [q.year, q.quarter, collectiveIncomeThresholds(deps.scoring.config, q.quarter)[0]!])
  const appraisal = scoreAppraisal({ year: q.year, quarter: q.quarter, counties: countyInputsFromRows(rows, deps.scoring.config, q.quarter, q.year), config: deps.scoring.config, sha256: deps.scoring.sha256 })
  const computed_at = input.now.toISOString()
  const run_id = `${computed_at.replace(/[-:.]/g, '')}`

  const area = await deps.scratch.open('appraisal')
  try {
    const writer = area.table('data.parquet', APPRAISAL_COLUMNS.map((c) => ({ name: c.key, storage: c.storage })))
    for (const c of appraisal.counties) {
      const row = toAppraisalRow(c, { config_version: appraisal.config.version, config_sha256: appraisal.config.sha256, run_id, computed_at })
      writer.write({ ...row, computed_at: input.now.getTime() })
    }
    writer.finish()
    await deps.store.putFile(deps.lakeBucket, lakeKeys.appraisal(q), writer.path)
    const regionWriter = area.table('regions.parquet', REGION_INDICATOR_COLUMNS.map((c) => ({ name: c.key, storage: c.storage })))
    for (const r of regions) regionWriter.write(Object.fromEntries(REGION_INDICATOR_COLUMNS.map((c) => [c.key, r[c.key] ?? null])))
    regionWriter.finish()
    await deps.store.putFile(deps.lakeBucket, lakeKeys.regionIndicators(q), regionWriter.path)
  } finally {
    await area.dispose()
  }
  await deps.appraisals.save(appraisal, { run_id, computed_at, missing_counties: missing })
  if (input.publish) await deps.ledger.setLock(input.period, true, input.by ?? 'aggregate', computed_at, 'appraisal published')
  await buildAppraisalReport(deps, { period: input.period, now: input.now, current: { appraisal, run_id, computed_at } })
  if (input.publish) await deps.announce?.(appraisalSummary(appraisal, missing))
  return { appraisal, missing_counties: missing, run_id, computed_at, published: Boolean(input.publish) }
}

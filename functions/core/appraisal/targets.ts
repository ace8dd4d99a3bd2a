import type { Quarter, ScorableIndicator } from '../../../schemas/scoring.ts'

/** One row of a curated targets file (schemas/datasets.ts TARGETS, with its derived columns). */
export interface TargetRow {
  year: number
  county_code: string
  indicator: ScorableIndicator
  q1: number
  q2: number
  q3: number
  q4: number
  /** The uploader's scope: a province (2 digits) or a city (4 digits). */
  scope: string
  submission_id: string
}

/** The milestones that apply to a quarter, per county, and the submissions they came from. */
export interface QuarterMilestones {
  byCounty: Map<string, Partial<Record<ScorableIndicator, number>>>
  /** The targets submissions behind at least one milestone, sorted. */
  submissions: string[]
}

/** Reads a curated row (the Parquet reader's values); undefined when it is not a targets row. */
export function targetRow(r: Record<string, unknown>): TargetRow | undefined {
  const num = (k: string) => (typeof r[k] === 'number' ? r[k] : typeof r[k] === 'bigint' ? Number(r[k]) : undefined)
  const year = num('year')
  const qs = [num('q1'), num('q2'), num('q3'), num('q4')]
  const { county_code, indicator, scope, submission_id } = r
  if (year === undefined || qs.some((q) => q === undefined) || typeof county_code !== 'string' || typeof indicator !== 'string' || typeof scope !== 'string' || typeof submission_id !== 'string') return undefined
  return { year, county_code, indicator: indicator as ScorableIndicator, q1: qs[0]!, q2: qs[1]!, q3: qs[2]!, q4: qs[3]!, scope, submission_id }
}

/**
 * The quarter's milestone of each county and indicator (rectification.md, "Targets"): a city's
 * milestone beats the province's for the same county. Rows of other years are ignored.
 */
export function quarterMilestones(rows: readonly TargetRow[], year: number, quarter: Quarter): QuarterMilestones {
  const chosen = new Map<string, TargetRow>()
  for (const row of rows) {
    if (row.year !== year || !row.county_code.startsWith(row.scope)) continue
    const key = `${row.county_code}#${row.indicator}`
    const held = chosen.get(key)
    if (!held || row.scope.length > held.scope.length) chosen.set(key, row)
  }
  const byCounty = new Map<string, Partial<Record<ScorableIndicator, number>>>()
  const submissions = new Set<string>()
  for (const row of chosen.values()) {
    const own = byCounty.get(row.county_code) ?? {}
    own[row.indicator] = row[`q${quarter}`]
    byCounty.set(row.county_code, own)
    submissions.add(row.submission_id)
  }
  return { byCounty, submissions: [...submissions].sort() }
}

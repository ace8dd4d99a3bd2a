import { lakeKeys } from '../core/object-keys.ts'
import { formatPeriod, parsePeriod, previousQuarter, submissionDeadline } from '../core/period.ts'
import type { AppraisalReportInput, ReportHistoryPoint } from '../core/report/render-appraisal-report.ts'
import type { Appraisal } from '../core/appraisal/score.ts'
import type { ObjectStore, QueryEngine, SqlValue } from './ports.ts'
import type { AppraisalStore, RectificationStore, RegionIndicators, StoredCountyAppraisal } from './ports.ts'
import { summariseRectification } from '../core/rectification/rectification-summary.ts'

/** What the report reads and where it writes: a subset of AppraisalDeps, so runAppraisal can pass its own. */
export interface AppraisalReportDeps {
  appraisals: AppraisalStore
  engine: QueryEngine
  store: ObjectStore
  lakeBucket: string
  /** Local runs copy the lake's new objects where DuckDB reads them; Athena needs nothing. */
  beforeQuery?: () => Promise<void>
  /** Days after the quarter before a report is late (validation.md; DEADLINE_DAYS, default 10). */
  deadlineDays?: number
  /** The rectification items, for the report's section (rectification.md); left out without. */
  rectifications?: RectificationStore
}

/** Earlier quarters read for the score-over-quarters chart. */
export const REPORT_HISTORY_QUARTERS = 8

export const DEFAULT_DEADLINE_DAYS = 10

export interface AppraisalReportRequest {
  /** `YYYYQn`. */
  period: string
  /** When the report is generated. */
  now: Date
  /**
   * The quarter's appraisal just computed (runAppraisal): used instead of reading it back,
   * since a DynamoDB query right after the write may not see it yet.
   */
  current?: { appraisal: Appraisal; run_id: string; computed_at: string; regions: readonly RegionIndicators[] }
}

/**
 * The quarter's human report (interfaces.md: `reports/appraisals/<YYYYQn>/index.html`): the
 * stored appraisal of the quarter and of up to 8 earlier quarters from the appraisals table,
 * missing and late counties from the lake, rendered to one self-contained HTML file, written
 * to the lake and returned.
 */
export async function buildAppraisalReport(deps: AppraisalReportDeps, input: AppraisalReportRequest): Promise<string> {
  // The charting library is loaded when a report is drawn, not at every cold start.
  const { renderAppraisalReport } = await import('../core/report/render-appraisal-report.ts')
  const html = renderAppraisalReport(await gatherAppraisalReportInput(deps, input))
  await deps.store.put(deps.lakeBucket, lakeKeys.appraisalReport(input.period), html, { contentType: 'text/html; charset=utf-8' })
  return html
}

/** Everything the report shows, read from the appraisals table and the lake. */
export async function gatherAppraisalReportInput(deps: AppraisalReportDeps, input: AppraisalReportRequest): Promise<AppraisalReportInput> {
  const q = parsePeriod(input.period)
  if (!q) throw new Error(`Not a quarter: ${input.period}`)
  if (input.current && input.current.appraisal.period !== input.period) throw new Error(`The appraisal given is of ${input.current.appraisal.period}, not ${input.period}`)
  const earlierPeriods: string[] = []
  for (let p = previousQuarter(q); earlierPeriods.length < REPORT_HISTORY_QUARTERS; p = previousQuarter(p)) earlierPeriods.push(formatPeriod(p))
  const [stored, earlier, storedRegions] = await Promise.all([
    input.current ? undefined : deps.appraisals.byPeriod(input.period),
    Promise.all(earlierPeriods.map((p) => deps.appraisals.byPeriod(p))),
    input.current ? input.current.regions : deps.appraisals.regions(input.period),
  ])
  const current = input.current
    ? { config: input.current.appraisal.config, run: { runId: input.current.run_id, computedAt: input.current.computed_at }, counties: input.current.appraisal.counties }
    : fromStore(stored ?? [])
  const history: ReportHistoryPoint[] = earlier.flatMap((items, i) => items.map((c) => ({ period: earlierPeriods[i] ?? c.period, county: c.county, score: c.score, grade: c.grade })))

  const deadline = submissionDeadline(q, deps.deadlineDays ?? DEFAULT_DEADLINE_DAYS)
  await deps.beforeQuery?.()
  const run = (name: string, params: SqlValue[]) => deps.engine.named(name, params)
  const missing = await run('missing-counties', [q.year, q.quarter])
  const late = await run('late-counties', [q.year, q.quarter, sqlTimestamp(deadline)])

  // The items of every province in the quarter's appraisal, summed per county.
  const provinces = [...new Set([...current.counties.map((c) => c.province), ...missing.map((r) => String(r['county_code']).slice(0, 2))])]
  const rectification = deps.rectifications
    ? summariseRectification((await Promise.all(provinces.map((p) => deps.rectifications!.byRegion(p)))).flat(), q, input.now)
    : undefined

  return {
    period: input.period,
    config: current.config,
    ...(rectification ? { rectification } : {}),
    generatedAt: input.now.toISOString(),
    ...(current.run ? { run: current.run } : {}),
    counties: current.counties,
    notAppraisable: input.current ? input.current.appraisal.not_appraisable : (stored?.[0]?.not_appraisable ?? []),
    // The report shows provinces and cities; townships are in the table and the portal.
    regions: storedRegions.filter((r) => r.level !== 'township'),
    history,
    missingCounties: missing.map((r) => ({ county: String(r['county_code']), name: typeof r['name'] === 'string' ? r['name'] : null })),
    lateCounties: late.map((r) => ({ county: String(r['county_code']), submittedAt: String(r['submitted_at']) })),
    deadline: deadline.toISOString(),
  }
}

/** A UTC instant as `CAST(? AS TIMESTAMP)` reads it on Athena (Trino) and DuckDB alike. */
export function sqlTimestamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ')
}

/** The quarter as the appraisals table holds it; every item of a quarter shares the run and configuration. */
function fromStore(items: readonly StoredCountyAppraisal[]): Pick<AppraisalReportInput, 'config' | 'run' | 'counties'> {
  const first = items[0]
  return {
    config: first ? first.config : null,
    ...(first ? { run: { runId: first.run_id, computedAt: first.computed_at } } : {}),
    // Items written before a field existed read back without it.
    counties: items.map((c) => ({ ...c, red_flags: c.red_flags ?? [], breakdown: c.breakdown ?? [], no_data: c.no_data ?? [] })),
  }
}

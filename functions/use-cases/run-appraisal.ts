import { APPRAISAL_COLUMNS, toAppraisalRow } from '../core/appraisal/appraisal-columns.ts'
import { countyInputsFromRows, type IndicatorRows } from '../core/appraisal/indicators.ts'
import { scoreAppraisal, type Appraisal, type MissingCounty } from '../core/appraisal/score.ts'
import { collectiveIncomeThreshold, collectiveIncomeThresholds, type LoadedScoringConfig } from '../core/appraisal/scoring-config.ts'
import { appraisalSummary, type AppraisalAnnouncement } from '../core/appraisal/appraisal-summary.ts'
import { lakeKeys } from '../core/object-keys.ts'
import { parsePeriod, type Quarter } from '../core/period.ts'
import { buildAppraisalReport } from './build-appraisal-report.ts'
import type { AppraisalStore, ObjectStore, QueryEngine, RectificationStore, RegionIndicators, Scratch, SqlRow, SubmissionLedger, TableReader } from './ports.ts'
import { quarterMilestones, targetRow, type QuarterMilestones, type TargetRow } from '../core/appraisal/targets.ts'
import { lateCounties, overdueItemCounts, rectifyOnPublish, type RectificationOnPublish } from './publish-rectification.ts'
import { PipelineError } from '../core/errors.ts'
import { REGION_INDICATOR_COLUMNS } from '../../schemas/region-columns.ts'
import { RECTIFICATION_COLUMNS } from '../../schemas/rectification-columns.ts'
import { rectificationRow } from '../core/rectification/rectification-rows.ts'

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
  /** Reads a curated Parquet file (the targets of the year). */
  readTable: TableReader
  /** Tells the province a quarter was published (SNS on AWS, the outbox locally). */
  announce?: (summary: AppraisalAnnouncement) => Promise<void>
  /** Local runs copy the lake's new objects where DuckDB reads them; Athena needs nothing. */
  beforeQuery?: () => Promise<void>
  /** Rectification items (rectification.md): publishing opens and looks back; without it, nothing is. */
  rectifications?: RectificationStore
}

export interface AppraisalRun {
  appraisal: Appraisal
  missing_counties: MissingCounty[]
  run_id: string
  computed_at: string
  published: boolean
  /** What publishing did to rectification items. */
  rectification?: RectificationOnPublish
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
  const missingCounties = (await run('missing-counties')).map((r) => ({ county: String(r['county_code']), name: String(r['name'] ?? '') }))
  const regions = await regionRollUps(deps, q)
  let counties = countyInputsFromRows(rows, deps.scoring.config, q.quarter, q.year)
  if (deps.rectifications) {
    const pub = { period: input.period, at: input.now, by: input.by ?? 'aggregate' }
    const overdue = await overdueItemCounts({ engine: deps.engine, rectifications: deps.rectifications }, q, counties.map((c) => c.county), pub)
    counties = counties.map((c) => (overdue.has(c.county) ? { ...c, overdue_items: overdue.get(c.county)! } : c))
  }
  const targets = await loadMilestones(deps, q)
  counties = counties.map((c) => {
    const milestones = targets.byCounty.get(c.county)
    return milestones ? { ...c, milestones } : c
  })
  const appraisal = scoreAppraisal({ year: q.year, quarter: q.quarter, counties, config: deps.scoring.config, sha256: deps.scoring.sha256, missingCounties, targetsUsed: targets.submissions })
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
    for (const r of regions) regionWriter.write(r)
    regionWriter.finish()
    await deps.store.putFile(deps.lakeBucket, lakeKeys.regionIndicators(q), regionWriter.path)
  } finally {
    await area.dispose()
  }
  await deps.appraisals.save(appraisal, { run_id, computed_at })
  await deps.appraisals.saveRegions(input.period, regions, { run_id, computed_at })
  // Before the lock: a publication that fails here leaves the quarter open to publishing again,
  // which converges on the same items (publish-rectification.ts).
  let rectification: RectificationOnPublish | undefined
  if (input.publish && deps.rectifications) {
    const late = await lateCounties(deps.ledger, input.period, [...appraisal.counties.map((c) => c.county), ...appraisal.not_appraisable.map((c) => c.county)])
    rectification = await rectifyOnPublish({ engine: deps.engine, rectifications: deps.rectifications }, { appraisal, late, at: input.now, by: input.by ?? 'aggregate' })
  }
  // The items as they stand at publication, for analysts (the Athena table `rectifications`).
  if (input.publish && deps.rectifications) await exportRectifications(deps, deps.rectifications, q, appraisal, input.now)
  if (input.publish) await deps.ledger.setLock(input.period, true, input.by ?? 'aggregate', computed_at, 'appraisal published')
  await buildAppraisalReport(deps, { period: input.period, now: input.now, current: { appraisal, run_id, computed_at, regions } })
  if (input.publish) await deps.announce?.(appraisalSummary(appraisal, rectification))
  return { appraisal, missing_counties: appraisal.missing_counties, run_id, computed_at, published: Boolean(input.publish), ...(rectification ? { rectification } : {}) }
}

/**
 * The quarter's milestones from the accepted targets of its year, every scope's
 * (`curated/targets/<year>/<scope>.parquet`, each the latest accepted file of that year and scope).
 */
async function loadMilestones(deps: AppraisalDeps, q: Quarter): Promise<QuarterMilestones> {
  const rows: TargetRow[] = []
  for (const object of await deps.store.list(deps.lakeBucket, `curated/targets/${q.year}/`)) {
    const bytes = await deps.store.getBytes(deps.lakeBucket, object.key)
    if (!bytes) continue
    for (const r of await deps.readTable(bytes)) {
      const row = targetRow(r)
      if (row) rows.push(row)
    }
  }
  return quarterMilestones(rows, q.year, q.quarter)
}

/** Every item of the appraised provinces, one row each, to `analytics/rectifications/…`. */
async function exportRectifications(deps: AppraisalDeps, store: RectificationStore, q: Quarter, appraisal: Appraisal, now: Date): Promise<void> {
  const provinces = [...new Set([...appraisal.counties, ...appraisal.not_appraisable, ...appraisal.missing_counties].map((c) => c.county.slice(0, 2)))].sort()
  const items = (await Promise.all(provinces.map((p) => store.byRegion(p)))).flat().sort((a, b) => (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0))
  const area = await deps.scratch.open('rectifications')
  try {
    const writer = area.table('rectifications.parquet', RECTIFICATION_COLUMNS.map((c) => ({ name: c.key, storage: c.storage })))
    for (const item of items) writer.write(rectificationRow(item, now))
    writer.finish()
    await deps.store.putFile(deps.lakeBucket, lakeKeys.rectifications(q), writer.path)
  } finally {
    await area.dispose()
  }
}

/**
 * Roll-ups from the sums of every accepted village row (appraisal.md, "Roll-ups"). The
 * collective-income count depends on the threshold of the region's province (a province may
 * override it), so the query runs once per distinct threshold and each region takes the rows
 * computed with its own province's.
 */
async function regionRollUps(deps: AppraisalDeps, q: Quarter): Promise<RegionIndicators[]> {
  const byThreshold = new Map<number, Map<string, SqlRow>>()
  let ordered: SqlRow[] = []
  for (const threshold of collectiveIncomeThresholds(deps.scoring.config, q.quarter)) {
    ordered = await deps.engine.named('region-indicators', [q.year, q.quarter, threshold])
    byThreshold.set(threshold, new Map(ordered.map((r) => [`${String(r['level'])}#${String(r['code'])}`, r])))
  }
  return ordered.map((row) => {
    const key = `${String(row['level'])}#${String(row['code'])}`
    const own = byThreshold.get(collectiveIncomeThreshold(deps.scoring.config, String(row['code']).slice(0, 2), q.quarter))?.get(key) ?? row
    return Object.fromEntries(REGION_INDICATOR_COLUMNS.map((c) => [c.key, cell(own[c.key])])) as RegionIndicators
  })
}

const cell = (v: unknown): string | number | null => (typeof v === 'string' || typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null)

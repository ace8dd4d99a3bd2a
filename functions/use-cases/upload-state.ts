import type { DatasetName } from '../../schemas/findings.ts'
import { lakeKeys } from '../core/object-keys.ts'
import { parsePeriod, type Quarter } from '../core/period.ts'
import { previousQuartersFrom, QQ_COLUMNS, type PreviousQuarters } from '../core/validate/quarter-checks.ts'
import { addHousehold, ROSTER_FIGURES, zeroFigures, type VillageRosterFigures } from '../core/validate/roster-check.ts'
import type { EarlierRoster, RegistryView, ValidationContext } from '../core/validate/validate-file.ts'
import type { ObjectStore, SubmissionLedger, TableReader } from './ports.ts'

/** What reading the state of earlier uploads needs. */
export interface StateDeps {
  store: ObjectStore
  ledger: SubmissionLedger
  buckets: { ingest: string; lake: string }
  readTable: TableReader
}

/** Loaders for what the checks need from earlier uploads of the same county. */
export function countyStateLoaders(deps: StateDeps, county: string, period: string, quarter: Quarter): Pick<ValidationContext, 'previous' | 'counterpart' | 'registry' | 'earlierRoster'> {
  return {
    previous: () => loadPrevious(deps, county, quarter),
    earlierRoster: () => loadEarlierRoster(deps, county, quarter),
    registry: () => loadRegistry(deps, county.slice(0, 2)),
    counterpart: (dataset) => loadCounterpart(deps, county, period, dataset),
  }
}

/** The village reports of the county's earlier quarters (QQ rules). */
async function loadPrevious(deps: StateDeps, county: string, quarter: Quarter): Promise<PreviousQuarters> {
  const periods = await deps.ledger.currentPeriods(county, 'village_report')
  const rows: { village: string; period: Quarter; values: Record<string, number> }[] = []
  for (const { period, pointer } of periods) {
    const q = parsePeriod(period)
    if (!q || q.year * 4 + q.quarter >= quarter.year * 4 + quarter.quarter) continue
    for (const staged of pointer.staged_keys) {
      const bytes = await deps.store.getBytes(deps.buckets.lake, staged)
      if (!bytes) continue
      for (const r of await deps.readTable(bytes, ['village_code', ...QQ_COLUMNS])) {
        const values: Record<string, number> = {}
        for (const c of QQ_COLUMNS) if (typeof r[c] === 'number') values[c] = r[c]
        rows.push({ village: String(r['village_code']), period: q, values })
      }
    }
  }
  return previousQuartersFrom(rows, quarter)
}

/**
 * The accepted roster of the county's latest earlier quarter that has one (never this
 * quarter's): its households whose risk was not eliminated (household_dropped).
 */
async function loadEarlierRoster(deps: StateDeps, county: string, quarter: Quarter): Promise<EarlierRoster | undefined> {
  const order = (q: Quarter) => q.year * 4 + q.quarter
  let latest: { period: string; order: number; staged: readonly string[] } | undefined
  for (const { period, pointer } of await deps.ledger.currentPeriods(county, 'monitored_households')) {
    const q = parsePeriod(period)
    if (!q || order(q) >= order(quarter) || (latest && latest.order >= order(q))) continue
    latest = { period, order: order(q), staged: pointer.staged_keys }
  }
  if (!latest) return undefined
  const atRisk: string[] = []
  for (const staged of latest.staged) {
    const bytes = await deps.store.getBytes(deps.buckets.lake, staged)
    if (!bytes) continue
    for (const r of await deps.readTable(bytes, ['household_id', 'risk_eliminated'])) {
      if (r['risk_eliminated'] !== true && typeof r['household_id'] === 'string') atRisk.push(r['household_id'])
    }
  }
  return { period: latest.period, atRisk }
}

/** Per-village roster figures of the other dataset's current upload, if accepted. */
export async function loadCounterpart(deps: StateDeps, county: string, period: string, dataset: DatasetName): Promise<Map<string, VillageRosterFigures> | undefined> {
  const other = dataset === 'village_report' ? 'monitored_households' : 'village_report'
  const pointer = await deps.ledger.current(county, period, other)
  const staged = pointer?.staged_keys[0]
  if (!staged) return undefined
  const bytes = await deps.store.getBytes(deps.buckets.lake, staged)
  if (!bytes) return undefined
  const figures = new Map<string, VillageRosterFigures>()
  if (other === 'monitored_households') {
    for (const r of await deps.readTable(bytes, ['village_code', 'category', 'household_size', 'risk_eliminated'])) {
      const v = String(r['village_code'])
      let f = figures.get(v)
      if (!f) figures.set(v, (f = zeroFigures()))
      addHousehold(f, String(r['category']), Number(r['household_size'] ?? 0), r['risk_eliminated'] === true)
    }
  } else {
    for (const r of await deps.readTable(bytes, ['village_code', ...ROSTER_FIGURES])) {
      const f = zeroFigures()
      for (const k of ROSTER_FIGURES) f[k] = Number(r[k] ?? 0)
      figures.set(String(r['village_code']), f)
    }
  }
  return figures
}

/**
 * The registry, when one was uploaded: for a county, its province's file; else all of them.
 * The province's object is found by listing, not by getting it blind: without s3:ListBucket on
 * the key, S3 answers a missing object with 403, which would park every upload in the
 * dead-letter queue before any registry exists.
 */
export async function loadRegistry(deps: StateDeps, province?: string): Promise<RegistryView | undefined> {
  const listed = (await deps.store.list(deps.buckets.lake, 'curated/org_units/')).map((o) => o.key)
  const keys = province === undefined ? listed : listed.filter((k) => k === lakeKeys.registry(province))
  const provinces = new Set<string>()
  const active = new Set<string>()
  const all = new Set<string>()
  for (const key of keys) {
    const bytes = await deps.store.getBytes(deps.buckets.lake, key)
    if (!bytes) continue
    for (const r of await deps.readTable(bytes, ['code', 'level', 'active', 'province_code'])) {
      provinces.add(String(r['province_code']))
      all.add(String(r['code']))
      if (r['level'] === 'village' && r['active'] !== false) active.add(String(r['code']))
    }
  }
  if (provinces.size === 0) return undefined
  return { coversProvince: (p) => provinces.has(p), isActiveVillage: (c) => active.has(c), has: (c) => all.has(c) }
}

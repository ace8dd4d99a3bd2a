import { REGION_INDICATOR_COLUMNS } from '../../schemas/region-columns.ts'
import { lakeKeys } from '../core/object-keys.ts'
import { parsePeriod } from '../core/period.ts'
import type { AppraisalStore, CellValue, ObjectStore, StoredCountyAppraisal, TableReader } from './ports.ts'

/**
 * The stored appraisal as `va appraisal --json` prints it and the portal's API returns it
 * (interfaces.md): one place builds the documents, so the two cannot drift apart.
 */

export interface AppraisalDocument {
  period: string
  config: StoredCountyAppraisal['config']
  counties: ReturnType<typeof countyEntry>[]
  missing_counties: NonNullable<StoredCountyAppraisal['missing_counties']>
  not_appraisable: NonNullable<StoredCountyAppraisal['not_appraisable']>
  /** Left out when the appraisal used no targets. */
  targets_used?: string[]
}

function countyEntry(c: StoredCountyAppraisal, rectification?: { open: number; overdue: number }) {
  return {
    county: c.county, name: c.name, city: c.city, province: c.province, indicators: c.indicators,
    score: c.score, grade: c.grade, rank_in_city: c.rank_in_city, rank_in_province: c.rank_in_province,
    red_flags: c.red_flags, breakdown: c.breakdown, penalties: c.penalties ?? [], no_data: c.no_data ?? [],
    ...(rectification ? { rectification } : {}),
    // interfaces.md: left out where the county has no targets.
    ...(c.progress ? { progress: c.progress } : {}),
  }
}

/** Ranked as the CLI ranks: by city rank within a city, else by province and province rank; ties by county code. */
export function appraisalDocument(period: string, items: StoredCountyAppraisal[], options: { byCity?: boolean; countyVisible?: (county: string) => boolean; rectification?: ReadonlyMap<string, { open: number; overdue: number }> } = {}): AppraisalDocument | undefined {
  const visible = options.countyVisible ?? (() => true)
  const sorted = items.filter((c) => visible(c.county))
    .sort((a, b) => (options.byCity ? a.rank_in_city - b.rank_in_city : a.province.localeCompare(b.province) || a.rank_in_province - b.rank_in_province) || a.county.localeCompare(b.county))
  // The quarter's missing and not-appraisable counties are kept on every item of the quarter.
  const first = items[0]
  if (!first) return undefined
  return {
    period,
    config: first.config,
    counties: sorted.map((c) => countyEntry(c, options.rectification ? (options.rectification.get(c.county) ?? { open: 0, overdue: 0 }) : undefined)),
    missing_counties: (first.missing_counties ?? []).filter((c) => visible(c.county)),
    not_appraisable: (first.not_appraisable ?? []).filter((c) => visible(c.county)),
    ...(first.targets_used ? { targets_used: first.targets_used } : {}),
  }
}

/** The quarter's appraisal, all counties or one city's (the by-city index), before any scope filter. */
export async function readAppraisal(store: AppraisalStore, period: string, city?: string): Promise<StoredCountyAppraisal[]> {
  return city ? store.byCity(period, city) : store.byPeriod(period)
}

/** Every appraised quarter of one county, oldest first (`va appraisal --county X --json`). */
export async function countyHistory(store: AppraisalStore, county: string) {
  const items = (await store.byCounty(county)).sort((a, b) => a.period.localeCompare(b.period))
  if (items.length === 0) return undefined
  return {
    county,
    name: items.at(-1)!.name,
    history: items.map((c) => ({
      period: c.period, config: c.config, score: c.score, grade: c.grade, rank_in_city: c.rank_in_city, rank_in_province: c.rank_in_province,
      indicators: c.indicators, red_flags: c.red_flags, breakdown: c.breakdown, no_data: c.no_data ?? [],
    })),
  }
}

export interface RegionEntry {
  level: string
  code: string
  name: string
  indicators: Record<string, CellValue>
}

export interface RegionRollup extends RegionEntry {
  period: string
  /** The regions one level down that the run rolled up too (a province's cities, a city's townships). */
  within: RegionEntry[]
}

const INDICATOR_KEYS = REGION_INDICATOR_COLUMNS.map((c) => c.key).filter((k) => k !== 'level' && k !== 'code' && k !== 'name')

function regionEntry(row: Record<string, CellValue>): RegionEntry {
  return { level: String(row['level']), code: String(row['code']), name: String(row['name'] ?? ''), indicators: Object.fromEntries(INDICATOR_KEYS.map((k) => [k, row[k] ?? null])) }
}

/**
 * One region's roll-up for a quarter (appraisal.md, "Roll-ups"), read from the table the
 * appraisal run writes (analytics/region_indicators/…/data.parquet). Undefined when the
 * quarter was not appraised or the region had no accepted village row.
 */
export async function regionRollup(deps: { store: ObjectStore; readTable: TableReader; lakeBucket: string }, period: string, code: string): Promise<RegionRollup | undefined> {
  const q = parsePeriod(period)
  if (!q) return undefined
  const bytes = await deps.store.getBytes(deps.lakeBucket, lakeKeys.regionIndicators(q))
  if (!bytes) return undefined
  const rows = await deps.readTable(bytes)
  const own = rows.find((r) => r['code'] === code)
  if (!own) return undefined
  const below = code.length === 2 ? 4 : code.length === 4 ? 9 : -1
  const within = rows.filter((r) => typeof r['code'] === 'string' && r['code'].length === below && r['code'].startsWith(code))
    .map(regionEntry).sort((a, b) => a.code.localeCompare(b.code))
  return { period, ...regionEntry(own), within }
}

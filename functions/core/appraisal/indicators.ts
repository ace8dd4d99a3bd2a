import { RED_LINE_INDICATORS } from '../../../schemas/scoring.ts'
import type { Quarter, RedLineIndicator, ScorableIndicator, ScoringConfig } from '../../../schemas/scoring.ts'
import type { CountyIndicators, CountyInput } from './score.ts'
import { collectiveIncomeThreshold } from './scoring-config.ts'

/** A result row as a QueryEngine returns it (structurally the use cases' SqlRow). */
export type QueryRow = Readonly<Record<string, string | number | boolean | null>>

/** The results of the indicator queries of one quarter (functions/sql/). */
export interface IndicatorRows {
  /**
   * county-indicators.sql, keyed by the collective-income threshold it ran with
   * (collectiveIncomeThresholds(config, quarter): usually a single one).
   */
  indicators: ReadonlyMap<number, readonly QueryRow[]>
  /** county-income-year-earlier.sql */
  yearEarlier: readonly QueryRow[]
  /** villages-expected.sql */
  villagesExpected: readonly QueryRow[]
  /** red-flag-villages.sql */
  redFlagVillages: readonly QueryRow[]
  /** median-days-to-eliminate.sql */
  medianDays: readonly QueryRow[]
  /** county-names.sql (empty without a registry) */
  countyNames: readonly QueryRow[]
  /** county-earlier-denominators.sql: each earlier quarter's denominators per county. */
  earlierDenominators?: readonly QueryRow[]
}

/** The denominator behind each scored ratio, as county-earlier-denominators.sql names it. */
const DENOMINATOR_OF: Partial<Record<ScorableIndicator, string>> = {
  risk_elimination_rate: 'monitored_persons',
  labor_employment_rate: 'alleviated_labor',
  medical_insurance_rate: 'covered_persons',
  fund_spending_rate: 'linkage_funds_allocated',
  project_completion_rate: 'projects_planned',
  collective_income_share: 'villages_reported',
}

/**
 * Each scored ratio's denominator in the county's comparable earlier quarter: the latest
 * earlier quarter with an accepted report; for fund_spending_rate (YTD, restarting in January)
 * the same quarter a year earlier (appraisal.md, "Nulls are not free points").
 */
export function earlierDenominators(rows: readonly QueryRow[], year: number, quarter: Quarter): Map<string, Partial<Record<ScorableIndicator, number>>> {
  const latest = new Map<string, QueryRow>()
  const yearEarlier = new Map<string, QueryRow>()
  const order = (r: QueryRow) => Number(r['year']) * 4 + Number(r['quarter'])
  for (const row of rows) {
    const county = text(row, 'county_code')
    if (order(row) >= year * 4 + quarter) continue
    const seen = latest.get(county)
    if (!seen || order(seen) < order(row)) latest.set(county, row)
    if (Number(row['year']) === year - 1 && Number(row['quarter']) === quarter) yearEarlier.set(county, row)
  }
  const out = new Map<string, Partial<Record<ScorableIndicator, number>>>()
  for (const [county, row] of latest) {
    const found: Partial<Record<ScorableIndicator, number>> = {}
    for (const [indicator, column] of Object.entries(DENOMINATOR_OF) as [ScorableIndicator, string][]) {
      const from = indicator === 'fund_spending_rate' ? yearEarlier.get(county) : row
      const value = from === undefined ? null : numeric(from, column)
      if (value !== null) found[indicator] = value
    }
    out.set(county, found)
  }
  return out
}

/**
 * Joins the query results into one input per reported county: the ratios SQL cannot finish
 * alone (income_growth_yoy needs two quarters, reporting_completeness two queries and a cap
 * at 1) are computed here. Counties come out in county-code order.
 */
export function countyInputsFromRows(rows: IndicatorRows, config: ScoringConfig, quarter: Quarter, year?: number): CountyInput[] {
  const first = rows.indicators.values().next()
  if (first.done === true) throw new Error('county-indicators.sql results are missing')
  const byThreshold = new Map([...rows.indicators].map(([threshold, list]) => [threshold, byCounty(list)]))
  const yearEarlier = byCounty(rows.yearEarlier)
  const expected = byCounty(rows.villagesExpected)
  const median = byCounty(rows.medianDays)
  const names = byCounty(rows.countyNames)
  const earlier = rows.earlierDenominators && year !== undefined ? earlierDenominators(rows.earlierDenominators, year, quarter) : undefined
  const redFlagVillages = new Map<string, Partial<Record<RedLineIndicator, string[]>>>()
  for (const row of rows.redFlagVillages) {
    const county = text(row, 'county_code')
    const indicator = redLine(text(row, 'indicator'))
    const villages = redFlagVillages.get(county) ?? {}
    villages[indicator] = [...(villages[indicator] ?? []), text(row, 'village_code')]
    redFlagVillages.set(county, villages)
  }

  const baseRows = byCounty(first.value)
  const counties = [...baseRows.keys()].sort()
  return counties.map((county) => {
    const base = baseRows.get(county)
    if (base === undefined) throw new Error(`No indicators for county ${county}`)
    const province = text(base, 'province_code')
    const threshold = collectiveIncomeThreshold(config, province, quarter)
    const own = byThreshold.get(threshold)?.get(county)
    if (own === undefined) throw new Error(`county-indicators.sql did not run with threshold ${threshold} (province ${province})`)
    const expectedRow = expected.get(county)
    const villagesReported = required(own, 'villages_reported')
    const villagesExpected = optionalNumeric(expectedRow, 'villages_expected')
    const incomePerCapita = numeric(own, 'income_per_capita')
    const indicators: CountyIndicators = {
      villages_reported: villagesReported,
      villages_expected: villagesExpected,
      reporting_completeness: completeness(villagesReported, villagesExpected),
      monitored_households: required(own, 'monitored_households'),
      monitored_persons: required(own, 'monitored_persons'),
      risk_elimination_rate: numeric(own, 'risk_elimination_rate'),
      income_per_capita: incomePerCapita,
      income_growth_yoy: growth(incomePerCapita, optionalNumeric(yearEarlier.get(county), 'income_per_capita')),
      below_line_share: numeric(own, 'below_line_share'),
      labor_employment_rate: numeric(own, 'labor_employment_rate'),
      medical_insurance_rate: numeric(own, 'medical_insurance_rate'),
      fund_spending_rate: numeric(own, 'fund_spending_rate'),
      project_completion_rate: numeric(own, 'project_completion_rate'),
      collective_income_share: numeric(own, 'collective_income_share'),
      dropouts: required(own, 'dropouts'),
      zero_employment_households: required(own, 'zero_employment_households'),
      unsafe_houses: required(own, 'unsafe_houses'),
      unsafe_water_households: required(own, 'unsafe_water_households'),
      median_days_to_eliminate: optionalNumeric(median.get(county), 'median_days_to_eliminate'),
    }
    const nameRow = names.get(county)
    return {
      county,
      name: nameRow === undefined ? null : (nullableText(nameRow, 'name') ?? null),
      city: text(base, 'city_code'),
      province,
      indicators,
      red_flag_villages: redFlagVillages.get(county) ?? {},
      ...(own['alleviated_persons'] === undefined ? {} : { alleviated_persons: required(own, 'alleviated_persons') }),
      ...(earlier ? { earlier_denominators: earlier.get(county) ?? {} } : {}),
    }
  })
}

/** villages_reported / villages_expected, capped at 1; null when nothing is expected. */
export function completeness(reported: number, expected: number | null): number | null {
  if (expected === null || expected === 0) return null
  return Math.min(1, reported / expected)
}

/** current / year-earlier − 1; null without a year-earlier value or when it is 0. */
export function growth(current: number | null, yearEarlier: number | null): number | null {
  if (current === null || yearEarlier === null || yearEarlier === 0) return null
  return current / yearEarlier - 1
}

function byCounty(rows: readonly QueryRow[]): Map<string, QueryRow> {
  const map = new Map<string, QueryRow>()
  for (const row of rows) map.set(text(row, 'county_code'), row)
  return map
}

function text(row: QueryRow, key: string): string {
  const value = row[key]
  if (typeof value !== 'string') throw new Error(`Column ${key} should be text, got ${JSON.stringify(value)}`)
  return value
}

function nullableText(row: QueryRow, key: string): string | null {
  const value = row[key]
  return value === null || value === undefined ? null : String(value)
}

/** Numbers arrive as numbers, or as strings for BIGINTs beyond 2^53 (never in practice). */
function numeric(row: QueryRow, key: string): number | null {
  const value = row[key]
  if (value === null) return null
  if (typeof value === 'number') return value
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
  throw new Error(`Column ${key} should be a number, got ${JSON.stringify(value)}`)
}

/** A number from a row that may be absent (no roster, no year-earlier quarter): null then. */
function optionalNumeric(row: QueryRow | undefined, key: string): number | null {
  return row === undefined ? null : numeric(row, key)
}

function required(row: QueryRow, key: string): number {
  const value = numeric(row, key)
  if (value === null) throw new Error(`Column ${key} should not be null`)
  return value
}

function redLine(value: string): RedLineIndicator {
  const found = RED_LINE_INDICATORS.find((r) => r === value)
  if (found === undefined) throw new Error(`Unknown red-line indicator ${value}`)
  return found
}

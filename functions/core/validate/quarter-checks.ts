import type { QQ_CHECKS } from '../../../schemas/findings.ts'
import type { Quarter } from '../period.ts'

/**
 * Quarter-over-quarter checks QQ01–QQ04 (validation.md; QQ05 is retired, its cases are unit_suspect UN02) against the same village's previous
 * accepted quarter. A check whose previous value is 0 is skipped.
 */

export type QqId = (typeof QQ_CHECKS)[number]

/** The figures of one village in one earlier accepted quarter. */
export interface VillageFigures {
  period: Quarter
  values: Readonly<Record<string, number>>
}

export interface PreviousQuarters {
  /** The latest earlier quarter with an accepted report of the village (not necessarily adjacent). */
  latest(village: string): VillageFigures | undefined
  /** The same quarter of the previous year, when it was accepted. */
  yearEarlier(village: string): VillageFigures | undefined
}

/** Figures that QQ checks read from the previous quarters (also what the use case loads). */
export const QQ_COLUMNS = [
  'population', 'alleviated_persons', 'alleviated_income_per_capita', 'collective_operating_income',
  'linkage_funds_allocated', 'linkage_funds_spent',
] as const

/** Year-to-date figures (QQ03). */
const YTD = ['alleviated_income_per_capita', 'collective_operating_income', 'linkage_funds_allocated', 'linkage_funds_spent'] as const

export interface QqResult {
  id: QqId
  column: string
  previous: number
  previousPeriod: Quarter
}

const changedBy = (cur: number, prev: number, share: number) => Math.abs(cur - prev) / prev > share

export function quarterChecks(village: string, current: Readonly<Record<string, unknown>>, current_period: Quarter, prev: PreviousQuarters): QqResult[] {
  const out: QqResult[] = []
  const num = (k: string): number | undefined => (typeof current[k] === 'number' ? (current[k]) : undefined)
  const last = prev.latest(village)
  if (last) {
    const test = (id: QqId, column: string, fails: (cur: number, p: number) => boolean) => {
      const cur = num(column)
      const p = last.values[column]
      if (cur === undefined || p === undefined || p === 0) return
      if (fails(cur, p)) out.push({ id, column, previous: p, previousPeriod: last.period })
    }
    test('QQ01', 'population', (c, p) => changedBy(c, p, 0.2))
    test('QQ02', 'alleviated_persons', (c, p) => changedBy(c, p, 0.1))
    if (last.period.year === current_period.year) {
      for (const column of YTD) test('QQ03', column, (c, p) => c < p)
    }
  }
  const ye = prev.yearEarlier(village)
  const cur = num('alleviated_income_per_capita')
  const p = ye?.values['alleviated_income_per_capita']
  if (ye && cur !== undefined && p !== undefined && p !== 0 && changedBy(cur, p, 0.5)) {
    out.push({ id: 'QQ04', column: 'alleviated_income_per_capita', previous: p, previousPeriod: ye.period })
  }
  return out
}

/** Builds the look-up from village rows of earlier quarters (any order). */
export function previousQuartersFrom(rows: Iterable<{ village: string; period: Quarter; values: Record<string, number> }>, current: Quarter): PreviousQuarters {
  const latest = new Map<string, VillageFigures>()
  const yearEarlier = new Map<string, VillageFigures>()
  const before = (a: Quarter, b: Quarter) => a.year < b.year || (a.year === b.year && a.quarter < b.quarter)
  for (const r of rows) {
    if (!before(r.period, current)) continue
    const seen = latest.get(r.village)
    if (!seen || before(seen.period, r.period)) latest.set(r.village, { period: r.period, values: r.values })
    if (r.period.year === current.year - 1 && r.period.quarter === current.quarter) yearEarlier.set(r.village, { period: r.period, values: r.values })
  }
  return { latest: (v) => latest.get(v), yearEarlier: (v) => yearEarlier.get(v) }
}

export const NO_PREVIOUS: PreviousQuarters = { latest: () => undefined, yearEarlier: () => undefined }

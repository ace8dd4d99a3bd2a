import type { Finding, RuleId } from '../../../schemas/findings.ts'
import { finding } from '../findings.ts'
import { formatPeriod, type Quarter } from '../period.ts'
import type { RowValues } from '../rules.ts'
import type { Locate } from './header-binding.ts'
import type { PreviousQuarters } from './quarter-checks.ts'

/**
 * unit_suspect (contract/validation.md, "Unit checks"): a money figure a thousand times too
 * large (10k-yuan columns) or too small (yuan columns) against a reference: the median of the
 * file's other rows (UN01) or the village's own comparable earlier value (UN02).
 */

type Unit = 'wan' | 'yuan'

/** Money columns and the unit each asks for: a slip moves a 10k-yuan figure up, a yuan figure down. */
export const UNIT_COLUMNS: Readonly<Record<string, Unit>> = {
  linkage_funds_allocated: 'wan',
  linkage_funds_spent: 'wan',
  alleviated_income_per_capita: 'yuan',
  collective_operating_income: 'yuan',
}
const COLUMNS = Object.keys(UNIT_COLUMNS)

/** "Out of scale": at least 1,000 times the reference in the column's direction. */
const SCALE = 1000
/** UN01 needs at least this many non-zero values in the other rows. */
const MIN_OTHERS = 5

/** The money cells of each row of a village report, for the checks that need the whole file. */
export class UnitTally {
  readonly rows: number[] = []
  readonly lines: number[] = []
  readonly villages: (string | undefined)[] = []
  /** Per column: each row's value (NaN when it did not parse) and its text as written. */
  readonly values: number[][] = COLUMNS.map(() => [])
  readonly texts: string[][] = COLUMNS.map(() => [])

  add(row: number, line: number, values: RowValues, textOf: (key: string) => string): void {
    this.rows.push(row)
    this.lines.push(line)
    const village = values['village_code']
    this.villages.push(typeof village === 'string' ? village : undefined)
    for (let c = 0; c < COLUMNS.length; c++) {
      const v = values[COLUMNS[c]!]
      const ok = typeof v === 'number'
      this.values[c]!.push(ok ? v : Number.NaN)
      this.texts[c]!.push(ok ? textOf(COLUMNS[c]!) : '')
    }
  }
}

export interface UnitFinding {
  row: number
  finding: Finding
}

/** A reference value and how the message names it. */
interface Reference {
  value: number
  zh: string
  en: string
}

const fmt = (n: number) => String(Math.round(n * 10_000) / 10_000)

/** True when the value is out of scale against the reference in the column's direction. */
export function outOfScale(unit: Unit, value: number, reference: number): boolean {
  if (value === 0 || reference === 0) return false
  return unit === 'wan' ? value >= SCALE * reference : value * SCALE <= reference
}

const HINT: Record<Unit, { zh: string; en: string }> = {
  wan: { zh: '本列单位为万元，疑似按元填写，请除以 10000 后重报', en: 'this column is in 10k yuan: yuan were probably typed; divide by 10,000' },
  yuan: { zh: '本列单位为元，疑似按万元填写，请乘以 10000 后重报', en: 'this column is in yuan: 10k yuan were probably typed; multiply by 10,000' },
}

/** UN01 and UN02 over the file's rows; one finding per cell, with UN01 when both fire. */
export function unitFindings(tally: UnitTally, quarter: Quarter | undefined, previous: PreviousQuarters, locate: Locate): UnitFinding[] {
  const out: UnitFinding[] = []
  for (let c = 0; c < COLUMNS.length; c++) {
    const column = COLUMNS[c]!
    const unit = UNIT_COLUMNS[column]!
    const values = tally.values[c]!
    const sorted = values.filter((v) => !Number.isNaN(v) && v !== 0).sort((a, b) => a - b)
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!
      if (Number.isNaN(value) || value === 0) continue
      const median = medianWithout(sorted, value)
      let rule: RuleId | undefined
      let ref: Reference | undefined
      if (median !== undefined && outOfScale(unit, value, median)) {
        rule = 'UN01'
        ref = { value: median, zh: `文件中其他行本列的中位数为 ${fmt(median)}`, en: `the median of this column in the file's other rows is ${fmt(median)}` }
      } else {
        const village = tally.villages[i]
        const earlier = village !== undefined && quarter ? comparable(village, column, quarter, previous) : undefined
        if (earlier && outOfScale(unit, value, earlier.value)) {
          rule = 'UN02'
          ref = earlier
        }
      }
      if (!rule || !ref) continue
      const row = tally.rows[i]!
      out.push({
        row,
        finding: finding({
          code: 'unit_suspect', rule, ...locate(row, tally.lines[i]!, column), value: tally.texts[c]![i]!,
          detail: { zh: `${ref.zh}；${HINT[unit].zh}`, en: `${ref.en}; ${HINT[unit].en}` },
        }),
      })
    }
  }
  return out
}

/**
 * The median of the sorted non-zero values without one occurrence of `value` (the row's own),
 * or undefined when fewer than five remain. A zero value is not among them and removes nothing.
 */
export function medianWithout(sorted: readonly number[], value: number): number | undefined {
  let k = -1
  if (value !== 0) {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]! < value) lo = mid + 1
      else hi = mid
    }
    if (sorted[lo] === value) k = lo
  }
  const n = k >= 0 ? sorted.length - 1 : sorted.length
  if (n < MIN_OTHERS) return undefined
  const at = (j: number) => sorted[k >= 0 && j >= k ? j + 1 : j]!
  return n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2
}

/**
 * UN02's comparable earlier value (YTD figures restart in January): the previous accepted
 * quarter's of the same year; else the same quarter a year earlier; else the latest earlier
 * quarter's scaled by this quarter's number over that one's.
 */
function comparable(village: string, column: string, quarter: Quarter, previous: PreviousQuarters): Reference | undefined {
  const last = previous.latest(village)
  const lastValue = last?.values[column]
  if (!last || lastValue === undefined) return undefined
  const named = (p: Quarter, v: number) => ({ value: v, zh: `${formatPeriod(p)} 为 ${fmt(v)}`, en: `${formatPeriod(p)} had ${fmt(v)}` })
  if (last.period.year === quarter.year) return named(last.period, lastValue)
  const ye = previous.yearEarlier(village)
  const yeValue = ye?.values[column]
  if (ye && yeValue !== undefined) return named(ye.period, yeValue)
  const scaled = (lastValue * quarter.quarter) / last.period.quarter
  return {
    value: scaled,
    zh: `${formatPeriod(last.period)} 为 ${fmt(lastValue)}，按季度折算为 ${fmt(scaled)}`,
    en: `${formatPeriod(last.period)} had ${fmt(lastValue)}, ${fmt(scaled)} when scaled to this quarter`,
  }
}

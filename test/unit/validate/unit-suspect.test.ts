/**
 * unit_suspect (contract/validation.md, "Unit checks"): UN01 against the file's median, UN02
 * against the village's own history (YTD-aware), each edge asserted exactly.
 */
import { describe, expect, it } from 'vitest'
import type { Quarter } from '../../../functions/core/period.ts'
import { previousQuartersFrom } from '../../../functions/core/validate/quarter-checks.ts'
import { medianWithout } from '../../../functions/core/validate/unit-checks.ts'
import { VILLAGE, villageCode, villageCsv, villageRow, type RowText } from '../../support/village-rows.ts'
import { bareFindings, validateText, type BareFinding } from './harness.ts'

const E = 'error' as const
const allocated = (row: number, value: string): BareFinding =>
  ({ severity: E, code: 'unit_suspect', row, column: 'linkage_funds_allocated', header: '衔接资金下达', cell: `AG${row + 1}`, value })

/** n villages of the county, each with the base row's figures and the overrides of its index. */
function villages(n: number, overrides: Record<number, RowText> = {}): RowText[] {
  return Array.from({ length: n }, (_, i) => villageRow({ village_code: villageCode(i + 1), ...overrides[i] }))
}

describe('medianWithout', () => {
  it.each<[string, number[], number, number | undefined]>([
    ['odd count after removal', [1, 2, 3, 4, 5, 100], 100, 3],
    ['even count after removal: the mean of the two middle values', [1, 2, 3, 4, 5, 6, 100], 100, 3.5],
    ['removes the row\'s own value once', [1, 1, 1, 1, 1, 1], 1, 1],
    ['fewer than five others', [1, 2, 3, 4, 100], 100, undefined],
  ])('%s', (_name, sorted, value, expected) => {
    expect(medianWithout(sorted, value)).toBe(expected)
  })
})

describe('UN01: against the median of the file\'s other rows', () => {
  it('a 10k-yuan figure 1,000 times the median is an error with the median and the unit in the message', async () => {
    const report = await validateText(villageCsv(villages(6, { 5: { linkage_funds_allocated: '100000' } })))
    expect(bareFindings(report)).toEqual([{ ...allocated(6, '100000'), rule: 'UN01' }])
    expect(report.status).toBe('rejected')
    expect(report.rows).toEqual({ total: 6, accepted: 5, rejected: 1 })
    expect(report.findings[0]!.message.zh).toContain('中位数为 100')
    expect(report.findings[0]!.message.zh).toContain('万元')
    expect(report.findings[0]!.message.en).toContain('median of this column in the file\'s other rows is 100')
  })

  it('just under 1,000 times is no finding', async () => {
    const report = await validateText(villageCsv(villages(6, { 5: { linkage_funds_allocated: '99999.99' } })))
    expect(report.findings).toEqual([])
  })

  it('fewer than five non-zero values in the other rows: not checked', async () => {
    const zeros = { linkage_funds_allocated: '0', linkage_funds_spent: '0' }
    const report = await validateText(villageCsv(villages(7, { 0: zeros, 1: zeros, 6: { linkage_funds_allocated: '100000' } })))
    expect(report.findings).toEqual([])
  })

  it('a yuan figure a thousandth of the median (10k yuan typed) is an error', async () => {
    const report = await validateText(villageCsv(villages(6, { 2: { alleviated_income_per_capita: '8' } })))
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'unit_suspect', rule: 'UN01', row: 3, column: 'alleviated_income_per_capita', header: '脱贫人口人均纯收入', cell: 'V4', value: '8' },
    ])
    expect(report.findings[0]!.message.zh).toContain('本列单位为元')
  })

  it('each column looks only in its own direction: a 10k-yuan figure a thousandth of the median is no finding', async () => {
    const report = await validateText(villageCsv(villages(6, { 5: { linkage_funds_allocated: '0.1', linkage_funds_spent: '0.06' } })))
    expect(report.findings).toEqual([])
  })

  it('a value of 0 is never suspect', async () => {
    const report = await validateText(villageCsv(villages(6, { 5: { alleviated_income_per_capita: '0', alleviated_persons: '0', alleviated_households: '0', monitored_unstable_households: '0', monitored_unstable_persons: '0', alleviated_labor: '0', alleviated_labor_employed: '0' } })))
    expect(report.counts['unit_suspect']).toBeUndefined()
  })
})

describe('UN02: against the village\'s own history', () => {
  const at = (period: string, receivedAt: string) => ({ period, receivedAt: new Date(receivedAt) })
  const Q2 = at('2024Q2', '2024-07-05T10:00:00+08:00')
  const Q1 = at('2024Q1', '2024-04-05T10:00:00+08:00')
  const history = (current: Quarter, rows: [Quarter, number][]) =>
    async () => previousQuartersFrom(rows.map(([period, v]) => ({ village: VILLAGE, period, values: { linkage_funds_allocated: v } })), current)

  it.each<[string, typeof Q2, [Quarter, number][], string, string | undefined]>([
    ['Q2 against Q1 of the same year: 1,000 times', Q2, [[{ year: 2024, quarter: 1 }, 100]], '100000', '2024Q1 为 100'],
    ['Q2 against Q1 of the same year: under 1,000 times', Q2, [[{ year: 2024, quarter: 1 }, 100]], '99999', undefined],
    ['Q1 against the previous year\'s Q1, not the previous Q4', Q1, [[{ year: 2023, quarter: 1 }, 90], [{ year: 2023, quarter: 4 }, 400]], '90000', '2023Q1 为 90'],
    ['Q1 against the previous Q4 scaled by 1/4 when the previous Q1 is missing', Q1, [[{ year: 2023, quarter: 4 }, 400]], '100000', '2023Q4 为 400，按季度折算为 100'],
    ['the scaled Q4 just misses', Q1, [[{ year: 2023, quarter: 4 }, 400]], '99999', undefined],
    ['the issue\'s case: 450000 yuan typed in Q1 after 172 in Q4', Q1, [[{ year: 2023, quarter: 4 }, 172]], '450000', '2023Q4 为 172，按季度折算为 43'],
    ['a reference of 0 checks nothing', Q2, [[{ year: 2024, quarter: 1 }, 0]], '100000', undefined],
    ['no earlier quarter: nothing to compare', Q2, [], '100000', undefined],
  ])('%s', async (_name, ctx, rows, value, reference) => {
    const period = ctx.period === '2024Q1' ? { year: 2024, quarter: 1 } as const : { year: 2024, quarter: 2 } as const
    const report = await validateText(villageCsv([villageRow({ period: ctx.period, linkage_funds_allocated: value })]), { ...ctx, previous: history(period, rows) })
    if (reference === undefined) {
      expect(report.counts['unit_suspect']).toBeUndefined()
      return
    }
    expect(bareFindings(report)).toEqual([{ ...allocated(1, value), rule: 'UN02' }])
    expect(report.findings[0]!.message.zh).toContain(reference)
  })

  it('when UN01 and UN02 both fire on a cell, one finding is reported, with UN01', async () => {
    const report = await validateText(villageCsv(villages(6, { 0: { village_code: VILLAGE, linkage_funds_allocated: '100000' } }).map((r, i) => (i === 0 ? r : { ...r, village_code: villageCode(i + 10) }))), {
      previous: history({ year: 2024, quarter: 2 }, [[{ year: 2024, quarter: 1 }, 100]]),
    })
    expect(bareFindings(report)).toEqual([{ ...allocated(1, '100000'), rule: 'UN01' }])
  })
})

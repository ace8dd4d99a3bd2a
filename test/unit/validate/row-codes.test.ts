/**
 * Every row-level code of contract/validation.md, produced once from a valid row with one
 * thing broken, asserted exactly (severity, code, rule, row, column, header, cell, value).
 */
import { describe, expect, it } from 'vitest'
import { previousQuartersFrom } from '../../../functions/core/validate/quarter-checks.ts'
import { zeroFigures, type VillageRosterFigures } from '../../../functions/core/validate/roster-check.ts'
import type { RegistryView } from '../../../functions/core/validate/validate-file.ts'
import { BAD_CHECK_ID, VILLAGE, rosterCsv, rosterRow, villageCsv, villageRow, type RowText } from '../../support/village-rows.ts'
import { bareFindings, validateText, type BareFinding } from './harness.ts'

const E = 'error' as const
const W = 'warning' as const

describe('value codes in a village report', () => {
  it.each<[string, RowText, BareFinding]>([
    ['an empty required cell is required, with no value', { village_name: '' },
      { severity: E, code: 'required', row: 1, column: 'village_name', header: '村名称', cell: 'C2' }],
    ['a cell of spaces only is empty, hence required', { households: '   ' },
      { severity: E, code: 'required', row: 1, column: 'households', header: '总户数', cell: 'G2' }],
    ['words where a whole number is due are type', { population: '一千' },
      { severity: E, code: 'type', row: 1, column: 'population', header: '总人口', cell: 'H2', value: '一千' }],
    ['a fraction of households is type', { households: '300.5' },
      { severity: E, code: 'type', row: 1, column: 'households', header: '总户数', cell: 'G2', value: '300.5' }],
    ['something that is not yes/no is type', { key_assisted: '可能' },
      { severity: E, code: 'type', row: 1, column: 'key_assisted', header: '是否重点帮扶村', cell: 'E2', value: '可能' }],
    ['0 households is range (households ≥ 1)', { households: '0' },
      { severity: E, code: 'range', row: 1, column: 'households', header: '总户数', cell: 'G2', value: '0' }],
    ['a negative count is range', { dropouts: '-1' },
      { severity: E, code: 'range', row: 1, column: 'dropouts', header: '义务教育辍学人数', cell: 'AB2', value: '-1' }],
    ['income per capita over 200000 is range', { alleviated_income_per_capita: '200000.5' },
      { severity: E, code: 'range', row: 1, column: 'alleviated_income_per_capita', header: '脱贫人口人均纯收入', cell: 'V2', value: '200000.5' }],
    ['a village name over 50 characters is range', { village_name: '村'.repeat(51) },
      { severity: E, code: 'range', row: 1, column: 'village_name', header: '村名称', cell: 'C2', value: '村'.repeat(51) }],
    ['an 11-digit village code is format', { village_code: '52222610120' },
      { severity: E, code: 'format', row: 1, column: 'village_code', header: '村代码', cell: 'B2', value: '52222610120' }],
    ['a period spelled otherwise is format', { period: 'Q2 2024' },
      { severity: E, code: 'format', row: 1, column: 'period', header: '报告期', cell: 'A2', value: 'Q2 2024' }],
    ['another quarter than the upload\'s is period_mismatch', { period: '2024-Q1' },
      { severity: E, code: 'period_mismatch', row: 1, column: 'period', header: '报告期', cell: 'A2', value: '2024-Q1' }],
    ['a village of another county is outside_county', { village_code: '522227101203' },
      { severity: E, code: 'outside_county', row: 1, column: 'village_code', header: '村代码', cell: 'B2', value: '522227101203' }],
  ])('%s', async (_name, overrides, expected) => {
    const report = await validateText(villageCsv([villageRow(overrides)]))
    expect(bareFindings(report)).toEqual([expected])
    expect(report.status).toBe('rejected')
    expect(report.rows).toEqual({ total: 1, accepted: 0, rejected: 1 })
  })

  it('an empty optional cell takes its default and is no finding (relocation_site defaults to 否)', async () => {
    const report = await validateText(villageCsv([villageRow({ relocation_site: '' })]))
    expect(report.findings).toEqual([])
    expect(report.status).toBe('accepted')
  })

  it('a period spelled 2024年第2季度 equals the upload\'s 2024Q2', async () => {
    const report = await validateText(villageCsv([villageRow({ period: '2024年第2季度' })]))
    expect(report.findings).toEqual([])
  })

  it('the same village twice is duplicate_key on both rows, at the key\'s column', async () => {
    const report = await validateText(villageCsv([villageRow(), villageRow({ village_name: '另一村' })]))
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'duplicate_key', row: 1, column: 'village_code', header: '村代码', cell: 'B2', value: VILLAGE },
      { severity: E, code: 'duplicate_key', row: 2, column: 'village_code', header: '村代码', cell: 'B3', value: VILLAGE },
    ])
    expect(report.rows).toEqual({ total: 2, accepted: 0, rejected: 2 })
    expect(report.counts).toEqual({ duplicate_key: 2 })
  })

  it('a key three times reports the first row once and each repeat', async () => {
    const report = await validateText(villageCsv([villageRow(), villageRow(), villageRow()]))
    expect(bareFindings(report).map((f) => [f.code, f.row, f.cell])).toEqual([
      ['duplicate_key', 1, 'B2'], ['duplicate_key', 2, 'B3'], ['duplicate_key', 3, 'B4'],
    ])
  })
})

describe('value codes in a roster', () => {
  it.each<[string, RowText, BareFinding]>([
    ['an unknown category is enum', { category: '贫困户' },
      { severity: E, code: 'enum', row: 1, column: 'category', header: '监测类型', cell: 'E2', value: '贫困户' }],
    ['one unknown risk cause in a list is enum', { risk_causes: '因病、因穷' },
      { severity: E, code: 'enum', row: 1, column: 'risk_causes', header: '风险类型', cell: 'G2', value: '因病、因穷' }],
    ['a household of 21 is range (1–20)', { household_size: '21' },
      { severity: E, code: 'range', row: 1, column: 'household_size', header: '家庭人口数', cell: 'F2', value: '21' }],
    ['a household id with a slash is format', { household_id: 'H/1' },
      { severity: E, code: 'format', row: 1, column: 'household_id', header: '户编号', cell: 'C2', value: 'H/1' }],
    ['a date that does not exist is type', { identified_on: '2023-02-30' },
      { severity: E, code: 'type', row: 1, column: 'identified_on', header: '识别纳入日期', cell: 'I2', value: '2023-02-30' }],
    ['an ID number with a wrong check digit is format, and its value is never echoed', { head_id_number: BAD_CHECK_ID },
      { severity: E, code: 'format', row: 1, column: 'head_id_number', header: '户主身份证号', cell: 'D2' }],
    ['an ID number that is not one is format, not echoed either', { head_id_number: 'unknown' },
      { severity: E, code: 'format', row: 1, column: 'head_id_number', header: '户主身份证号', cell: 'D2' }],
  ])('%s', async (_name, overrides, expected) => {
    const report = await validateText(rosterCsv([rosterRow(overrides)]))
    expect(bareFindings(report)).toEqual([expected])
  })

  it('an empty ID number is allowed (the column is optional)', async () => {
    const report = await validateText(rosterCsv([rosterRow({ head_id_number: '' })]))
    expect(report.findings).toEqual([])
  })

  it('the same household twice is duplicate_key on both rows, at household_id', async () => {
    const report = await validateText(rosterCsv([rosterRow(), rosterRow({ household_size: '4' })]))
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'duplicate_key', row: 1, column: 'household_id', header: '户编号', cell: 'C2', value: 'H-0001' },
      { severity: E, code: 'duplicate_key', row: 2, column: 'household_id', header: '户编号', cell: 'C3', value: 'H-0001' },
    ])
  })

  it('a household at risk with no assistance measure is unassisted (warning), the file accepted', async () => {
    const report = await validateText(rosterCsv([rosterRow({ assistance: '' })]))
    expect(bareFindings(report)).toEqual([
      { severity: W, code: 'unassisted', row: 1, column: 'assistance', header: '帮扶措施', cell: 'L2' },
    ])
    expect(report.status).toBe('accepted')
    expect(report.rows).toEqual({ total: 1, accepted: 1, rejected: 0 })
  })

  it('a household whose risk is eliminated needs no assistance measure', async () => {
    const report = await validateText(rosterCsv([rosterRow({ risk_eliminated: '是', eliminated_on: '2024-05-01', assistance: '' })]))
    expect(report.findings).toEqual([])
  })
})

describe('unknown_village (registry)', () => {
  const registry = (active: (code: string) => boolean, provinces = ['52']): RegistryView => ({
    coversProvince: (p) => provinces.includes(p),
    isActiveVillage: active,
  })

  it('a village the registry of its province does not list as active is unknown_village (warning)', async () => {
    const report = await validateText(villageCsv([villageRow()]), { registry: async () => registry(() => false) })
    expect(bareFindings(report)).toEqual([
      { severity: W, code: 'unknown_village', row: 1, column: 'village_code', header: '村代码', cell: 'B2', value: VILLAGE },
    ])
    expect(report.status).toBe('accepted')
  })

  it('a village listed as active is no finding', async () => {
    const report = await validateText(villageCsv([villageRow()]), { registry: async () => registry((c) => c === VILLAGE) })
    expect(report.findings).toEqual([])
  })

  it('a registry that does not cover the province says nothing', async () => {
    const report = await validateText(villageCsv([villageRow()]), { registry: async () => registry(() => false, ['51']) })
    expect(report.findings).toEqual([])
  })

  it('in a roster too', async () => {
    const report = await validateText(rosterCsv([rosterRow()]), { registry: async () => registry(() => false) })
    expect(bareFindings(report)).toEqual([
      { severity: W, code: 'unknown_village', row: 1, column: 'village_code', header: '村代码', cell: 'B2', value: VILLAGE },
    ])
  })
})

describe('roster_mismatch (counterpart of the same quarter)', () => {
  /** The roster figures that agree with VILLAGE_ROW. */
  const agreeing = (): VillageRosterFigures => ({
    ...zeroFigures(),
    monitored_unstable_households: 5, monitored_unstable_persons: 15,
    monitored_marginal_households: 4, monitored_marginal_persons: 12,
    monitored_hardship_households: 2, monitored_hardship_persons: 6,
    risk_eliminated_households: 6,
  })

  it('a village report whose figure disagrees with the accepted roster is one warning at the report\'s cell', async () => {
    const roster = { ...agreeing(), monitored_marginal_persons: 13 }
    const asked: string[] = []
    const report = await validateText(villageCsv([villageRow()]), {
      counterpart: async (dataset) => {
        asked.push(dataset)
        return new Map([[VILLAGE, roster]])
      },
    })
    expect(asked).toEqual(['village_report'])
    expect(bareFindings(report)).toEqual([
      { severity: W, code: 'roster_mismatch', row: 1, column: 'monitored_marginal_persons', header: '边缘易致贫户人数', cell: 'P2', value: '12' },
    ])
    expect(report.findings[0]?.message.en).toContain(VILLAGE)
    expect(report.status).toBe('accepted')
  })

  it('figures that agree are no finding', async () => {
    const report = await validateText(villageCsv([villageRow()]), { counterpart: async () => new Map([[VILLAGE, agreeing()]]) })
    expect(report.findings).toEqual([])
  })

  it('a roster that disagrees with the accepted report: one warning per figure, naming the roster\'s value', async () => {
    // One unstable household of 3 at risk; the report says 5/15, 4/12, 2/6 and 6 eliminated.
    const reportFigures = new Map([[VILLAGE, agreeing()]])
    const report = await validateText(rosterCsv([rosterRow()]), { counterpart: async () => reportFigures })
    expect(bareFindings(report)).toEqual([
      { severity: W, code: 'roster_mismatch', column: 'monitored_unstable_households', value: '1' },
      { severity: W, code: 'roster_mismatch', column: 'monitored_unstable_persons', value: '3' },
      { severity: W, code: 'roster_mismatch', column: 'monitored_marginal_households', value: '0' },
      { severity: W, code: 'roster_mismatch', column: 'monitored_marginal_persons', value: '0' },
      { severity: W, code: 'roster_mismatch', column: 'monitored_hardship_households', value: '0' },
      { severity: W, code: 'roster_mismatch', column: 'monitored_hardship_persons', value: '0' },
      { severity: W, code: 'roster_mismatch', column: 'risk_eliminated_households', value: '0' },
    ])
    expect(report.counts).toEqual({ roster_mismatch: 7 })
  })

  it('a roster that matches the report exactly is no finding', async () => {
    const reportFigures = new Map([[VILLAGE, {
      ...zeroFigures(), monitored_unstable_households: 1, monitored_unstable_persons: 3,
      monitored_hardship_households: 1, monitored_hardship_persons: 4, risk_eliminated_households: 1,
    }]])
    const rows = [rosterRow(), rosterRow({ household_id: 'H-0002', category: 'hardship', household_size: '4', risk_eliminated: 'Y', eliminated_on: '2024/6/30' })]
    const report = await validateText(rosterCsv(rows), { counterpart: async () => reportFigures })
    expect(report.findings).toEqual([])
  })

  it('is not checked when the file has an error', async () => {
    let asked = false
    const report = await validateText(villageCsv([villageRow({ dropouts: 'x' })]), { counterpart: async () => { asked = true; return new Map() } })
    expect(asked).toBe(false)
    expect(report.counts).toEqual({ type: 1 })
  })
})

describe('outlier: quarter-over-quarter checks', () => {
  const current = { year: 2024, quarter: 2 } as const
  /** The base row's figures, as an earlier quarter might have had them. */
  const figures = (overrides: Record<string, number> = {}): Record<string, number> => ({
    population: 1000, alleviated_persons: 350, alleviated_income_per_capita: 8000, collective_operating_income: 50000,
    linkage_funds_allocated: 100, linkage_funds_spent: 60, ...overrides,
  })
  const previous = (rows: { period: { year: number; quarter: 1 | 2 | 3 | 4 }; values: Record<string, number> }[]) =>
    async () => previousQuartersFrom(rows.map((r) => ({ village: VILLAGE, ...r })), current)

  it.each<[string, { year: number; quarter: 1 | 2 | 3 | 4 }, Record<string, number>, BareFinding]>([
    ['QQ01: population up by more than 20% (800 → 1000)', { year: 2024, quarter: 1 }, { population: 800 },
      { severity: W, code: 'outlier', rule: 'QQ01', row: 1, column: 'population', header: '总人口', cell: 'H2', value: '1000' }],
    ['QQ02: alleviated persons up by more than 10% (300 → 350)', { year: 2024, quarter: 1 }, { alleviated_persons: 300 },
      { severity: W, code: 'outlier', rule: 'QQ02', row: 1, column: 'alleviated_persons', header: '脱贫人口数', cell: 'J2', value: '350' }],
    ['QQ03: a YTD figure falls within the year (collective income 60000 → 50000)', { year: 2024, quarter: 1 }, { collective_operating_income: 60000 },
      { severity: W, code: 'outlier', rule: 'QQ03', row: 1, column: 'collective_operating_income', header: '村集体经济经营性收入', cell: 'AF2', value: '50000' }],
  ])('%s', async (_name, period, changed, expected) => {
    const report = await validateText(villageCsv([villageRow()]), { previous: previous([{ period, values: figures(changed) }]) })
    expect(bareFindings(report)).toEqual([expected])
    expect(report.status).toBe('accepted')
  })

  it('QQ04: income per capita differs by more than 50% from the same quarter a year earlier', async () => {
    const report = await validateText(villageCsv([villageRow()]), {
      previous: previous([
        { period: { year: 2023, quarter: 2 }, values: figures({ alleviated_income_per_capita: 5000 }) },
        { period: { year: 2024, quarter: 1 }, values: figures() },
      ]),
    })
    expect(bareFindings(report)).toEqual([
      { severity: W, code: 'outlier', rule: 'QQ04', row: 1, column: 'alleviated_income_per_capita', header: '脱贫人口人均纯收入', cell: 'V2', value: '8000' },
    ])
  })

  it('QQ03 does not apply across a year: a fall from 2023Q4 is expected of YTD figures', async () => {
    const report = await validateText(villageCsv([villageRow()]), { previous: previous([{ period: { year: 2023, quarter: 4 }, values: figures({ collective_operating_income: 90000 }) }]) })
    expect(report.findings).toEqual([])
  })

  it('the previous quarter is the latest earlier one the village has, not necessarily the adjacent one', async () => {
    const report = await validateText(villageCsv([villageRow()]), {
      previous: previous([
        { period: { year: 2023, quarter: 3 }, values: figures() },
        { period: { year: 2023, quarter: 4 }, values: figures({ population: 700 }) },
      ]),
    })
    expect(bareFindings(report).map((f) => [f.rule, f.column])).toEqual([['QQ01', 'population']])
  })

  it('a check whose previous value is 0 is skipped', async () => {
    const report = await validateText(villageCsv([villageRow()]), { previous: previous([{ period: { year: 2024, quarter: 1 }, values: figures({ population: 0, linkage_funds_allocated: 0 }) }]) })
    expect(report.findings).toEqual([])
  })

  it('changes within the thresholds are no finding (exactly 20% is not more than 20%)', async () => {
    const report = await validateText(villageCsv([villageRow({ population: '1200' })]), { previous: previous([{ period: { year: 2024, quarter: 1 }, values: figures() }]) })
    expect(report.findings).toEqual([])
  })

  it('a value that failed to parse is not compared', async () => {
    const report = await validateText(villageCsv([villageRow({ population: '一千' })]), { previous: previous([{ period: { year: 2024, quarter: 1 }, values: figures({ population: 100 }) }]) })
    expect(bareFindings(report).map((f) => f.code)).toEqual(['type'])
  })
})

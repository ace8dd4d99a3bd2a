/**
 * The cross-field rules of contract/validation.md, each broken once from a valid row without
 * breaking another; the finding carries the first column the rule names and that column's cell.
 * A rule is skipped when one of its values failed to parse.
 */
import { describe, expect, it } from 'vitest'
import { rosterCsv, rosterRow, villageCsv, villageRow, type RowText } from '../../support/village-rows.ts'
import { bareFindings, validateText, type BareFinding } from './harness.ts'

const E = 'error' as const
const W = 'warning' as const

describe('village report rules VR01–VR14', () => {
  it.each<[string, RowText, BareFinding]>([
    ['VR01 population ≥ households (1000 people in 1001 households)', { households: '1001' },
      { severity: E, code: 'rule', rule: 'VR01', row: 1, column: 'population', header: '总人口', cell: 'H2', value: '1000' }],
    ['VR02 alleviated households ≤ households', { alleviated_households: '301' },
      { severity: E, code: 'rule', rule: 'VR02', row: 1, column: 'alleviated_households', header: '脱贫户数', cell: 'I2', value: '301' }],
    ['VR02 alleviated persons ≤ population (the finding stays at the first column)', { alleviated_persons: '1001' },
      { severity: E, code: 'rule', rule: 'VR02', row: 1, column: 'alleviated_households', header: '脱贫户数', cell: 'I2', value: '100' }],
    ['VR03 persons ≥ households, alleviated', { alleviated_households: '90', alleviated_persons: '89', alleviated_labor: '80', alleviated_labor_employed: '50', medical_insured_persons: '100' },
      { severity: E, code: 'rule', rule: 'VR03', row: 1, column: 'alleviated_persons', header: '脱贫人口数', cell: 'J2', value: '89' }],
    ['VR03 persons ≥ households, relocated', { relocated_persons: '19' },
      { severity: E, code: 'rule', rule: 'VR03', row: 1, column: 'alleviated_persons', header: '脱贫人口数', cell: 'J2', value: '350' }],
    ['VR03 persons ≥ households, a monitored kind', { monitored_hardship_persons: '1', medical_insured_persons: '300' },
      { severity: E, code: 'rule', rule: 'VR03', row: 1, column: 'alleviated_persons', header: '脱贫人口数', cell: 'J2', value: '350' }],
    ['VR04 relocated households ≤ households', { relocated_households: '301', relocated_persons: '900' },
      { severity: E, code: 'rule', rule: 'VR04', row: 1, column: 'relocated_households', header: '易地搬迁户数', cell: 'K2', value: '301' }],
    ['VR05 unstable monitored households ≤ alleviated households', { monitored_unstable_households: '101', monitored_unstable_persons: '400' },
      { severity: E, code: 'rule', rule: 'VR05', row: 1, column: 'monitored_unstable_households', header: '脱贫不稳定户数', cell: 'M2', value: '101' }],
    ['VR06 risk-eliminated households ≤ the three kinds\' households (12 > 11)', { risk_eliminated_households: '12' },
      { severity: E, code: 'rule', rule: 'VR06', row: 1, column: 'risk_eliminated_households', header: '已消除风险户数', cell: 'T2', value: '12' }],
    ['VR06 likewise for persons (34 > 33)', { risk_eliminated_persons: '34' },
      { severity: E, code: 'rule', rule: 'VR06', row: 1, column: 'risk_eliminated_households', header: '已消除风险户数', cell: 'T2', value: '6' }],
    ['VR07 newly identified ≤ the three kinds\' households', { monitored_new_households: '12' },
      { severity: E, code: 'rule', rule: 'VR07', row: 1, column: 'monitored_new_households', header: '本季度新识别监测户数', cell: 'S2', value: '12' }],
    ['VR08 alleviated labour ≤ alleviated persons', { alleviated_labor: '351' },
      { severity: E, code: 'rule', rule: 'VR08', row: 1, column: 'alleviated_labor', header: '脱贫劳动力人数', cell: 'X2', value: '351' }],
    ['VR08 employed ≤ alleviated labour', { alleviated_labor_employed: '201' },
      { severity: E, code: 'rule', rule: 'VR08', row: 1, column: 'alleviated_labor', header: '脱贫劳动力人数', cell: 'X2', value: '200' }],
    ['VR09 zero-employment relocated households ≤ relocated households', { relocated_zero_employment_households: '21' },
      { severity: E, code: 'rule', rule: 'VR09', row: 1, column: 'relocated_zero_employment_households', header: '搬迁零就业家庭户数', cell: 'AA2', value: '21' }],
    ['VR10 insured ≤ alleviated + marginal + hardship persons (369 > 368)', { medical_insured_persons: '369' },
      { severity: E, code: 'rule', rule: 'VR10', row: 1, column: 'medical_insured_persons', header: '参保人数', cell: 'AC2', value: '369' }],
    ['VR11 funds spent ≤ funds allocated is a warning', { linkage_funds_spent: '100.5' },
      { severity: W, code: 'rule', rule: 'VR11', row: 1, column: 'linkage_funds_spent', header: '衔接资金支出', cell: 'AH2', value: '100.5' }],
    ['VR12 projects completed ≤ projects planned', { projects_completed: '5' },
      { severity: E, code: 'rule', rule: 'VR12', row: 1, column: 'projects_completed', header: '已竣工项目数', cell: 'AJ2', value: '5' }],
    ['VR13 persons below the monitoring line ≤ population', { persons_below_monitoring_line: '1001' },
      { severity: E, code: 'rule', rule: 'VR13', row: 1, column: 'persons_below_monitoring_line', header: '低于监测线人数', cell: 'W2', value: '1001' }],
    ['VR14 income 0 while there are alleviated persons is a warning', { alleviated_income_per_capita: '0' },
      { severity: W, code: 'rule', rule: 'VR14', row: 1, column: 'alleviated_income_per_capita', header: '脱贫人口人均纯收入', cell: 'V2', value: '0' }],
  ])('%s', async (_name, overrides, expected) => {
    const report = await validateText(villageCsv([villageRow(overrides)]))
    expect(bareFindings(report)).toEqual([expected])
    const rejected = expected.severity === 'error'
    expect(report.status).toBe(rejected ? 'rejected' : 'accepted')
    expect(report.rows).toEqual({ total: 1, accepted: rejected ? 0 : 1, rejected: rejected ? 1 : 0 })
  })

  it.each<[string, RowText]>([
    ['VR01 holds at equality', { population: '300', alleviated_persons: '300', alleviated_labor: '200', medical_insured_persons: '300', persons_below_monitoring_line: '10' }],
    ['VR10 holds at equality (368)', { medical_insured_persons: '368' }],
    ['VR11 holds at equality', { linkage_funds_spent: '100' }],
    ['VR14 holds with income 0 and no alleviated persons', {
      alleviated_income_per_capita: '0', alleviated_persons: '0', alleviated_households: '0', monitored_unstable_households: '0', monitored_unstable_persons: '0',
      alleviated_labor: '0', alleviated_labor_employed: '0', medical_insured_persons: '18',
    }],
    ['red-line figures above 0 are never a finding', { dropouts: '1', unsafe_houses: '2', unsafe_water_households: '3', relocated_zero_employment_households: '4' }],
  ])('%s', async (_name, overrides) => {
    const report = await validateText(villageCsv([villageRow(overrides)]))
    expect(report.findings).toEqual([])
  })

  it.each<[string, RowText, BareFinding]>([
    ['VR01, VR02 and VR04 are skipped when households failed', { households: '三百', alleviated_households: '301', relocated_households: '301', relocated_persons: '900' },
      { severity: E, code: 'type', row: 1, column: 'households', header: '总户数', cell: 'G2', value: '三百' }],
    ['VR01, VR02 and VR13 are skipped when population failed', { population: '一千', households: '2000', persons_below_monitoring_line: '5000' },
      { severity: E, code: 'type', row: 1, column: 'population', header: '总人口', cell: 'H2', value: '一千' }],
    ['VR08 is skipped when alleviated persons failed', { alleviated_persons: '-350', alleviated_labor: '9000' },
      { severity: E, code: 'range', row: 1, column: 'alleviated_persons', header: '脱贫人口数', cell: 'J2', value: '-350' }],
    ['VR11 is skipped when the funds allocated failed', { linkage_funds_allocated: '一百万', linkage_funds_spent: '9999' },
      { severity: E, code: 'type', row: 1, column: 'linkage_funds_allocated', header: '衔接资金下达', cell: 'AG2', value: '一百万' }],
    ['VR12 is skipped when projects completed is empty', { projects_completed: '', projects_planned: '0' },
      { severity: E, code: 'required', row: 1, column: 'projects_completed', header: '已竣工项目数', cell: 'AJ2' }],
  ])('%s', async (_name, overrides, expected) => {
    const report = await validateText(villageCsv([villageRow(overrides)]))
    expect(bareFindings(report)).toEqual([expected])
  })
})

describe('roster rules MH01–MH03', () => {
  it.each<[string, RowText, BareFinding]>([
    ['MH01 eliminated, and no elimination date (the empty cell is not echoed)', { risk_eliminated: '是', eliminated_on: '' },
      { severity: E, code: 'rule', rule: 'MH01', row: 1, column: 'eliminated_on', header: '风险消除日期', cell: 'K2' }],
    ['MH01 not eliminated, yet an elimination date', { eliminated_on: '2024-05-01' },
      { severity: E, code: 'rule', rule: 'MH01', row: 1, column: 'eliminated_on', header: '风险消除日期', cell: 'K2', value: '2024-05-01' }],
    ['MH02 eliminated before identified', { risk_eliminated: '是', eliminated_on: '2023-05-09' },
      { severity: E, code: 'rule', rule: 'MH02', row: 1, column: 'identified_on', header: '识别纳入日期', cell: 'I2', value: '2023-05-10' }],
    ['MH02 eliminated after the last day of the period', { risk_eliminated: '是', eliminated_on: '2024-07-01' },
      { severity: E, code: 'rule', rule: 'MH02', row: 1, column: 'identified_on', header: '识别纳入日期', cell: 'I2', value: '2023-05-10' }],
    ['MH02 identified after the last day of the period', { identified_on: '2024年7月1日' },
      { severity: E, code: 'rule', rule: 'MH02', row: 1, column: 'identified_on', header: '识别纳入日期', cell: 'I2', value: '2024年7月1日' }],
    ['MH03 identified before 2020-01-01', { identified_on: '2019/12/31' },
      { severity: E, code: 'rule', rule: 'MH03', row: 1, column: 'identified_on', header: '识别纳入日期', cell: 'I2', value: '2019/12/31' }],
  ])('%s', async (_name, overrides, expected) => {
    const report = await validateText(rosterCsv([rosterRow(overrides)]))
    expect(bareFindings(report)).toEqual([expected])
    expect(report.status).toBe('rejected')
  })

  it.each<[string, RowText]>([
    ['eliminated with a date inside the period', { risk_eliminated: 'yes', eliminated_on: '2024-06-30', assistance: '' }],
    ['eliminated on the day identified', { identified_on: '2024-04-01', risk_eliminated: 'TRUE', eliminated_on: '2024/4/1' }],
    ['identified on the last day of the period', { identified_on: '2024-06-30' }],
    ['identified on 2020-01-01', { identified_on: '2020-01-01' }],
  ])('the rules hold: %s', async (_name, overrides) => {
    const report = await validateText(rosterCsv([rosterRow(overrides)]))
    expect(report.findings).toEqual([])
  })

  it.each<[string, RowText, BareFinding]>([
    ['MH01 and MH02 are skipped when the elimination date does not exist', { eliminated_on: '2023-02-30' },
      { severity: E, code: 'type', row: 1, column: 'eliminated_on', header: '风险消除日期', cell: 'K2', value: '2023-02-30' }],
    ['MH01 is skipped when risk_eliminated is not yes/no', { risk_eliminated: '部分', eliminated_on: '' },
      { severity: E, code: 'type', row: 1, column: 'risk_eliminated', header: '是否消除风险', cell: 'J2', value: '部分' }],
    ['MH02 and MH03 are skipped when the identification date does not exist', { identified_on: '2019-13-01', risk_eliminated: '是', eliminated_on: '2019-01-01' },
      { severity: E, code: 'type', row: 1, column: 'identified_on', header: '识别纳入日期', cell: 'I2', value: '2019-13-01' }],
  ])('%s', async (_name, overrides, expected) => {
    const report = await validateText(rosterCsv([rosterRow(overrides)]))
    expect(bareFindings(report)).toEqual([expected])
  })

  it('MH01 applies when the file has no elimination-date column at all (presence is a rule, never missing_column)', async () => {
    const columns = ['period', 'village_code', 'household_id', 'category', 'household_size', 'risk_causes', 'income_per_capita', 'identified_on', 'risk_eliminated', 'assistance']
    const report = await validateText(rosterCsv([rosterRow({ risk_eliminated: '是' })], { columns }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'rule', rule: 'MH01', row: 1, column: 'eliminated_on' }])
  })
})

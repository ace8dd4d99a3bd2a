import { describe, expect, it } from 'vitest'
import type { CuratedRecord } from '../../../functions/core/validate/validate-file.ts'
import { utf8 } from '../../support/village-rows.ts'
import { bareFindings, validateBytes, validateText } from '../validate/harness.ts'

/** A targets upload's context: no county or period, the dataset named by registry/targets/. */
const targets = (scope?: string) => ({ county: null, period: null, dataset: 'targets' as const, candidates: ['targets' as const], ...(scope ? { scope } : {}) })

const HEADER = '年度,县代码,指标,一季度目标,二季度目标,三季度目标,四季度目标'
const file = (...rows: string[]) => [HEADER, ...rows].join('\n')

describe('targets files (rectification.md, "Targets")', () => {
  it('a file of a city official for the city\'s counties is accepted, rates as fractions or with %', async () => {
    const stored: CuratedRecord[] = []
    const outcome = await validateBytes(utf8(file('2024,520602,风险消除率,20%,0.4,60%,0.8', '2024,520603,fund_spending_rate,0.25,50 %,0.75,95％')), targets('5206'), 'targets.csv', { write: (r) => void stored.push({ ...r }) })
    expect(outcome.report).toMatchObject({ dataset: 'targets', status: 'accepted', rows: { total: 2, accepted: 2, rejected: 0 }, findings: [] })
    expect(stored).toEqual([
      { year: 2024, county_code: '520602', indicator: 'risk_elimination_rate', q1: 0.2, q2: 0.4, q3: 0.6, q4: 0.8, scope: '5206', submission_id: 'test-submission' },
      { year: 2024, county_code: '520603', indicator: 'fund_spending_rate', q1: 0.25, q2: 0.5, q3: 0.75, q4: 0.95, scope: '5206', submission_id: 'test-submission' },
    ])
  })

  it('a county of another city in a city official\'s file is outside_county on that row', async () => {
    const report = await validateText(file('2024,520602,风险消除率,0.2,0.4,0.6,0.8', '2024,520101,风险消除率,0.2,0.4,0.6,0.8'), targets('5206'))
    expect(report).toMatchObject({ status: 'rejected', rows: { total: 2, accepted: 1, rejected: 1 }, counts: { outside_county: 1 } })
    expect(bareFindings(report)).toEqual([
      { severity: 'error', code: 'outside_county', row: 2, column: 'county_code', header: '县代码', cell: 'B3', value: '520101' },
    ])
  })

  it('without a scope the file is held to the province of its first row\'s county', async () => {
    const report = await validateText(file('2024,520602,风险消除率,0.2,0.4,0.6,0.8', '2024,530102,风险消除率,0.2,0.4,0.6,0.8', '2024,522226,参保率,1,1,1,1'), targets())
    expect(bareFindings(report)).toEqual([
      { severity: 'error', code: 'outside_county', row: 2, column: 'county_code', header: '县代码', cell: 'B3', value: '530102' },
    ])
  })

  it('the same year, county and indicator twice is duplicate_key on both rows; another year or indicator is not', async () => {
    const report = await validateText(file(
      '2024,520602,风险消除率,0.2,0.4,0.6,0.8',
      '2025,520602,风险消除率,0.2,0.4,0.6,0.8',
      '2024,520602,参保率,1,1,1,1',
      '2024,520602,risk_elimination_rate,0.1,0.2,0.3,0.4',
    ), targets('52'))
    expect(report).toMatchObject({ status: 'rejected', rows: { total: 4, accepted: 2, rejected: 2 }, counts: { duplicate_key: 2 } })
    expect(bareFindings(report)).toEqual([
      { severity: 'error', code: 'duplicate_key', row: 1, column: 'indicator', header: '指标', cell: 'C2', value: '2024 520602 risk_elimination_rate' },
      { severity: 'error', code: 'duplicate_key', row: 4, column: 'indicator', header: '指标', cell: 'C5', value: '2024 520602 risk_elimination_rate' },
    ])
  })

  it.each([
    ['an indicator that is not scored', '2024,520602,income_per_capita,1,1,1,1', { code: 'enum', column: 'indicator', cell: 'C2', header: '指标', value: 'income_per_capita' }],
    ['a milestone that is not a number', '2024,520602,参保率,百分之九十,1,1,1', { code: 'type', column: 'q1', cell: 'D2', header: '一季度目标', value: '百分之九十' }],
    ['a negative milestone', '2024,520602,参保率,-5%,1,1,1', { code: 'range', column: 'q1', cell: 'D2', header: '一季度目标', value: '-5%' }],
    ['a county code of 4 digits', '2024,5206,参保率,1,1,1,1', { code: 'format', column: 'county_code', cell: 'B2', header: '县代码', value: '5206' }],
    ['an empty milestone', '2024,520602,参保率,,1,1,1', { code: 'required', column: 'q1', cell: 'D2', header: '一季度目标' }],
  ])('%s is rejected with its cell finding', async (_name, row, expected) => {
    const report = await validateText(file(row), targets('52'))
    expect(report.status).toBe('rejected')
    expect(bareFindings(report)).toEqual([{ severity: 'error', row: 1, ...expected }])
  })

  it('English headers in another order are read', async () => {
    const report = await validateText('indicator,county_code,year,q4,q3,q2,q1\n参保率,520602,2024,1,0.99,0.98,0.97', targets('5206'))
    expect(report).toMatchObject({ status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 } })
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { APPRAISAL_COLUMNS, toAppraisalRow } from '../../../functions/core/appraisal/appraisal-columns.ts'
import { completeness, countyInputsFromRows, earlierDenominators, growth } from '../../../functions/core/appraisal/indicators.ts'
import type { IndicatorRows, QueryRow } from '../../../functions/core/appraisal/indicators.ts'
import { scoreAppraisal } from '../../../functions/core/appraisal/score.ts'
import { loadScoringConfig } from '../../../functions/core/appraisal/scoring-config.ts'
import { INDICATOR_KEYS } from '../../../schemas/scoring.ts'

const DEFAULT_JSON = JSON.parse(readFileSync(new URL('../../../functions/config/scoring/2024.1.json', import.meta.url), 'utf8'))
const { config } = loadScoringConfig(JSON.stringify({ ...DEFAULT_JSON, provinces: { '53': { collective_income_threshold: { '2': 40000 } } } }))

/** A county-indicators.sql row (only what the join reads). */
function indicatorRow(county: string, collectiveShare: number, values: Partial<Record<string, number | null>> = {}): QueryRow {
  return {
    county_code: county, city_code: county.slice(0, 4), province_code: county.slice(0, 2),
    villages_reported: 4, monitored_households: 10, monitored_persons: 30,
    risk_elimination_rate: 0.5, income_per_capita: 11000, below_line_share: 0.01, labor_employment_rate: 0.8,
    medical_insurance_rate: 0.99, fund_spending_rate: 0.4, project_completion_rate: 0.5, collective_income_share: collectiveShare,
    dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0,
    ...values,
  }
}

const rows = (): IndicatorRows => ({
  indicators: new Map([
    [40000, [indicatorRow('522201', 0.75), indicatorRow('530101', 0.5)]],
    [50000, [indicatorRow('530101', 0.25), indicatorRow('522201', 0.5, { dropouts: 3, unsafe_houses: 1 })]],
  ]),
  yearEarlier: [{ county_code: '522201', income_per_capita: 10000 }, { county_code: '530101', income_per_capita: null }],
  villagesExpected: [
    { county_code: '522201', villages_reported: 4, villages_expected: 5, basis: 'registry' },
    { county_code: '530101', villages_reported: 4, villages_expected: 3, basis: 'earlier_quarters' },
  ],
  redFlagVillages: [
    { county_code: '522201', indicator: 'dropouts', village_code: '522201001001', value: 1 },
    { county_code: '522201', indicator: 'dropouts', village_code: '522201001004', value: 2 },
    { county_code: '522201', indicator: 'unsafe_houses', village_code: '522201001002', value: 1 },
  ],
  medianDays: [{ county_code: '530101', median_days_to_eliminate: 45.5, households_eliminated: 4 }],
  countyNames: [{ county_code: '522201', name: '碧江区' }],
})

describe('countyInputsFromRows', () => {
  it('joins the queries per county, finishing completeness and growth, with each province’s threshold', () => {
    expect(countyInputsFromRows(rows(), config, 2)).toEqual([
      {
        county: '522201', name: '碧江区', city: '5222', province: '52',
        indicators: {
          villages_reported: 4, villages_expected: 5, reporting_completeness: 4 / 5,
          monitored_households: 10, monitored_persons: 30,
          risk_elimination_rate: 0.5, income_per_capita: 11000, income_growth_yoy: 11000 / 10000 - 1,
          below_line_share: 0.01, labor_employment_rate: 0.8, medical_insurance_rate: 0.99, fund_spending_rate: 0.4,
          project_completion_rate: 0.5,
          // Province 52 keeps the default Q2 threshold of 50 000.
          collective_income_share: 0.5,
          dropouts: 3, zero_employment_households: 0, unsafe_houses: 1, unsafe_water_households: 0,
          median_days_to_eliminate: null,
        },
        red_flag_villages: { dropouts: ['522201001001', '522201001004'], unsafe_houses: ['522201001002'] },
      },
      {
        county: '530101', name: null, city: '5301', province: '53',
        indicators: {
          // 4 reported of 3 expected: capped at 1.
          villages_reported: 4, villages_expected: 3, reporting_completeness: 1,
          monitored_households: 10, monitored_persons: 30,
          risk_elimination_rate: 0.5, income_per_capita: 11000, income_growth_yoy: null,
          below_line_share: 0.01, labor_employment_rate: 0.8, medical_insurance_rate: 0.99, fund_spending_rate: 0.4,
          project_completion_rate: 0.5,
          // Province 53 overrides the Q2 threshold to 40 000.
          collective_income_share: 0.5,
          dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0,
          median_days_to_eliminate: 45.5,
        },
        red_flag_villages: {},
      },
    ])
  })

  it('fails loudly when a threshold the scoring needs was not queried', () => {
    const missing = { ...rows(), indicators: new Map([[50000, [indicatorRow('530101', 0.25)]]]) }
    expect(() => countyInputsFromRows(missing, config, 2)).toThrow(new Error('county-indicators.sql did not run with threshold 40000 (province 53)'))
  })

  it('accepts BIGINTs that arrive as text', () => {
    const big = { ...rows(), indicators: new Map([[50000, [indicatorRow('522201', 0.5, {})]]]) }
    const first = big.indicators.get(50000)?.[0]
    if (first === undefined) throw new Error('fixture')
    big.indicators.set(50000, [{ ...first, monitored_persons: '9007199254740993' }])
    expect(countyInputsFromRows(big, config, 2)[0]?.indicators.monitored_persons).toBe(Number('9007199254740993'))
  })
})

describe('completeness and growth', () => {
  it.each([
    [3, 4, 3 / 4],
    [5, 4, 1],
    [4, 4, 1],
    [2, 0, null],
    [2, null, null],
  ] as const)('completeness(%s, %s) = %s', (reported, expected, result) => {
    expect(completeness(reported, expected)).toBe(result)
  })

  it.each([
    [11000, 10000, 11000 / 10000 - 1],
    [9000, 10000, 9000 / 10000 - 1],
    [11000, 0, null],
    [11000, null, null],
    [null, 10000, null],
  ] as const)('growth(%s, %s) = %s', (current, earlier, result) => {
    expect(growth(current, earlier)).toBe(result)
  })
})

describe('the county_appraisals row', () => {
  it('has every column of APPRAISAL_COLUMNS, in order, from the scored county', () => {
    const inputs = countyInputsFromRows(rows(), config, 2)
    const appraisal = scoreAppraisal({ year: 2024, quarter: 2, counties: inputs, config, sha256: 'abc' })
    const c = appraisal.counties.find((x) => x.county === '522201')
    if (c === undefined) throw new Error('no county')
    const row = toAppraisalRow(c, { config_version: '2024.1', config_sha256: 'abc', run_id: 'run-7', computed_at: '2024-07-15T02:00:00.000Z' })
    expect(Object.keys(row)).toEqual(APPRAISAL_COLUMNS.map((col) => col.key))
    expect(row).toEqual({
      county: '522201', name: '碧江区', city: '5222', province: '52', score: c.score, grade: 'poor',
      rank_in_city: 1, rank_in_province: 1, red_flag_count: 2, config_version: '2024.1', config_sha256: 'abc',
      run_id: 'run-7', computed_at: '2024-07-15T02:00:00.000Z',
      ...Object.fromEntries(INDICATOR_KEYS.map((k) => [k, c.indicators[k]])),
      no_data: c.no_data.join(','),
    })
  })
})

describe('earlierDenominators (appraisal.md, "Nulls are not free points")', () => {
  const row = (county: string, year: number, quarter: number, allocated: number, monitored: number) => ({
    county_code: county, year, quarter, monitored_persons: monitored, alleviated_labor: 10, covered_persons: 10,
    linkage_funds_allocated: allocated, projects_planned: 1, villages_reported: 3,
  })

  it('takes the latest earlier quarter, and the same quarter a year earlier for fund_spending_rate', () => {
    const found = earlierDenominators([row('522201', 2023, 1, 0, 5), row('522201', 2023, 4, 80, 0), row('522201', 2024, 1, 90, 7)], 2024, 1)
    expect(found.get('522201')).toEqual({
      risk_elimination_rate: 0, labor_employment_rate: 10, medical_insurance_rate: 10, fund_spending_rate: 0, project_completion_rate: 1, collective_income_share: 3,
    })
  })

  it('leaves fund_spending_rate out without the year-earlier quarter, and the county out without any earlier quarter', () => {
    const found = earlierDenominators([row('522201', 2024, 1, 90, 7)], 2024, 2)
    expect(found.get('522201')?.fund_spending_rate).toBeUndefined()
    expect(found.get('522201')?.risk_elimination_rate).toBe(7)
    expect(found.has('522202')).toBe(false)
  })
})

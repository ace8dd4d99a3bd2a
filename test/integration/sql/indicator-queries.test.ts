import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import type { DuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import { loadSql } from '../../../functions/adapters/sql-files.ts'
import { countyInputsFromRows } from '../../../functions/core/appraisal/indicators.ts'
import { scoreAppraisal } from '../../../functions/core/appraisal/score.ts'
import { collectiveIncomeThresholds, loadScoringConfig } from '../../../functions/core/appraisal/scoring-config.ts'
import { closeLakeFixtures, createLakeDir, removeLakeDir } from '../../support/lake-fixtures.ts'
import { buildAppraisalLake, QUARTER, YEAR } from './appraisal-lake.ts'

let lakeDir: string
let engine: DuckDbQueryEngine

beforeAll(async () => {
  lakeDir = await createLakeDir()
  await buildAppraisalLake(lakeDir)
  engine = await createDuckDbQueryEngine({ lakeDir, threads: 1 })
})

afterAll(async () => {
  await engine.close()
  await closeLakeFixtures()
  await removeLakeDir(lakeDir)
})

const run = (name: string, params: (string | number | boolean | null)[]) => engine.query(loadSql(name), params)

describe('county-indicators.sql', () => {
  it('sums and ratios per county, NULL where the denominator is 0', async () => {
    const rows = await run('county-indicators', [YEAR, QUARTER, 50000])
    expect(rows).toEqual([
      {
        county_code: '522201', city_code: '5222', province_code: '52',
        villages_reported: 3,
        monitored_households: 3 + 2 + 1 + 1 + 1,
        monitored_persons: 10 + 6 + 4 + 3 + 2,
        risk_eliminated_persons: 14,
        alleviated_persons: 150,
        alleviated_income_total: 12000 * 100 + 10000 * 50,
        population: 1000,
        persons_below_monitoring_line: 15,
        alleviated_labor: 90,
        alleviated_labor_employed: 70,
        medical_insured_persons: 158,
        covered_persons: (100 + 6 + 4) + (50 + 2 + 0) + 0,
        linkage_funds_allocated: 150,
        linkage_funds_spent: 40.5 + 30.25,
        projects_planned: 6,
        projects_completed: 3,
        // 60 000 and 50 000 reach the threshold (≥); 49 999.5 does not.
        collective_income_villages: 2,
        risk_elimination_rate: 14 / 25,
        income_per_capita: (12000 * 100 + 10000 * 50) / 150,
        below_line_share: 15 / 1000,
        labor_employment_rate: 70 / 90,
        medical_insurance_rate: 158 / 162,
        fund_spending_rate: (40.5 + 30.25) / 150,
        project_completion_rate: 3 / 6,
        collective_income_share: 2 / 3,
        dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0,
      },
      {
        county_code: '522202', city_code: '5222', province_code: '52',
        villages_reported: 3,
        monitored_households: 1,
        monitored_persons: 4,
        risk_eliminated_persons: 4,
        alleviated_persons: 30,
        alleviated_income_total: 7000 * 10 + 9000 * 20,
        population: 1400,
        persons_below_monitoring_line: 6,
        alleviated_labor: 8,
        alleviated_labor_employed: 8,
        medical_insured_persons: 24,
        covered_persons: 10 + (20 + 4),
        linkage_funds_allocated: 0,
        linkage_funds_spent: 0,
        projects_planned: 0,
        projects_completed: 0,
        collective_income_villages: 1,
        risk_elimination_rate: 4 / 4,
        income_per_capita: (7000 * 10 + 9000 * 20) / 30,
        below_line_share: 6 / 1400,
        labor_employment_rate: 8 / 8,
        medical_insurance_rate: 24 / 34,
        fund_spending_rate: null,
        project_completion_rate: null,
        collective_income_share: 1 / 3,
        dropouts: 4, zero_employment_households: 0, unsafe_houses: 2, unsafe_water_households: 0,
      },
      {
        county_code: '522301', city_code: '5223', province_code: '52',
        villages_reported: 1,
        monitored_households: 0,
        monitored_persons: 0,
        risk_eliminated_persons: 0,
        alleviated_persons: 10,
        alleviated_income_total: 80000,
        population: 400,
        persons_below_monitoring_line: 0,
        alleviated_labor: 0,
        alleviated_labor_employed: 0,
        medical_insured_persons: 10,
        covered_persons: 10,
        linkage_funds_allocated: 20,
        linkage_funds_spent: 20,
        projects_planned: 1,
        projects_completed: 1,
        collective_income_villages: 1,
        risk_elimination_rate: null,
        income_per_capita: 8000,
        below_line_share: 0,
        labor_employment_rate: null,
        medical_insurance_rate: 1,
        fund_spending_rate: 1,
        project_completion_rate: 1,
        collective_income_share: 1,
        dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0,
      },
      emptyCounty('530101', 2),
      emptyCounty('530102', 1),
    ])
  })

  it('counts collective income against the threshold it is given', async () => {
    const rows = await run('county-indicators', [YEAR, QUARTER, 60000])
    expect(rows.map((r) => [r.county_code, r.collective_income_villages, r.collective_income_share])).toEqual([
      ['522201', 1, 1 / 3],
      ['522202', 1, 1 / 3],
      ['522301', 0, 0],
      ['530101', 0, 0],
      ['530102', 0, 0],
    ])
  })

  it('returns no rows for a quarter nobody reported', async () => {
    expect(await run('county-indicators', [2022, 1, 50000])).toEqual([])
  })
})

/** A county whose villages report only the defaults (population 400 each, everything else 0). */
function emptyCounty(county: string, villages: number) {
  return {
    county_code: county, city_code: county.slice(0, 4), province_code: county.slice(0, 2),
    villages_reported: villages,
    monitored_households: 0, monitored_persons: 0, risk_eliminated_persons: 0, alleviated_persons: 0,
    alleviated_income_total: 0, population: 400 * villages, persons_below_monitoring_line: 0,
    alleviated_labor: 0, alleviated_labor_employed: 0, medical_insured_persons: 0, covered_persons: 0,
    linkage_funds_allocated: 0, linkage_funds_spent: 0, projects_planned: 0, projects_completed: 0,
    collective_income_villages: 0,
    risk_elimination_rate: null, income_per_capita: null, below_line_share: 0, labor_employment_rate: null,
    medical_insurance_rate: null, fund_spending_rate: null, project_completion_rate: null, collective_income_share: 0,
    dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0,
  }
}

describe('county-income-year-earlier.sql', () => {
  it('reads the same quarter one year earlier, not the quarter after it', async () => {
    expect(await run('county-income-year-earlier', [YEAR, QUARTER])).toEqual([{ county_code: '522201', income_per_capita: 10000 }])
  })

  it('gives each quarter its own year-earlier quarter, NULL without alleviated persons, nothing without reports', async () => {
    expect(await run('county-income-year-earlier', [2024, 3])).toEqual([{ county_code: '522201', income_per_capita: 99999 }])
    expect(await run('county-income-year-earlier', [2024, 4])).toEqual([{ county_code: '530101', income_per_capita: null }])
    expect(await run('county-income-year-earlier', [2024, 1])).toEqual([])
  })
})

describe('villages-expected.sql', () => {
  it('uses the registry where it covers the province, else earlier quarters, else this quarter', async () => {
    expect(await run('villages-expected', [YEAR, QUARTER])).toEqual([
      // Four active villages; the inactive one is not expected.
      { county_code: '522201', villages_reported: 3, villages_expected: 4, basis: 'registry' },
      { county_code: '522202', villages_reported: 3, villages_expected: 3, basis: 'registry' },
      { county_code: '522301', villages_reported: 1, villages_expected: 1, basis: 'registry' },
      // 2023Q4 and 2024Q1: 001, 003 and 002; 2024Q3's 004 is later and does not count.
      { county_code: '530101', villages_reported: 2, villages_expected: 3, basis: 'earlier_quarters' },
      { county_code: '530102', villages_reported: 1, villages_expected: 1, basis: 'this_quarter' },
    ])
  })

  it('counts only quarters before the appraised one', async () => {
    expect(await run('villages-expected', [2024, 1])).toEqual([
      { county_code: '530101', villages_reported: 2, villages_expected: 2, basis: 'earlier_quarters' },
    ])
  })
})

describe('red-flag-villages.sql', () => {
  it('lists each village above 0 per county and red line, sorted', async () => {
    expect(await run('red-flag-villages', [YEAR, QUARTER])).toEqual([
      { county_code: '522202', indicator: 'dropouts', village_code: '522202001001', value: 1 },
      { county_code: '522202', indicator: 'dropouts', village_code: '522202001003', value: 3 },
      { county_code: '522202', indicator: 'unsafe_houses', village_code: '522202001002', value: 2 },
    ])
  })
})

describe('median-days-to-eliminate.sql', () => {
  it('takes the middle value of an odd count and the mean of the two middles of an even count', async () => {
    expect(await run('median-days-to-eliminate', [YEAR, QUARTER])).toEqual([
      // 30, 50, 90 (the household eliminated in Q1 and the one still monitored are left out).
      { county_code: '522201', median_days_to_eliminate: 50, households_eliminated: 3 },
      // 20, 41, 60, 100.
      { county_code: '522202', median_days_to_eliminate: (41 + 60) / 2, households_eliminated: 4 },
    ])
  })

  it('reads only the quarter’s roster', async () => {
    // The 2024Q1 roster of 522201: one household eliminated in Q1 (62 days).
    expect(await run('median-days-to-eliminate', [2024, 1])).toEqual([
      { county_code: '522201', median_days_to_eliminate: 62, households_eliminated: 1 },
    ])
  })
})

describe('county-names.sql and missing-counties.sql', () => {
  it('names the registry counties', async () => {
    expect(await run('county-names', [])).toEqual([
      { county_code: '522201', name: '碧江区' },
      { county_code: '522202', name: '万山区' },
      { county_code: '522301', name: '兴义市' },
      { county_code: '522302', name: '兴仁市' },
      { county_code: '522303', name: '撤并县' },
    ])
  })

  it('lists active registry counties without a report', async () => {
    expect(await run('missing-counties', [YEAR, QUARTER])).toEqual([
      { county_code: '522302', name: '兴仁市', city_code: '5223', province_code: '52' },
    ])
  })
})

describe('the queries feed the scoring', () => {
  it('joins into county inputs and scores 2024Q2 under the defaults', async () => {
    const bytes = readFileSync(new URL('../../../functions/config/scoring/2024.1.json', import.meta.url))
    const { config, sha256 } = loadScoringConfig(bytes)
    const thresholds = collectiveIncomeThresholds(config, 2)
    expect(thresholds).toEqual([50000])
    const inputs = countyInputsFromRows(
      {
        indicators: new Map([[50000, await run('county-indicators', [YEAR, QUARTER, 50000])]]),
        yearEarlier: await run('county-income-year-earlier', [YEAR, QUARTER]),
        villagesExpected: await run('villages-expected', [YEAR, QUARTER]),
        redFlagVillages: await run('red-flag-villages', [YEAR, QUARTER]),
        medianDays: await run('median-days-to-eliminate', [YEAR, QUARTER]),
        countyNames: await run('county-names', []),
        earlierDenominators: await run('county-earlier-denominators', [YEAR, QUARTER]),
      },
      config,
      2,
      YEAR,
    )
    const i522201 = inputs.find((c) => c.county === '522201')
    expect(i522201?.indicators.income_growth_yoy).toBe((12000 * 100 + 10000 * 50) / 150 / 10000 - 1)
    expect(i522201?.indicators.reporting_completeness).toBe(3 / 4)
    expect(i522201?.indicators.median_days_to_eliminate).toBe(50)
    const missing = (await run('missing-counties', [YEAR, QUARTER])).map((r) => ({ county: String(r.county_code), name: String(r.name) }))
    const appraisal = scoreAppraisal({ year: YEAR, quarter: 2, counties: inputs, config, sha256, missingCounties: missing })
    expect(appraisal.missing_counties).toEqual([{ county: '522302', name: '兴仁市' }])
    // 530101 and 530102 report no alleviated persons: not appraisable (scoring 2024.2).
    expect(appraisal.not_appraisable).toEqual([{ county: '530101', reason: 'no_alleviated_persons' }, { county: '530102', reason: 'no_alleviated_persons' }])
    // 522301: risk and labour null with no earlier quarter (half weight), growth null (half), the rest at target: 75.
    // 522201: completeness 3/4 is under the floor; 522202: two red lines.
    expect(appraisal.counties.map((c) => [c.county, c.name, c.rank_in_city, c.rank_in_province, c.grade, c.red_flags])).toEqual([
      ['522301', '兴义市', 1, 1, 'fair', []],
      ['522201', '碧江区', 1, 2, 'fair', []],
      ['522202', '万山区', 2, 3, 'poor', [
        { indicator: 'dropouts', value: 4, villages: ['522202001001', '522202001003'] },
        { indicator: 'unsafe_houses', value: 2, villages: ['522202001002'] },
      ]],
    ])
    const score = (county: string) => appraisal.counties.find((c) => c.county === county)?.score
    expect(score('522301')).toBe(10 + 7.5 + 7.5 + 10 + 15 + 5 + 10 + 10)
    // risk 1, growth null, labour 1, medical 24/34 under the floor, no funds and no projects with no earlier quarter (half), collective 1/3, complete.
    expect(score('522202')).toBe(20 + 7.5 + 15 + 0 + 7.5 + 2.5 + 10 * ((1 / 3 - 0.3) / (0.8 - 0.3)) + 10 - 2 * 5)
    expect(appraisal.counties.find((c) => c.county === '522202')?.no_data).toEqual(['income_growth_yoy', 'fund_spending_rate', 'project_completion_rate'])
  })
})

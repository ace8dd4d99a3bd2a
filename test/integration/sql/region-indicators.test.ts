import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import type { DuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import { loadSql } from '../../../functions/adapters/sql-files.ts'
import { closeLakeFixtures, createLakeDir, removeLakeDir } from '../../support/lake-fixtures.ts'
import { buildAppraisalLake, QUARTER, YEAR } from './appraisal-lake.ts'

// region-indicators.sql (appraisal.md, "Roll-ups"): a region's figures come from the sums of
// its villages, so a city's numerators and denominators are its counties' sums.

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

const SUMMED = [
  'villages_reported', 'monitored_households', 'monitored_persons', 'risk_eliminated_persons', 'alleviated_persons', 'alleviated_income_total',
  'population', 'persons_below_monitoring_line', 'alleviated_labor', 'alleviated_labor_employed', 'medical_insured_persons', 'covered_persons',
  'linkage_funds_allocated', 'linkage_funds_spent', 'projects_planned', 'projects_completed', 'collective_income_villages',
  'dropouts', 'zero_employment_households', 'unsafe_houses', 'unsafe_water_households',
] as const

describe('region-indicators.sql', () => {
  it('a city\'s and a province\'s sums equal the sums of their counties\', and their ratios come from those sums', async () => {
    const counties = await engine.query(loadSql('county-indicators'), [YEAR, QUARTER, 50000])
    const regions = await engine.query(loadSql('region-indicators'), [YEAR, QUARTER, 50000])
    expect(counties.length).toBeGreaterThan(1)
    for (const [level, length, codeOf] of [['city', 4, 'city_code'], ['province', 2, 'province_code']] as const) {
      const codes = [...new Set(counties.map((c) => String(c[codeOf])))].sort()
      expect(regions.filter((r) => r['level'] === level).map((r) => r['code'])).toEqual(codes)
      for (const code of codes) {
        const region = regions.find((r) => r['level'] === level && r['code'] === code)!
        const members = counties.filter((c) => String(c['county_code']).slice(0, length) === code)
        for (const key of SUMMED) expect(region[key], `${level} ${code} ${key}`).toBeCloseTo(members.reduce((s, c) => s + Number(c[key]), 0), 9)
        const ratio = (num: string, den: string) => (Number(region[den]) === 0 ? null : Number(region[num]) / Number(region[den]))
        expect(region['fund_spending_rate']).toBe(ratio('linkage_funds_spent', 'linkage_funds_allocated'))
        expect(region['risk_elimination_rate']).toBe(ratio('risk_eliminated_persons', 'monitored_persons'))
        expect(region['income_per_capita']).toBe(ratio('alleviated_income_total', 'alleviated_persons'))
      }
    }
  })

  it('townships are 9-digit codes, and every village is counted once per level', async () => {
    const regions = await engine.query(loadSql('region-indicators'), [YEAR, QUARTER, 50000])
    const total = (level: string) => regions.filter((r) => r['level'] === level).reduce((s, r) => s + Number(r['villages_reported']), 0)
    expect(regions.filter((r) => r['level'] === 'township').every((r) => String(r['code']).length === 9)).toBe(true)
    expect(total('township')).toBe(total('province'))
    expect(total('city')).toBe(total('province'))
  })

  it("names each region from the registry, and leaves a province without one unnamed", async () => {
    const regions = await engine.query(loadSql('region-indicators'), [YEAR, QUARTER, 50000])
    const named = (level: string) => regions.filter((r) => r['level'] === level).map((r) => [r['code'], r['name']])
    expect(named('province')).toEqual([['52', '贵州省'], ['53', null]])
    expect(named('city')).toEqual([['5222', '铜仁市'], ['5223', '黔西南州'], ['5301', null]])
    expect(named('township').filter(([code]) => String(code).startsWith('522201'))).toEqual([['522201001', '甲镇'], ['522201002', '乙镇']])
  })
})

describe('county-earlier-denominators.sql', () => {
  it('gives only quarters before the appraised one, per county, with the denominators county-indicators.sql sums', async () => {
    const earlier = await engine.query(loadSql('county-earlier-denominators'), [YEAR, QUARTER])
    expect(earlier.length).toBeGreaterThan(0)
    for (const r of earlier) expect(Number(r['year']) * 4 + Number(r['quarter'])).toBeLessThan(YEAR * 4 + QUARTER)
    // The quarter after the appraised one (2024Q2 → 2024Q3) sees the appraised one as earlier.
    const next = [YEAR, QUARTER + 1]
    const current = await engine.query(loadSql('county-indicators'), [YEAR, QUARTER, 50000])
    const asEarlier = (await engine.query(loadSql('county-earlier-denominators'), next)).filter((r) => Number(r['year']) === YEAR && Number(r['quarter']) === QUARTER)
    expect(asEarlier.map((r) => [r['county_code'], r['monitored_persons'], r['linkage_funds_allocated'], r['villages_reported']]))
      .toEqual(current.map((c) => [c['county_code'], c['monitored_persons'], c['linkage_funds_allocated'], c['villages_reported']]))
  })
})

import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import type { DuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import { listSavedQueries, loadSavedQuery } from '../../../functions/adapters/sql-files.ts'
import { loadScoringConfig } from '../../../functions/core/appraisal/scoring-config.ts'
import { closeLakeFixtures, createLakeDir, removeLakeDir } from '../../support/lake-fixtures.ts'
import { buildAppraisalHistory, buildAppraisalLake } from './appraisal-lake.ts'

let lakeDir: string
let engine: DuckDbQueryEngine

beforeAll(async () => {
  lakeDir = await createLakeDir()
  await buildAppraisalLake(lakeDir)
  await buildAppraisalHistory(lakeDir)
  engine = await createDuckDbQueryEngine({ lakeDir, threads: 1 })
})

afterAll(async () => {
  await engine.close()
  await closeLakeFixtures()
  await removeLakeDir(lakeDir)
})

const saved = (name: string, year: number, quarter: number) => engine.query(loadSavedQuery(name).sql, [year, quarter])

describe('saved queries', () => {
  it('are the five standard questions, each taking year and quarter', () => {
    expect(listSavedQueries().map((q) => [q.name, q.params])).toEqual([
      ['lagging_funds', ['year', 'quarter']],
      ['qoq_movers', ['year', 'quarter']],
      ['ranking', ['year', 'quarter']],
      ['red_flags', ['year', 'quarter']],
      ['stuck_households', ['year', 'quarter']],
    ])
  })

  it('ranking: by province, rank in province, county', async () => {
    const row = (province: string, rank: number, county: string, rankCity: number, name: string, score: number, grade: string, redFlags: number) => ({
      province, rank_in_province: rank, city: county.slice(0, 4), rank_in_city: rankCity, county, name, score, grade,
      red_flag_count: redFlags, config_version: '2024.1',
    })
    expect(await saved('ranking', 2024, 2)).toEqual([
      row('52', 1, '522201', 1, '碧江区', 85.5, 'good', 0),
      row('52', 2, '522202', 2, '万山区', 70.25, 'fair', 2),
      row('52', 3, '522301', 1, '兴义市', 60, 'fair', 0),
      row('53', 1, '530101', 1, '530101', 75, 'fair', 0),
    ])
  })

  it('red_flags: the villages with a red line above 0', async () => {
    const village = (code: string, dropouts: number, unsafeHouses: number) => ({
      county_code: code.slice(0, 6), township_name: `乡${code.slice(6, 9)}`, village_code: code, village_name: `村${code.slice(-3)}`,
      dropouts, zero_employment_households: 0, unsafe_houses: unsafeHouses, unsafe_water_households: 0,
    })
    expect(await saved('red_flags', 2024, 2)).toEqual([
      village('522202001001', 1, 0),
      village('522202001002', 0, 2),
      village('522202001003', 3, 0),
    ])
    expect(await saved('red_flags', 2024, 1)).toEqual([])
  })

  it('stuck_households: not eliminated, longest monitored first, from the quarter’s rosters only', async () => {
    expect(await saved('stuck_households', 2024, 2)).toEqual([
      {
        county_code: '522201', village_code: '522201002001', household_id: 'H5', category: 'hardship', household_size: 5,
        risk_causes: 'illness,disaster', assistance: 'health,finance', identified_on: '2024-01-01',
        days_monitored: 31 + 29 + 31 + 30 + 31 + 29,
      },
      {
        county_code: '522202', village_code: '522202001003', household_id: 'K5', category: 'marginal', household_size: 3,
        risk_causes: 'illness', assistance: null, identified_on: '2024-02-01', days_monitored: 28 + 31 + 30 + 31 + 30,
      },
    ])
  })

  it('lagging_funds: spending under the quarter’s schedule, largest shortfall first; null rates are not listed', async () => {
    expect(await saved('lagging_funds', 2024, 2)).toEqual([
      { county: '522301', name: '兴义市', city: '5223', province: '52', fund_spending_rate: 0.2, schedule: 0.5, shortfall: 0.5 - 0.2 },
      { county: '522201', name: '碧江区', city: '5222', province: '52', fund_spending_rate: 0.45, schedule: 0.5, shortfall: 0.5 - 0.45 },
    ])
  })

  it('lagging_funds: its schedule is the default configuration’s, quarter by quarter', async () => {
    const { config } = loadScoringConfig(readFileSync(new URL('../../../functions/config/scoring/2024.1.json', import.meta.url)))
    const q1 = await saved('lagging_funds', 2024, 1)
    expect(q1.map((r) => [r.county, r.schedule, r.shortfall])).toEqual([
      ['530101', config.schedule['1'], config.schedule['1'] - 0.1],
      ['522201', config.schedule['1'], config.schedule['1'] - 0.2],
    ])
    expect((await saved('lagging_funds', 2024, 2))[0]?.schedule).toBe(config.schedule['2'])
    expect((await saved('lagging_funds', 2023, 3)).map((r) => [r.county, r.schedule])).toEqual([['522201', config.schedule['3']]])
    expect((await saved('lagging_funds', 2023, 4)).map((r) => [r.county, r.schedule])).toEqual([['522201', config.schedule['4']]])
  })

  it('qoq_movers: counties in both quarters, by the size of the change', async () => {
    const mover = (county: string, name: string, previous: number, score: number) => ({
      county, name, city: county.slice(0, 4), province: county.slice(0, 2), previous_score: previous, score, score_change: score - previous,
    })
    expect(await saved('qoq_movers', 2024, 2)).toEqual([
      mover('522201', '碧江区', 80, 85.5),
      mover('530101', '530101', 70, 75),
      mover('522202', '万山区', 72.5, 70.25),
    ])
    // The quarter before Q1 is the previous year's Q4.
    expect(await saved('qoq_movers', 2024, 1)).toEqual([mover('522201', '碧江区', 78, 80)])
  })
})

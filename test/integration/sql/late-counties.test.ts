import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import type { DuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import { loadSql, loadSqlFile } from '../../../functions/adapters/sql-files.ts'
import { submissionDeadline } from '../../../functions/core/period.ts'
import { sqlTimestamp } from '../../../functions/use-cases/build-appraisal-report.ts'
import { closeLakeFixtures, createLakeDir, removeLakeDir, writeVillageReports } from '../../support/lake-fixtures.ts'

let lakeDir: string
let engine: DuckDbQueryEngine

/**
 * 2024Q2's deadline is 2024-07-11T00:00+08:00, 2024-07-10 16:00:00 UTC (submitted_at is UTC).
 * 522201 on time (the fixtures' default, 2024-07-10 09:30 UTC); 522202 a millisecond early;
 * 522203 exactly at the deadline (late: "at or after"); 522204 weeks late; 522205 late for
 * 2024Q1 only; 522203's 2024Q3 file came a second before that quarter's deadline.
 */
beforeAll(async () => {
  lakeDir = await createLakeDir()
  const v = (county: string) => [{ village_code: `${county}001001` }, { village_code: `${county}001002` }]
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '522201', rows: v('522201') })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '522202', rows: v('522202'), submittedAt: '2024-07-10 15:59:59.999' })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '522203', rows: v('522203'), submittedAt: '2024-07-10 16:00:00' })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '522204', rows: v('522204'), submittedAt: '2024-08-02 01:02:03.456' })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 1, county: '522205', rows: v('522205'), submittedAt: '2024-04-20 00:00:00' })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 3, county: '522203', rows: v('522203'), submittedAt: '2024-10-10 15:59:59' })
  engine = await createDuckDbQueryEngine({ lakeDir, threads: 1 })
})

afterAll(async () => {
  await engine.close()
  await closeLakeFixtures()
  await removeLakeDir(lakeDir)
})

const lateCounties = (year: number, quarter: 1 | 2 | 3 | 4) =>
  engine.query(loadSql('late-counties'), [year, quarter, sqlTimestamp(submissionDeadline({ year, quarter }, 10))])

describe('late-counties.sql', () => {
  it('takes year, quarter and the deadline as UTC text', () => {
    expect(loadSqlFile('late-counties').params).toEqual(['year', 'quarter', 'deadline'])
    expect(sqlTimestamp(submissionDeadline({ year: 2024, quarter: 2 }, 10))).toBe('2024-07-10 16:00:00')
  })

  it('lists the counties received at or after the deadline, by code, with the time received', async () => {
    expect(await lateCounties(2024, 2)).toEqual([
      { county_code: '522203', submitted_at: '2024-07-10T16:00:00.000Z' },
      { county_code: '522204', submitted_at: '2024-08-02T01:02:03.456Z' },
    ])
  })

  it('judges each quarter against its own deadline', async () => {
    expect(await lateCounties(2024, 1)).toEqual([{ county_code: '522205', submitted_at: '2024-04-20T00:00:00.000Z' }])
    expect(await lateCounties(2024, 3)).toEqual([])
    expect(await lateCounties(2023, 4)).toEqual([])
  })
})

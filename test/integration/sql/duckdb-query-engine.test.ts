import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDuckDbQueryEngine, DuckDbQueryError } from '../../../functions/adapters/duckdb-query-engine.ts'
import type { DuckDbQueryEngine } from '../../../functions/adapters/duckdb-query-engine.ts'
import { DERIVED_COLUMNS, HOUSEHOLD_DERIVED_COLUMNS, MONITORED_HOUSEHOLDS, ORG_UNITS, VILLAGE_REPORT } from '../../../schemas/datasets.ts'
import { INDICATOR_KEYS } from '../../../schemas/scoring.ts'
import {
  closeLakeFixtures,
  createLakeDir,
  removeLakeDir,
  writeMonitoredHouseholds,
  writeOrgUnits,
  writeVillageReports,
} from '../../support/lake-fixtures.ts'

let lakeDir: string
let engine: DuckDbQueryEngine

beforeAll(async () => {
  lakeDir = await createLakeDir()
  engine = await createDuckDbQueryEngine({ lakeDir, threads: 1 })
})

afterAll(async () => {
  await engine.close()
  await closeLakeFixtures()
  await removeLakeDir(lakeDir)
})

const columnsOf = async (table: string) => (await engine.query(`DESCRIBE ${table}`)).map((r) => [r.column_name, r.column_type])

describe('the DuckDB query engine', () => {
  it('has every lake table as a typed view even before any file exists', async () => {
    for (const table of ['village_reports', 'monitored_households', 'county_appraisals', 'region_indicators', 'org_units']) {
      expect(await engine.query(`SELECT * FROM ${table}`)).toEqual([])
    }
    const type = { string: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP' }
    expect(await columnsOf('village_reports')).toEqual([
      ...VILLAGE_REPORT.columns.map((c) => [c.key, type[c.storage]]),
      ...DERIVED_COLUMNS.map((c) => [c.key, type[c.storage]]),
      ['year', 'INTEGER'],
      ['quarter', 'INTEGER'],
    ])
    expect(await columnsOf('monitored_households')).toEqual([
      ...MONITORED_HOUSEHOLDS.columns.map((c) => [c.storedAs ?? c.key, type[c.storage]]),
      ...DERIVED_COLUMNS.map((c) => [c.key, type[c.storage]]),
      ...HOUSEHOLD_DERIVED_COLUMNS.map((c) => [c.key, type[c.storage]]),
      ['year', 'INTEGER'],
      ['quarter', 'INTEGER'],
    ])
    expect(await columnsOf('org_units')).toEqual([...ORG_UNITS.columns.map((c) => [c.key, type[c.storage]]), ['province_code', 'VARCHAR']])
    const appraisals = await columnsOf('county_appraisals')
    expect(appraisals.slice(0, 13)).toEqual([
      ['county', 'VARCHAR'], ['name', 'VARCHAR'], ['city', 'VARCHAR'], ['province', 'VARCHAR'], ['score', 'DOUBLE'],
      ['grade', 'VARCHAR'], ['rank_in_city', 'BIGINT'], ['rank_in_province', 'BIGINT'], ['red_flag_count', 'BIGINT'],
      ['config_version', 'VARCHAR'], ['config_sha256', 'VARCHAR'], ['run_id', 'VARCHAR'], ['computed_at', 'TIMESTAMP'],
    ])
    expect(appraisals.slice(13).map(([name]) => name)).toEqual([...INDICATOR_KEYS, 'no_data', 'year', 'quarter'])
  })

  it('sees files written after it started, with year and quarter from the path and typed values', async () => {
    await writeVillageReports(lakeDir, {
      year: 2024, quarter: 2, county: '522226', submittedAt: '2024-07-12 09:12:44.123',
      rows: [{ village_code: '522226101203', key_assisted: true, alleviated_income_per_capita: 12345.5, population: 2 ** 53 + 2 }],
    })
    await writeMonitoredHouseholds(lakeDir, {
      year: 2024, quarter: 2, county: '522226',
      rows: [{ village_code: '522226101203', household_id: 'A-1', identified_on: '2024-03-05', eliminated_on: '2024-05-04' }],
    })
    await writeOrgUnits(lakeDir, '52', [{ code: '522226', name: '印江土家族苗族自治县' }])
    expect(
      await engine.query(
        'SELECT year, quarter, county_code, key_assisted, relocation_site, alleviated_income_per_capita, population, households, submitted_at FROM village_reports',
      ),
    ).toEqual([
      {
        year: 2024, quarter: 2, county_code: '522226', key_assisted: true, relocation_site: false,
        alleviated_income_per_capita: 12345.5,
        // Beyond 2^53 a BIGINT stays exact as text.
        population: '9007199254740994',
        households: 100,
        submitted_at: '2024-07-12T09:12:44.123Z',
      },
    ])
    expect(await engine.query('SELECT household_id, identified_on, eliminated_on, risk_eliminated, days_monitored, year FROM monitored_households')).toEqual([
      { household_id: 'A-1', identified_on: '2024-03-05', eliminated_on: '2024-05-04', risk_eliminated: true, days_monitored: 60, year: 2024 },
    ])
    expect(await engine.query('SELECT code, level, parent_code, active, province_code FROM org_units')).toEqual([
      { code: '522226', level: 'county', parent_code: '5222', active: true, province_code: '52' },
    ])
  })

  it('binds positional parameters with their types', async () => {
    expect(
      await engine.query(
        'SELECT ? AS s, ? AS i, ? AS big, ? AS d, ? AS b, ? AS n, typeof(?) AS ti, typeof(?) AS tb, typeof(?) AS td, typeof(?) AS ts',
        ["it's", 7, 2 ** 40, 0.25, true, null, 2024, 2 ** 40, 0.5, 'x'],
      ),
    ).toEqual([{ s: "it's", i: 7, big: 2 ** 40, d: 0.25, b: true, n: null, ti: 'INTEGER', tb: 'BIGINT', td: 'DOUBLE', ts: 'VARCHAR' }])
    expect(await engine.query('SELECT count(*) AS n FROM village_reports WHERE year = ? AND quarter = ? AND county_code = ?', [2024, 2, '522226'])).toEqual([{ n: 1 }])
  })

  it('converts BIGINT, HUGEINT, DECIMAL, DATE and TIMESTAMP', async () => {
    expect(
      await engine.query(
        "SELECT CAST(42 AS BIGINT) AS small, CAST(-9007199254740993 AS BIGINT) AS big, CAST(3 AS HUGEINT) AS huge, CAST(1.25 AS DECIMAL(10, 2)) AS dec, DATE '2024-02-29' AS d, TIMESTAMP '1969-12-31 23:59:59.9995' AS before_epoch, TIMESTAMPTZ '2024-07-12 09:12:44+08' AS tz",
      ),
    ).toEqual([
      { small: 42, big: '-9007199254740993', huge: 3, dec: 1.25, d: '2024-02-29', before_epoch: '1969-12-31T23:59:59.999Z', tz: '2024-07-12T01:12:44.000Z' },
    ])
  })

  it('runs concurrent queries one after the other on its connection', async () => {
    const results = await Promise.all([1, 2, 3].map((n) => engine.query('SELECT ? AS n', [n])))
    expect(results).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]])
  })

  it('rejects a wrong parameter count and bad SQL with DuckDbQueryError', async () => {
    await expect(engine.query('SELECT ? AS a', [])).rejects.toThrow(new DuckDbQueryError('The query has 1 parameters but 0 were given'))
    await expect(engine.query('SELEC 1')).rejects.toBeInstanceOf(DuckDbQueryError)
    await expect(engine.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }])
  })

  describe('shut in with the lake', () => {
    const outside = () => join(tmpdir(), `va-sandbox-${process.pid}`)
    const denied = /file system operations are disabled by configuration|Loading external extensions is disabled/

    it.each([
      ['read_csv of a file outside the lake', "SELECT * FROM read_csv('/etc/passwd')"],
      ['read_text of a file outside the lake', "SELECT * FROM read_text('/etc/hostname')"],
      ['a path that climbs out of the lake', () => `SELECT * FROM read_csv('${lakeDir}/../../../etc/passwd')`],
      ['glob outside the lake', "SELECT * FROM glob('/etc/*')"],
    ])('refuses %s', async (_, sql) => {
      await expect(engine.query(typeof sql === 'string' ? sql : sql())).rejects.toThrow(denied)
    })

    it.each([
      ['COPY TO a file outside the lake', () => `COPY (SELECT 1 AS a) TO '${outside()}.csv'`],
      ['COPY TO a file inside the lake', () => `COPY (SELECT 1 AS a) TO '${join(lakeDir, 'planted.csv')}'`],
      ['ATTACH a database file', () => `ATTACH '${outside()}.db' AS other`],
      ['ATTACH inside the lake', () => `ATTACH '${join(lakeDir, 'planted.db')}' AS other`],
      ['INSTALL an extension', () => 'INSTALL httpfs'],
      ['LOAD an extension', () => 'LOAD httpfs'],
      ['switching external access back on', () => 'SET enable_external_access = true'],
      ['EXPORT DATABASE', () => `EXPORT DATABASE '${outside()}'`],
    ])('refuses %s, and writes nothing', async (_, sql) => {
      // Refused by statement type, or earlier, when DuckDB binds the path at prepare time.
      const refusal = engine.query(sql())
      await expect(refusal).rejects.toBeInstanceOf(DuckDbQueryError)
      await expect(refusal).rejects.toThrow(/^Only a query that reads runs here \(SELECT, WITH, DESCRIBE, SHOW, EXPLAIN\): the lake is read-only$|disabled by configuration/)
      for (const file of [`${outside()}.csv`, `${outside()}.db`, outside(), join(lakeDir, 'planted.csv'), join(lakeDir, 'planted.db')]) expect(existsSync(file)).toBe(false)
    })

    it('keeps the settings locked even for statements run by the engine itself', async () => {
      await expect(engine.query("SELECT current_setting('enable_external_access') AS on, current_setting('lock_configuration') AS locked")).resolves.toEqual([{ on: false, locked: true }])
    })

    it('still reads the lake, and sees files that appear after the lock', async () => {
      const before = (await engine.query('SELECT count(*) AS n FROM org_units'))[0]?.n as number
      await writeOrgUnits(lakeDir, '53', [{ code: '532301', name: '楚雄市' }])
      await expect(engine.query('SELECT count(*) AS n FROM org_units')).resolves.toEqual([{ n: before + 1 }])
    })
  })

  it('refuses queries once closed', async () => {
    const other = await createDuckDbQueryEngine({ lakeDir })
    await other.refresh()
    await other.close()
    await expect(other.query('SELECT 1')).rejects.toThrow(new DuckDbQueryError('The DuckDB query engine is closed'))
  })
})

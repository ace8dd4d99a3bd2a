import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  countPlaceholders,
  dialectPairProblems,
  listDialectPairs,
  listSqlNames,
  loadSql,
  loadSqlFile,
  parseSqlHeader,
  SAVED_SQL_DIR,
  SQL_DIR,
  SqlFileError,
} from '../../../functions/adapters/sql-files.ts'

/** Every query of functions/sql/; indicator-queries.test.ts runs each of them on DuckDB. */
const INDICATOR_QUERIES = [
  'county-income-year-earlier',
  'county-indicators',
  'county-names',
  'late-counties',
  'median-days-to-eliminate',
  'missing-counties',
  'red-flag-villages',
  'villages-expected',
]
/** saved-queries.test.ts runs each of them on DuckDB. */
const SAVED_QUERIES = ['lagging_funds', 'qoq_movers', 'ranking', 'red_flags', 'stuck_households']

const ALL = [...INDICATOR_QUERIES.map((name) => ({ name, dir: SQL_DIR })), ...SAVED_QUERIES.map((name) => ({ name, dir: SAVED_SQL_DIR }))]

describe('the SQL files', () => {
  it('are exactly the queries the integration tests run', () => {
    expect(listSqlNames(SQL_DIR)).toEqual(INDICATOR_QUERIES)
    expect(listSqlNames(SAVED_SQL_DIR)).toEqual(SAVED_QUERIES)
  })

  it.each(ALL)('$name: the header names the file, lists as many params as there are placeholders, and describes it', ({ name, dir }) => {
    for (const dialect of ['athena', 'duckdb'] as const) {
      const file = loadSqlFile(name, { dialect, dir })
      expect(file.name).toBe(name)
      expect(countPlaceholders(file.sql)).toBe(file.params.length)
      expect(file.description.length).toBeGreaterThan(20)
    }
  })

  it.each(SAVED_QUERIES)('saved query %s takes year and quarter, in that order', (name) => {
    expect(loadSqlFile(name, { dialect: 'athena', dir: SAVED_SQL_DIR }).params).toEqual(['year', 'quarter'])
  })

  // One file runs on Athena (Trino) and DuckDB: none of these may appear outside a dialect pair.
  const NOT_PORTABLE: [RegExp, string][] = [
    [/::/, 'DuckDB cast syntax'],
    [/\/\//, 'DuckDB integer division'],
    [/\bmedian\s*\(|\bquantile(_cont|_disc)?\s*\(|\bapprox_percentile\s*\(/i, 'a median: use ROW_NUMBER and COUNT'],
    [/\b(list|string_agg|array_agg|listagg|group_concat)\s*\(/i, 'list aggregates differ'],
    [/\bilike\b|\bqualify\b|\bexclude\s*\(|\bgroup\s+by\s+all\b|\border\s+by\s+all\b/i, 'DuckDB-only syntax'],
    [/\bstrftime\s*\(|\bdate_format\s*\(|\bdate_diff\s*\(|\bdatediff\s*\(/i, 'date functions differ'],
    [/\bread_parquet\b|\bs3:\/\//i, 'tables are referenced by name only'],
    [/\bvillage_appraisal\.|\bmain\./i, 'table names are unqualified'],
    [/"/, 'double quotes are identifiers in Trino but may be strings elsewhere'],
  ]
  it.each(ALL)('$name: uses only SQL that both engines read the same way', ({ name, dir }) => {
    const sql = readFileSync(join(dir, `${name}.sql`), 'utf8').replace(/--[^\n]*/g, '')
    const found = NOT_PORTABLE.filter(([pattern]) => pattern.test(sql)).map(([, why]) => why)
    expect(found).toEqual([])
  })

  it('every dialect pair has both files and differs only on marked lines', () => {
    for (const dir of [SQL_DIR, SAVED_SQL_DIR]) {
      for (const pair of listDialectPairs(dir)) {
        expect({ name: pair.name, athena: pair.athena !== undefined, duckdb: pair.duckdb !== undefined }).toEqual({ name: pair.name, athena: true, duckdb: true })
        expect(dialectPairProblems(readFileSync(pair.athena ?? '', 'utf8'), readFileSync(pair.duckdb ?? '', 'utf8'))).toEqual([])
      }
    }
  })
})

describe('dialectPairProblems', () => {
  const header = '-- name: q\n-- params: year, quarter\n-- A query.\n'
  const athena = `${header}SELECT county_code,\n  approx_percentile(days, 0.5) AS median_days -- dialect\nFROM t WHERE year = ? AND quarter = ?\n`
  const duckdb = `${header}SELECT county_code,\n  median(days) AS median_days -- dialect\nFROM t WHERE year = ? AND quarter = ?\n`

  it('accepts a pair that differs only on marked lines naming the same column', () => {
    expect(dialectPairProblems(athena, duckdb)).toEqual([])
  })

  it('reports unmarked differences, renamed columns, headers and placeholders', () => {
    expect(dialectPairProblems(athena, duckdb.replace('FROM t', 'FROM u'))).toEqual(['line 6 differs without a "-- dialect" mark on both sides'])
    expect(dialectPairProblems(athena, duckdb.replace('AS median_days', 'AS med'))).toEqual([
      'line 5: the dialect lines name different columns (median_days vs med)',
    ])
    expect(dialectPairProblems(athena, duckdb.replace('-- A query.', '-- Another query.'))).toEqual([
      'the headers differ',
      'line 3 differs without a "-- dialect" mark on both sides',
    ])
    expect(dialectPairProblems(athena, duckdb.replace('quarter = ?', 'quarter = 1'))).toEqual([
      'the placeholder counts differ',
      'line 6 differs without a "-- dialect" mark on both sides',
    ])
    expect(dialectPairProblems(athena, `${duckdb}ORDER BY 1\n`)).toEqual(['the line counts differ (7 vs 8)'])
  })
})

describe('loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'va-sql-'))
  writeFileSync(join(dir, 'plain.sql'), '-- name: plain\n-- params: (none)\n-- Plain.\nSELECT 1 AS one\n')
  writeFileSync(join(dir, 'pair.athena.sql'), '-- name: pair\n-- params: x\n-- Pair.\nSELECT ? AS x -- dialect\n')
  writeFileSync(join(dir, 'pair.duckdb.sql'), '-- name: pair\n-- params: x\n-- Pair.\nSELECT CAST(? AS INTEGER) AS x -- dialect\n')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('picks the dialect file of a pair, and the plain file for both dialects otherwise', () => {
    expect(basename(loadSqlFile('pair', { dialect: 'duckdb', dir }).file)).toBe('pair.duckdb.sql')
    expect(basename(loadSqlFile('pair', { dialect: 'athena', dir }).file)).toBe('pair.athena.sql')
    expect(loadSql('plain', { dialect: 'athena', dir })).toBe(loadSql('plain', { dialect: 'duckdb', dir }))
    expect(listSqlNames(dir)).toEqual(['pair', 'plain'])
  })

  it('refuses a pair without a dialect, an unknown name and a path', () => {
    expect(() => loadSql('pair', { dir })).toThrow(new SqlFileError('Query pair has dialect variants: name the dialect'))
    expect(() => loadSql('nope', { dir })).toThrow(SqlFileError)
    expect(() => loadSql('../sql/county-names', { dir })).toThrow(new SqlFileError('Not a query name: "../sql/county-names"'))
  })

  it('parses headers and counts placeholders outside comments and literals', () => {
    expect(parseSqlHeader('-- name: a\n-- params: year, quarter\n-- Does a.\n-- More.\nSELECT 1')).toEqual({ name: 'a', params: ['year', 'quarter'], description: 'Does a.' })
    expect(() => parseSqlHeader('SELECT 1')).toThrow(new SqlFileError('The SQL header has no "-- name:" line'))
    expect(() => parseSqlHeader('-- name: a\nSELECT 1')).toThrow(new SqlFileError('The SQL header of a has no "-- params:" line'))
    expect(countPlaceholders("SELECT ? -- why?\n, '?', \"a?\", /* ? */ ?")).toBe(2)
  })
})

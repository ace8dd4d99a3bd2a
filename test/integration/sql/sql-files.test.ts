import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  countPlaceholders,
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
  'county-earlier-denominators',
  'county-income-year-earlier',
  'county-indicators',
  'county-names',
  'late-counties',
  'look-back-villages',
  'median-days-to-eliminate',
  'missing-counties',
  'red-flag-villages',
  'region-indicators',
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
    const file = loadSqlFile(name, { dir })
    expect(file.name).toBe(name)
    expect(countPlaceholders(file.sql)).toBe(file.params.length)
    expect(file.description.length).toBeGreaterThan(20)
  })

  it.each(SAVED_QUERIES)('saved query %s takes year and quarter, in that order', (name) => {
    expect(loadSqlFile(name, { dir: SAVED_SQL_DIR }).params).toEqual(['year', 'quarter'])
  })

  // One file runs on Athena (Trino) and DuckDB: none of these may appear in it.
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
})

describe('loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'va-sql-'))
  writeFileSync(join(dir, 'plain.sql'), '-- name: plain\n-- params: (none)\n-- Plain.\nSELECT 1 AS one\n')
  writeFileSync(join(dir, 'other.sql'), '-- name: other\n-- params: x\n-- Other.\nSELECT ? AS x\n')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads a query by name and lists the folder', () => {
    expect(basename(loadSqlFile('other', { dir }).file)).toBe('other.sql')
    expect(loadSql('plain', { dir })).toBe('-- name: plain\n-- params: (none)\n-- Plain.\nSELECT 1 AS one\n')
    expect(listSqlNames(dir)).toEqual(['other', 'plain'])
  })

  it('refuses an unknown name and a path', () => {
    expect(() => loadSql('nope', { dir })).toThrow(new SqlFileError(`No query named nope in ${dir}`))
    expect(() => loadSql('../sql/county-names', { dir })).toThrow(new SqlFileError('Not a query name: "../sql/county-names"'))
  })

  it('parses headers and counts placeholders outside comments and literals', () => {
    expect(parseSqlHeader('-- name: a\n-- params: year, quarter\n-- Does a.\n-- More.\nSELECT 1')).toEqual({ name: 'a', params: ['year', 'quarter'], description: 'Does a.' })
    expect(() => parseSqlHeader('SELECT 1')).toThrow(new SqlFileError('The SQL header has no "-- name:" line'))
    expect(() => parseSqlHeader('-- name: a\nSELECT 1')).toThrow(new SqlFileError('The SQL header of a has no "-- params:" line'))
    expect(countPlaceholders("SELECT ? -- why?\n, '?', \"a?\", /* ? */ ?")).toBe(2)
  })
})

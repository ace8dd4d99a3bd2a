import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { QueryEngine, SqlValue } from '../use-cases/ports.ts'
import { PipelineError } from '../core/errors.ts'

/**
 * The SQL of the project lives in `functions/sql/` (one query per file, `?` placeholders,
 * unqualified table names) and `functions/sql/saved/` (the saved queries of the workgroup and
 * of `va query --saved`). A query with an unavoidable dialect difference is a pair
 * `<name>.athena.sql` / `<name>.duckdb.sql` (test/integration/sql/sql-files.test.ts holds the
 * pair together); any other query is one `<name>.sql` run by both engines.
 *
 * Every file opens with a header the infra and the CLI read:
 *   -- name: <name>
 *   -- params: year, quarter          (or `(none)`)
 *   -- <one-line description>
 */

/**
 * `functions/sql/` in the repository; in a Lambda bundle (one `index.mjs`) the stack copies
 * the folder to `sql/` beside the bundle, which is where this module then is.
 */
const REPO_SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url))
export const SQL_DIR = existsSync(REPO_SQL_DIR) ? REPO_SQL_DIR : fileURLToPath(new URL('./sql/', import.meta.url))
export const SAVED_SQL_DIR = join(SQL_DIR, 'saved')

export interface SqlHeader {
  name: string
  params: string[]
  description: string
}

export interface SqlFile extends SqlHeader {
  /** Absolute path of the file read. */
  file: string
  sql: string
}

export class SqlFileError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SqlFileError'
  }
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/

/** Reads the header comment of a .sql file; throws when `name` or `params` is missing. */
export function parseSqlHeader(text: string): SqlHeader {
  let name: string | undefined
  let params: string[] | undefined
  let description: string | undefined
  for (const line of text.split(/\r?\n/)) {
    const comment = /^--\s?(.*)$/.exec(line.trim())
    if (comment === null) break
    const body = (comment[1] ?? '').trim()
    const tag = /^(name|params):\s*(.*)$/.exec(body)
    if (tag?.[1] === 'name') name = (tag[2] ?? '').trim()
    else if (tag?.[1] === 'params') {
      const list = (tag[2] ?? '').trim()
      params = list === '' || list === '(none)' ? [] : list.split(',').map((p) => p.trim())
    } else if (description === undefined && body !== '') description = body
  }
  if (name === undefined || name === '') throw new SqlFileError('The SQL header has no "-- name:" line')
  if (params === undefined) throw new SqlFileError(`The SQL header of ${name} has no "-- params:" line`)
  return { name, params, description: description ?? '' }
}

/**
 * The number of `?` placeholders in a statement, outside comments, string literals and
 * quoted identifiers: it must equal the header's params.
 */
export function countPlaceholders(sql: string): number {
  const stripped = sql
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
  return (stripped.match(/\?/g) ?? []).length
}

const cache = new Map<string, SqlFile>()

function readSqlFile(file: string): SqlFile {
  const cached = cache.get(file)
  if (cached !== undefined) return cached
  const sql = readFileSync(file, 'utf8')
  const loaded = { ...parseSqlHeader(sql), file, sql }
  cache.set(file, loaded)
  return loaded
}

/** The file of query `name` in a folder (functions/sql/ by default). */
export function loadSqlFile(name: string, options: { dir?: string } = {}): SqlFile {
  if (!NAME.test(name)) throw new SqlFileError(`Not a query name: ${JSON.stringify(name)}`)
  const dir = options.dir ?? SQL_DIR
  const file = join(dir, `${name}.sql`)
  if (!existsSync(file)) throw new SqlFileError(`No query named ${name} in ${dir}`)
  return readSqlFile(file)
}

/** The SQL text of query `name` (see loadSqlFile). */
export function loadSql(name: string, options: { dir?: string } = {}): string {
  return loadSqlFile(name, options).sql
}

/** A saved query by name (`va query --saved <name>`). */
export function loadSavedQuery(name: string, dir: string = SAVED_SQL_DIR): SqlFile {
  return loadSqlFile(name, { dir })
}

/** The names of the queries in a folder, sorted. */
export function listSqlNames(dir: string = SQL_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.sql'))
    .map((entry) => entry.name.slice(0, -'.sql'.length))
    .sort()
}

/** Every saved query: what the infra registers and `va query` lists. */
export function listSavedQueries(dir: string = SAVED_SQL_DIR): SqlFile[] {
  return listSqlNames(dir).map((name) => loadSavedQuery(name, dir))
}

/** An engine that runs `functions/sql/<name>.sql` by name: the query port owns its SQL. */
export function withNamedQueries<E extends Omit<QueryEngine, 'named'>>(engine: E, dir: string = SQL_DIR): E & Pick<QueryEngine, 'named'> {
  return Object.assign(engine, { named: (name: string, params?: readonly SqlValue[]) => engine.query(loadSql(name, { dir }), params) })
}

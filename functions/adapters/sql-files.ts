import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

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

export type Dialect = 'athena' | 'duckdb'

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

export class SqlFileError extends Error {
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

/**
 * The file of query `name` for a dialect: `<name>.<dialect>.sql` when the query is a pair,
 * else `<name>.sql`. A pair asked for without a dialect is an error.
 */
export function loadSqlFile(name: string, options: { dialect?: Dialect; dir?: string } = {}): SqlFile {
  if (!NAME.test(name)) throw new SqlFileError(`Not a query name: ${JSON.stringify(name)}`)
  const dir = options.dir ?? SQL_DIR
  const plain = join(dir, `${name}.sql`)
  if (options.dialect !== undefined) {
    const specific = join(dir, `${name}.${options.dialect}.sql`)
    if (existsSync(specific)) return readSqlFile(specific)
  } else if (existsSync(join(dir, `${name}.athena.sql`)) || existsSync(join(dir, `${name}.duckdb.sql`))) {
    throw new SqlFileError(`Query ${name} has dialect variants: name the dialect`)
  }
  if (!existsSync(plain)) throw new SqlFileError(`No query named ${name} in ${dir}`)
  return readSqlFile(plain)
}

/** The SQL text of query `name` (see loadSqlFile). */
export function loadSql(name: string, options: { dialect?: Dialect; dir?: string } = {}): string {
  return loadSqlFile(name, options).sql
}

/** A saved query by name (`va query --saved <name>`). */
export function loadSavedQuery(name: string, dialect: Dialect, dir: string = SAVED_SQL_DIR): SqlFile {
  return loadSqlFile(name, { dialect, dir })
}

/** The names of the queries in a folder (a pair counts once), sorted. */
export function listSqlNames(dir: string = SQL_DIR): string[] {
  const names = new Set<string>()
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.sql')) continue
    names.add(entry.name.replace(/(\.athena|\.duckdb)?\.sql$/, ''))
  }
  return [...names].sort()
}

/** Every saved query as one dialect runs it: what the infra registers and `va query` lists. */
export function listSavedQueries(dialect: Dialect, dir: string = SAVED_SQL_DIR): SqlFile[] {
  return listSqlNames(dir).map((name) => loadSavedQuery(name, dialect, dir))
}

/** The mark that ends every line allowed to differ between the two files of a dialect pair. */
export const DIALECT_MARK = '-- dialect'

/**
 * What keeps a pair `<name>.athena.sql` / `<name>.duckdb.sql` one query: the same header and
 * placeholders, and the same text line for line except lines ending with `-- dialect`, which
 * must still name the same output column (`… AS <alias> -- dialect`). Returns the problems.
 */
export function dialectPairProblems(athena: string, duckdb: string): string[] {
  const problems: string[] = []
  const headerOf = (text: string, which: Dialect): SqlHeader | undefined => {
    try {
      return parseSqlHeader(text)
    } catch (error) {
      problems.push(`${which}: ${(error as Error).message}`)
      return undefined
    }
  }
  const a = headerOf(athena, 'athena')
  const d = headerOf(duckdb, 'duckdb')
  if (a !== undefined && d !== undefined && JSON.stringify(a) !== JSON.stringify(d)) problems.push('the headers differ')
  if (countPlaceholders(athena) !== countPlaceholders(duckdb)) problems.push('the placeholder counts differ')
  const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trimEnd())
  const al = lines(athena)
  const dl = lines(duckdb)
  if (al.length !== dl.length) {
    problems.push(`the line counts differ (${al.length} vs ${dl.length})`)
    return problems
  }
  const alias = (line: string) => /\bAS\s+("?[A-Za-z_][A-Za-z0-9_]*"?)\s*,?\s*--\s*dialect$/i.exec(line)?.[1]
  al.forEach((line, i) => {
    const other = dl[i] ?? ''
    const marked = line.endsWith(DIALECT_MARK) && other.endsWith(DIALECT_MARK)
    if (!marked) {
      if (line !== other) problems.push(`line ${i + 1} differs without a "${DIALECT_MARK}" mark on both sides`)
    } else if (alias(line) !== alias(other)) {
      problems.push(`line ${i + 1}: the dialect lines name different columns (${alias(line) ?? 'none'} vs ${alias(other) ?? 'none'})`)
    }
  })
  return problems
}

/** The dialect pairs of a folder: names with both an .athena.sql and a .duckdb.sql (one alone is reported by the test). */
export function listDialectPairs(dir: string = SQL_DIR): { name: string; athena?: string; duckdb?: string }[] {
  const pairs = new Map<string, { name: string; athena?: string; duckdb?: string }>()
  for (const entry of readdirSync(dir)) {
    const m = /^(.*)\.(athena|duckdb)\.sql$/.exec(entry)
    if (m === null || m[1] === undefined) continue
    const pair = pairs.get(m[1]) ?? { name: m[1] }
    if (m[2] === 'athena') pair.athena = join(dir, entry)
    else pair.duckdb = join(dir, entry)
    pairs.set(m[1], pair)
  }
  return [...pairs.values()].sort((x, y) => (x.name < y.name ? -1 : 1))
}

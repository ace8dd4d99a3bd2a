import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The saved Athena queries, read from `functions/sql/saved/` at synth time so that the
 * named queries in the workgroup are the very files the CLI and DuckDB run (STYLE.md: SQL
 * lives in `.sql` files). A `<name>.athena.sql` wins over `<name>.sql`; a query that exists
 * only as `<name>.duckdb.sql` has no Athena form and is left out.
 */

export interface SavedQuery {
  name: string
  file: string
  sql: string
  description: string
}

const SUFFIXES = ['.athena.sql', '.duckdb.sql', '.sql'] as const

/** Athena caps a named query's description at 1024 characters. */
const MAX_DESCRIPTION = 1024

function baseName(file: string): string | undefined {
  const suffix = SUFFIXES.find((s) => file.endsWith(s))
  return suffix === undefined ? undefined : file.slice(0, -suffix.length)
}

/**
 * The description from the file's header (`-- name:`, `-- params:`, then one line saying what
 * the query answers; functions/adapters/sql-files.ts reads the same header), with the
 * parameters named, since a named query with `?` must be run with execution parameters.
 */
function describe(sql: string, fallback: string): string {
  let text: string | undefined
  let params: string | undefined
  for (const line of sql.split(/\r?\n/)) {
    const comment = /^--\s?(.*)$/.exec(line.trim())
    if (comment === null) break
    const body = (comment[1] ?? '').trim()
    const tag = /^(name|params):\s*(.*)$/.exec(body)
    if (tag?.[1] === 'params') params = (tag[2] ?? '').trim()
    else if (tag === null && text === undefined && body !== '') text = body
  }
  const withParams = params && params !== '(none)' ? `${text ?? fallback} Parameters: ${params}.` : (text ?? fallback)
  return withParams.length <= MAX_DESCRIPTION ? withParams : withParams.slice(0, MAX_DESCRIPTION)
}

export function readSavedQueries(dir: string): SavedQuery[] {
  if (!existsSync(dir)) return []
  const files = readdirSync(dir).filter((f) => baseName(f) !== undefined)
  const names = [...new Set(files.map((f) => baseName(f) as string))].sort()
  const queries: SavedQuery[] = []
  for (const name of names) {
    const file = [`${name}.athena.sql`, `${name}.sql`].find((f) => files.includes(f))
    if (file === undefined) continue
    const sql = readFileSync(join(dir, file), 'utf8')
    queries.push({ name, file, sql, description: describe(sql, `Saved query ${name} (functions/sql/saved/${file})`) })
  }
  return queries
}

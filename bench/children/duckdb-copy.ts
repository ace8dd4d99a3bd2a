/**
 * Baseline: DuckDB, one thread, `COPY (SELECT * FROM read_csv(…)) TO '….parquet'`: reading and
 * writing only, no validation at all.
 *
 *   node duckdb-copy.mjs <file> <out.parquet>
 */
import { DuckDBInstance } from '@duckdb/node-api'
import { reportResult } from './report.ts'

const [file, out] = process.argv.slice(2) as [string, string]
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`
const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '1' })
const connection = await instance.connect()
const started = performance.now()
const reader = await connection.runAndReadAll(`COPY (SELECT * FROM read_csv(${quote(file)})) TO ${quote(out)} (FORMAT parquet)`)
const seconds = (performance.now() - started) / 1000
const rows = Number(reader.getRows()[0]?.[0] ?? 0)
connection.closeSync()
instance.closeSync()
reportResult({ rows, seconds, rows_per_s: rows / seconds })

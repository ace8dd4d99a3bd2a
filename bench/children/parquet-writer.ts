/**
 * One Parquet writer on the rows of a staged roster (the product's own output, read back with
 * hyparquet), in a fresh process so that its memory is its own. Times the writing only; the
 * rows are in memory before the clock starts (DuckDB reads them from the source file instead).
 *
 *   node parquet-writer.mjs ours|hyparquet-writer|duckdb <source.parquet> <out.parquet>
 */
import { readFileSync, statSync } from 'node:fs'
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet'
import { parquetWriteFile, type ColumnSource } from 'hyparquet-writer'
import { DuckDBInstance } from '@duckdb/node-api'
import type { CuratedColumn } from '../../functions/core/curated-columns.ts'
import { ParquetFileWriter } from '../../functions/adapters/parquet-file-writer.ts'
import { reportResult } from './report.ts'

const [writer, source, out] = process.argv.slice(2) as ['ours' | 'hyparquet-writer' | 'duckdb', string, string]
// The source's own columns (the staged roster's), in its order and with its types.
const columns: CuratedColumn[] = parquetSchema(parquetMetadata(readFileSync(source).buffer)).children.map(({ element: e }) => ({
  name: e.name,
  storage: e.type === 'BYTE_ARRAY' ? 'string' : e.type === 'BOOLEAN' ? 'boolean' : e.type === 'DOUBLE' ? 'double'
    : e.type === 'INT32' ? 'date' : e.converted_type === 'TIMESTAMP_MILLIS' ? 'timestamp' : 'bigint',
}))
const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10

let seconds: number
let rows: number
let rssBefore: number
if (writer === 'duckdb') {
  const quote = (s: string) => `'${s.replaceAll("'", "''")}'`
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '1' })
  const connection = await instance.connect()
  rssBefore = process.memoryUsage().rss
  const started = performance.now()
  await connection.run(`COPY (SELECT * FROM read_parquet(${quote(source)})) TO ${quote(out)} (FORMAT parquet, COMPRESSION snappy)`)
  seconds = (performance.now() - started) / 1000
  rows = Number(parquetMetadata(readFileSync(out).buffer).num_rows)
  connection.closeSync()
  instance.closeSync()
} else {
  const bytes = readFileSync(source)
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const records = (await parquetReadObjects({ file })) as Record<string, unknown>[]
  // As the validator hands values over: INT64 as numbers, DATE as day numbers, TIMESTAMP as ms.
  const cell = (v: unknown, c: CuratedColumn) => v instanceof Date ? (c.storage === 'date' ? Math.floor(v.getTime() / 86_400_000) : v.getTime()) : typeof v === 'bigint' ? Number(v) : (v ?? null)
  const values = records.map((r) => columns.map((c) => cell(r[c.name], c)))
  rows = values.length
  rssBefore = process.memoryUsage().rss
  const started = performance.now()
  if (writer === 'ours') {
    const w = new ParquetFileWriter(out, columns)
    for (const v of values) w.writeValues(v)
    w.finish()
  } else {
    // The same schema as ours: every column OPTIONAL, strings UTF8, dates INT32 DATE, SNAPPY.
    const asBigInt = (x: unknown) => (x === null ? null : BigInt(x as number))
    const columnData: ColumnSource[] = columns.map((c, i) => {
      const data = values.map((v) => v[i] ?? null)
      return { name: c.name, data: c.storage === 'bigint' || c.storage === 'timestamp' ? data.map(asBigInt) : data }
    })
    const schema = [{ name: 'root', num_children: columns.length }, ...columns.map((c) => ({
      name: c.name, repetition_type: 'OPTIONAL' as const,
      ...(c.storage === 'string' ? { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const }
        : c.storage === 'bigint' ? { type: 'INT64' as const }
          : c.storage === 'timestamp' ? { type: 'INT64' as const, converted_type: 'TIMESTAMP_MILLIS' as const }
            : c.storage === 'double' ? { type: 'DOUBLE' as const }
              : c.storage === 'boolean' ? { type: 'BOOLEAN' as const }
                : { type: 'INT32' as const, converted_type: 'DATE' as const }),
    }))]
    parquetWriteFile({ filename: out, columnData, schema, rowGroupSize: 100_000 })
  }
  seconds = (performance.now() - started) / 1000
}
reportResult({ writer, rows, seconds, rows_per_s: rows / seconds, rss_before_write_mb: mb(rssBefore), parquet_bytes: statSync(out).size })

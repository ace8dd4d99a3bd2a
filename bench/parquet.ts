/**
 * The hand-written Parquet writer (functions/adapters/parquet-file-writer.ts) beside
 * hyparquet-writer and DuckDB's writer (COPY … TO parquet, one thread) on the same rows in the
 * same run: speed, memory, file size; and each file read back by DuckDB and by hyparquet,
 * which must see the same rows as in the source (the product's own staged roster).
 *
 *   npx tsx bench/parquet.ts [rows]      standalone (default 200,000 rows); npm run bench runs it too
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetReadObjects } from 'hyparquet'
import { REPO, childBundle } from './bundle.ts'
import { BENCH_PERIOD, benchCounty, writeRosterCsv } from './data.ts'

const WRITERS = ['ours', 'hyparquet-writer', 'duckdb'] as const

export interface WriterFigures { rows_per_s: number; seconds: number; peak_rss_mb: number; rss_before_write_mb: number; parquet_bytes: number; duckdb_reads_same: boolean; hyparquet_reads_same: boolean }
export interface ParquetResult { rows: number; writers: Record<(typeof WRITERS)[number], WriterFigures>; ours_speed_vs_hyparquet_writer: number; ours_speed_vs_duckdb: number }

function child(bundle: string, args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, [bundle, ...args], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } })
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>
}

/** Rows of two Parquet files as DuckDB reads them: the same multiset and the same column types. */
async function duckdbSame(a: string, b: string): Promise<boolean> {
  const q = (s: string) => `read_parquet('${s.replaceAll("'", "''")}')`
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '1' })
  const c = await instance.connect()
  try {
    const types = async (f: string) => JSON.stringify((await c.runAndReadAll(`DESCRIBE SELECT * FROM ${q(f)}`)).getRows().map((r) => [r[0], r[1]]))
    if ((await types(a)) !== (await types(b))) return false
    const diff = await c.runAndReadAll(`SELECT count(*) FROM ((SELECT * FROM ${q(a)} EXCEPT ALL SELECT * FROM ${q(b)}) UNION ALL (SELECT * FROM ${q(b)} EXCEPT ALL SELECT * FROM ${q(a)}))`)
    return Number(diff.getRows()[0]![0]) === 0
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/** Every row as hyparquet reads it, as text (bigints and dates included). */
async function hyparquetRows(file: string): Promise<string> {
  const bytes = readFileSync(file)
  const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })
  return JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
}

export async function benchParquet(work: string, rows = 200_000, runs = 2): Promise<ParquetResult> {
  await mkdir(join(work, 'scratch'), { recursive: true })
  const csv = join(work, 'roster.csv')
  await writeRosterCsv(csv, { rows })
  const source = join(work, 'source.parquet')
  const ingest = await childBundle('bench/children/ingest.ts', join(work, 'ingest.mjs'))
  const staged = child(ingest, [csv, benchCounty().code, BENCH_PERIOD, join(work, 'scratch'), source])
  if (staged['status'] as unknown !== 'accepted') throw new Error(`the bench roster was ${String(staged['status'])}`)
  await rm(csv, { force: true })
  const bundle = await childBundle('bench/children/parquet-writer.ts', join(work, 'parquet-writer.mjs'))
  const sourceRows = await hyparquetRows(source)
  const figures = {} as ParquetResult['writers']
  // Interleaved, the best speed of `runs`; peak memory the highest seen.
  const best = new Map<string, Record<string, number>>()
  for (let i = 0; i < runs; i++) {
    for (const w of WRITERS) {
      const r = child(bundle, [w, source, join(work, `${w}.parquet`)])
      const prev = best.get(w)
      if (!prev || r['rows_per_s']! > prev['rows_per_s']!) best.set(w, { ...r, peak_rss_mb: Math.max(r['peak_rss_mb']!, prev?.['peak_rss_mb'] ?? 0) })
    }
  }
  for (const w of WRITERS) {
    const file = join(work, `${w}.parquet`)
    const r = best.get(w)!
    figures[w] = {
      rows_per_s: Math.round(r['rows_per_s']!), seconds: Math.round(r['seconds']! * 1000) / 1000, peak_rss_mb: r['peak_rss_mb']!,
      rss_before_write_mb: r['rss_before_write_mb']!, parquet_bytes: r['parquet_bytes']!,
      duckdb_reads_same: await duckdbSame(source, file), hyparquet_reads_same: (await hyparquetRows(file)) === sourceRows,
    }
  }
  const ratio = (x: number) => Math.round(x * 100) / 100
  return { rows, writers: figures, ours_speed_vs_hyparquet_writer: ratio(figures.ours.rows_per_s / figures['hyparquet-writer'].rows_per_s), ours_speed_vs_duckdb: ratio(figures.ours.rows_per_s / figures.duckdb.rows_per_s) }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await mkdir(join(REPO, 'bench/.build'), { recursive: true })
  const work = await mkdtemp(join(REPO, 'bench/.build/parquet-'))
  try {
    process.stdout.write(`${JSON.stringify({ host: hostname(), parquet: await benchParquet(work, Number(process.argv[2] ?? 200_000)) }, null, 2)}\n`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/**
 * The second-thread Parquet encoder the bench measures against the product's in-thread one
 * (bench/encoding-thread/): its worker bundled as the bench bundles it, real threads, and the
 * file compared byte for byte with ParquetFileWriter's, so the bench's comparison is of the
 * same work.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { childBundle } from '../../bench/bundle.ts'
import { BATCH_ROWS, ParquetWorkerWriter } from '../../bench/encoding-thread/writer.ts'
import { ParquetFileWriter, ROW_GROUP_ROWS } from '../../functions/adapters/parquet-file-writer.ts'
import type { CuratedColumn } from '../../functions/core/curated-columns.ts'
import { StorageError } from '../../functions/core/errors.ts'
import type { CellValue } from '../../functions/use-cases/ports.ts'

const COLUMNS: CuratedColumn[] = [
  { name: 'village_code', storage: 'string' },
  { name: 'household_id', storage: 'string' },
  { name: 'household_size', storage: 'bigint' },
  { name: 'income_per_capita', storage: 'double' },
  { name: 'risk_eliminated', storage: 'boolean' },
  { name: 'identified_on', storage: 'date' },
  { name: 'submitted_at', storage: 'timestamp' },
]

function row(i: number): CellValue[] {
  return [
    i % 997 === 0 ? null : `5206021012${String(Math.floor(i / 500) % 60).padStart(2, '0')}`,
    i % 101 === 0 ? null : `520602101201-${i}${'村'.repeat(i % 3)}`,
    i % 13 === 0 ? null : (i % 9) + 1,
    i % 7 === 0 ? null : i / 3 - 50,
    i % 11 === 0 ? null : i % 2 === 0,
    i % 17 === 0 ? null : 19_000 + (i % 400),
    1_720_000_000_000 + i,
  ]
}

let dir: string
let worker: URL
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-encoding-thread-'))
  worker = pathToFileURL(await childBundle('bench/encoding-thread/worker.ts', join(dir, 'parquet-worker.mjs')))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function inThread(name: string, n: number): Promise<Buffer> {
  const path = join(dir, name)
  const writer = new ParquetFileWriter(path, COLUMNS)
  for (let i = 0; i < n; i++) writer.writeValues(row(i))
  writer.finish()
  return readFile(path)
}

async function onThread(name: string, n: number): Promise<{ bytes: Buffer; threaded: boolean }> {
  const writer = new ParquetWorkerWriter(join(dir, name), COLUMNS, worker)
  for (let i = 0; i < n; i++) await writer.writeValues(row(i))
  const threaded = writer.threaded
  await writer.finish()
  return { bytes: await readFile(writer.path), threaded }
}

describe('the encoding thread', () => {
  it('writes byte for byte the in-thread file over several batches and row groups', async () => {
    const n = ROW_GROUP_ROWS + 3 * BATCH_ROWS + 5
    const { bytes, threaded } = await onThread('thread.parquet', n)
    expect(threaded).toBe(true)
    expect(Buffer.compare(bytes, await inThread('inline.parquet', n))).toBe(0)
  })

  it('never starts a thread for a file shorter than a batch, and writes the same file', async () => {
    const { bytes, threaded } = await onThread('small-thread.parquet', BATCH_ROWS - 1)
    expect(threaded).toBe(false)
    expect(Buffer.compare(bytes, await inThread('small-inline.parquet', BATCH_ROWS - 1))).toBe(0)
  })

  it('starts again empty after restart, and an abandoned file stops its thread', async () => {
    const writer = new ParquetWorkerWriter(join(dir, 'restart.parquet'), COLUMNS, worker)
    for (let i = 0; i < 2 * BATCH_ROWS; i++) await writer.writeValues(row(i))
    expect(writer.threaded).toBe(true)
    await writer.restart()
    expect(writer.threaded).toBe(false)
    for (let i = 0; i < BATCH_ROWS + 10; i++) await writer.writeValues(row(i))
    await writer.finish()
    expect(Buffer.compare(await readFile(writer.path), await inThread('restart-inline.parquet', BATCH_ROWS + 10))).toBe(0)
    const abandoned = new ParquetWorkerWriter(join(dir, 'abandoned.parquet'), COLUMNS, worker)
    for (let i = 0; i < BATCH_ROWS; i++) await abandoned.writeValues(row(i))
    expect(abandoned.threaded).toBe(true)
    await abandoned.abandon()
    expect(abandoned.threaded).toBe(false)
  })

  it("fails the file with the thread's message when a value does not fit its column", async () => {
    const writer = new ParquetWorkerWriter(join(dir, 'bad.parquet'), [{ name: 'household_size', storage: 'bigint' }], worker)
    for (let i = 0; i < BATCH_ROWS; i++) await writer.writeValues([i === 5 ? 1.5 : i])
    const failure = await writer.finish().then(() => undefined, (e: unknown) => e)
    expect(failure).toBeInstanceOf(StorageError)
    expect((failure as Error).message).toMatch(/RangeError: Parquet column household_size: 1\.5 is not a whole number$/)
  })
})

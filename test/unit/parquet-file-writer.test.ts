/**
 * The Parquet writer (adapters/parquet-file-writer.ts, parquet-encoding.ts) against an
 * independent reader (hyparquet, which the pipeline reads previous quarters with; DuckDB
 * reads the same files in the integration tests): every storage type, nulls, non-ASCII text,
 * dictionaries that hold and ones that give up, several row groups.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { parquetMetadata, parquetReadObjects, snappyUncompress } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Bytes, snappyCompress, writeHybrid } from '../../functions/adapters/parquet-encoding.ts'
import { ParquetFileWriter, ROW_GROUP_ROWS } from '../../functions/adapters/parquet-file-writer.ts'
import type { CuratedColumn } from '../../functions/core/curated-columns.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-parquet-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const COLUMNS: CuratedColumn[] = [
  { name: 'category', storage: 'string' },
  { name: 'household_id', storage: 'string' },
  { name: 'size', storage: 'bigint' },
  { name: 'income', storage: 'double' },
  { name: 'eliminated', storage: 'boolean' },
  { name: 'identified_on', storage: 'date' },
  { name: 'submitted_at', storage: 'timestamp' },
  { name: 'nothing', storage: 'string' },
]

function row(i: number): Record<string, string | number | boolean | null> {
  return {
    category: i % 7 === 0 ? null : ['脱贫不稳定户', 'marginal', 'b𠀀', ''][i % 4]!,
    household_id: i % 11 === 0 ? null : `520602101201-${i}${'村'.repeat(i % 3)}`,
    size: i % 5 === 0 ? null : i * 1_000_003 - 500_000_000,
    income: i % 3 === 0 ? null : i / 7 - 100,
    eliminated: i % 13 === 0 ? null : i % 2 === 0,
    identified_on: i % 17 === 0 ? null : 18_000 + (i % 900),
    submitted_at: 1_720_000_000_000 + i,
    nothing: null,
  }
}

async function readBack(path: string) {
  const bytes = await readFile(path)
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  return { rows: (await parquetReadObjects({ file })) as Record<string, unknown>[], metadata: parquetMetadata(file) }
}

function expected(r: Record<string, string | number | boolean | null>): Record<string, unknown> {
  return {
    ...r,
    size: r['size'] === null ? null : BigInt(r['size'] as number),
    identified_on: r['identified_on'] === null ? null : new Date((r['identified_on'] as number) * 86_400_000),
    submitted_at: new Date(r['submitted_at'] as number),
  }
}

describe('ParquetFileWriter', () => {
  it('writes what a reader reads back, value for value, over several row groups', async () => {
    const n = ROW_GROUP_ROWS + 1234
    const path = join(dir, 'mixed.parquet')
    const writer = new ParquetFileWriter(path, COLUMNS, [{ key: 'k', value: 'v' }])
    for (let i = 0; i < n; i++) {
      if (i % 2) writer.write(row(i))
      else writer.writeValues(COLUMNS.map((c) => row(i)[c.name]!))
    }
    writer.finish()
    const { rows, metadata } = await readBack(path)
    expect(rows).toHaveLength(n)
    for (const i of [0, 1, 2, 3, 7, 11, 12, 99_999, 100_000, 100_001, n - 1]) expect(rows[i]).toEqual(expected(row(i)))
    expect(rows.every((r, i) => r['household_id'] === row(i)['household_id'] && r['category'] === row(i)['category'])).toBe(true)
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([ROW_GROUP_ROWS, 1234])
    expect(metadata.key_value_metadata).toEqual([{ key: 'k', value: 'v' }])
    // A few distinct categories: a dictionary; a number per household: plain.
    const chunk = (name: string) => metadata.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema[0] === name)!.meta_data!
    expect(chunk('category').encodings).toContain('RLE_DICTIONARY')
    expect(chunk('household_id').encodings).not.toContain('RLE_DICTIONARY')
    expect(chunk('category').codec).toBe('SNAPPY')
    expect(chunk('size').statistics).toMatchObject({ null_count: 20_000n, min_value: -498_999_997n, max_value: 99_499_299_997n })
  })

  it('restarts empty, and writes an empty file that reads as no rows', async () => {
    const path = join(dir, 'restart.parquet')
    const writer = new ParquetFileWriter(path, COLUMNS)
    for (let i = 0; i < 10; i++) writer.write(row(i))
    writer.restart()
    writer.write(row(42))
    writer.finish()
    expect((await readBack(path)).rows).toEqual([expected(row(42))])
    const empty = join(dir, 'empty.parquet')
    new ParquetFileWriter(empty, COLUMNS).finish()
    expect((await readBack(empty)).rows).toEqual([])
  })

  it('keeps runs of one value exact: the same index within a group, a fresh lookup after each group and after a dictionary gives up', async () => {
    // Runs of a village's code, broken by nulls and by equal strings that are other objects;
    // a second column turns PLAIN part-way through the first group.
    const n = ROW_GROUP_ROWS + 5000
    const village = (i: number): string | null => (i % 1000 === 999 ? null : `5206021012${String(Math.floor(i / 3000) % 40).padStart(2, '0')}`)
    const giving = (i: number): string => (i < 70_000 ? `r${Math.floor(i / 2)}` : 'same')
    const columns: CuratedColumn[] = [{ name: 'village_code', storage: 'string' }, { name: 'giving_up', storage: 'string' }]
    const path = join(dir, 'runs.parquet')
    const writer = new ParquetFileWriter(path, columns)
    for (let i = 0; i < n; i++) writer.writeValues([village(i), giving(i)])
    writer.finish()
    const { rows, metadata } = await readBack(path)
    expect(rows).toHaveLength(n)
    expect(rows.every((r, i) => r['village_code'] === village(i) && r['giving_up'] === giving(i))).toBe(true)
    const chunk = (g: number, name: string) => metadata.row_groups[g]!.columns.find((c) => c.meta_data!.path_in_schema[0] === name)!.meta_data!
    expect(chunk(0, 'village_code').encodings).toContain('RLE_DICTIONARY')
    expect(chunk(1, 'village_code').encodings).toContain('RLE_DICTIONARY')
    expect(chunk(0, 'giving_up').encodings).not.toContain('RLE_DICTIONARY')
  })

  it('writes the same file from columns (writeColumns) as from rows, whatever the batch sizes and row-group cuts', async () => {
    const n = ROW_GROUP_ROWS + 777
    const byRows = join(dir, 'by-rows.parquet')
    const rowsWriter = new ParquetFileWriter(byRows, COLUMNS)
    for (let i = 0; i < n; i++) rowsWriter.writeValues(COLUMNS.map((c) => row(i)[c.name]!))
    rowsWriter.finish()
    const byColumns = join(dir, 'by-columns.parquet')
    const columnsWriter = new ParquetFileWriter(byColumns, COLUMNS)
    // Batches that straddle the row-group boundary, one larger than a row group.
    for (const [from, to] of [[0, 4096], [4096, 99_000], [99_000, 99_001], [99_001, n]] as const) {
      columnsWriter.writeColumns(COLUMNS.map((c) => Array.from({ length: to - from }, (_, k) => row(from + k)[c.name]!)), to - from)
    }
    columnsWriter.finish()
    expect(Buffer.compare(await readFile(byColumns), await readFile(byRows))).toBe(0)
    const big = join(dir, 'one-batch.parquet')
    const bigWriter = new ParquetFileWriter(big, COLUMNS)
    bigWriter.writeColumns(COLUMNS.map((c) => Array.from({ length: n }, (_, i) => row(i)[c.name]!)), n)
    bigWriter.finish()
    expect(Buffer.compare(await readFile(big), await readFile(byRows))).toBe(0)
  })

  it('refuses a fraction in a whole-number column, as BigInt did', () => {
    const writer = new ParquetFileWriter(join(dir, 'bad.parquet'), [{ name: 'n', storage: 'bigint' }])
    expect(() => writer.write({ n: 1.5 })).toThrow(RangeError)
    writer.abandon()
  })

  it('round-trips any strings through dictionaries and plain pages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('a', 'b'))), { maxLength: 300 }), async (values) => {
        const path = join(dir, 'strings.parquet')
        const writer = new ParquetFileWriter(path, [{ name: 's', storage: 'string' }])
        for (const v of values) writer.write({ s: v })
        writer.finish()
        const { rows } = await readBack(path)
        expect(rows.map((r) => r['s'])).toEqual(values.map((v) => (v === null ? null : new TextDecoder().decode(new TextEncoder().encode(v)))))
      }),
      { seed: 9, numRuns: 60 },
    )
  })
})

describe('the encodings', () => {
  it('snappy: any bytes decompress to themselves', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200_000 }), fc.array(fc.constantFrom('ab', 'abc', '村', '0', '520602'), { maxLength: 40_000 }).map((p) => new TextEncoder().encode(p.join('')))), (input) => {
        const out = new Bytes(16)
        snappyCompress(out, input)
        const back = new Uint8Array(input.length)
        if (input.length > 0) snappyUncompress(out.subarray(), back)
        expect(Buffer.from(back).equals(Buffer.from(input))).toBe(true)
      }),
      { seed: 13, numRuns: 80 },
    )
  })

  it('the RLE/bit-packed hybrid decodes to the values (through a dictionary-encoded column)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 700 }).map(String)), { maxLength: 3000 }), async (values) => {
        const path = join(dir, 'hybrid.parquet')
        const writer = new ParquetFileWriter(path, [{ name: 's', storage: 'string' }])
        for (const v of values) writer.write({ s: v })
        writer.finish()
        expect((await readBack(path)).rows.map((r) => r['s'])).toEqual(values)
      }),
      { seed: 21, numRuns: 40 },
    )
    const out = new Bytes(8)
    writeHybrid(out, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 10, 1)
    expect([...out.subarray()]).toEqual([20, 1])
  })
})

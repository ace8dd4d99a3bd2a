import { closeSync, openSync, writeSync } from 'node:fs'
import type { CuratedColumn, CuratedStorage } from '../core/curated-columns.ts'
import type { CellValue, TableWriter } from '../use-cases/ports.ts'
import { Bytes, ThriftWriter, bitWidth, snappyCompress, utf8Bytes, writeHybrid } from './parquet-encoding.ts'

/** Row-group size: big enough for Athena scans, small enough that a group's columns stay a few MB. */
export const ROW_GROUP_ROWS = 100_000
/** A data page ends after about this many uncompressed value bytes. */
const PAGE_BYTES = 1 << 20
/** A string column keeps its dictionary while it has at most this many distinct values in a group… */
const MAX_DICTIONARY_ENTRIES = 1 << 15
/** …and they take at most this many bytes. */
const MAX_DICTIONARY_BYTES = 1 << 20
/** Byte-array statistics longer than this are left out rather than written truncated. */
const MAX_STATISTICS_BYTES = 64

// parquet.thrift enums.
const TYPE = { BOOLEAN: 0, INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const
const CONVERTED = { UTF8: 0, DATE: 6, TIMESTAMP_MILLIS: 9 } as const
const OPTIONAL = 1
const ENCODING = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const
const PAGE = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const
const SNAPPY = 1

interface Physical {
  type: number
  converted?: number
}

const PHYSICAL: Record<CuratedStorage, Physical> = {
  string: { type: TYPE.BYTE_ARRAY, converted: CONVERTED.UTF8 },
  bigint: { type: TYPE.INT64 },
  double: { type: TYPE.DOUBLE },
  boolean: { type: TYPE.BOOLEAN },
  date: { type: TYPE.INT32, converted: CONVERTED.DATE },
  timestamp: { type: TYPE.INT64, converted: CONVERTED.TIMESTAMP_MILLIS },
}

/** What one column chunk came to, for the footer. */
interface ChunkMeta {
  type: number
  name: string
  encodings: number[]
  numValues: number
  uncompressed: number
  compressed: number
  dataPageOffset: number
  dictionaryPageOffset?: number
  nullCount: number
  min?: Uint8Array
  max?: Uint8Array
}

interface RowGroupMeta {
  columns: ChunkMeta[]
  rows: number
  offset: number
  bytes: number
}

/** Compares strings in UTF-8 byte order (code point order), as Parquet's statistics require. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // UTF-16 order differs from code point order only between surrogates and U+E000–U+FFFF.
    if (x >= 0xd800 && y >= 0xd800) return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0)
    return x - y
  }
  return a.length - b.length
}

/**
 * One column's values of the current row group: presence (definition levels) and the
 * values in typed storage, strings dictionary-encoded while that pays.
 */
abstract class ColumnBuilder {
  present = new Uint8Array(ROW_GROUP_ROWS)
  count = 0
  nulls = 0
  constructor(readonly name: string, readonly physical: Physical) {}

  abstract add(value: unknown): void
  /** Writes the chunk's pages; returns its metadata. */
  abstract flush(file: FileOut): ChunkMeta
  abstract reset(): void

  protected meta(extra: Partial<ChunkMeta> & { dataPageOffset: number; uncompressed: number; compressed: number; encodings: number[] }): ChunkMeta {
    return { type: this.physical.type, name: this.name, numValues: this.count, nullCount: this.nulls, ...extra }
  }

  /** Writes data pages over rows [0, count): levels and the values `encode` appends for each row range. */
  protected writePages(file: FileOut, encoding: number, rowsPerPage: number, encode: (out: Bytes, from: number, to: number) => void): { offset: number; uncompressed: number; compressed: number } {
    const offset = file.offset
    let uncompressed = 0
    let compressed = 0
    for (let from = 0; from < this.count || from === 0; from += rowsPerPage) {
      const to = Math.min(this.count, from + rowsPerPage)
      const body = file.scratch
      body.clear()
      // Definition levels (max level 1): 4-byte length, then the hybrid encoding.
      body.u32(0)
      writeHybrid(body, this.present.subarray(from, to), to - from, 1)
      body.view.setUint32(0, body.length - 4, true)
      encode(body, from, to)
      const sizes = file.page(PAGE.DATA_PAGE, body.subarray(), (t) => {
        t.structBegin(5)
        t.i32(1, to - from)
        t.i32(2, encoding)
        t.i32(3, ENCODING.RLE)
        t.i32(4, ENCODING.RLE)
        t.structEnd()
      })
      uncompressed += sizes.uncompressed
      compressed += sizes.compressed
      if (to >= this.count) break
    }
    return { offset, uncompressed, compressed }
  }

  protected addPresence(present: boolean): void {
    this.present[this.count++] = present ? 1 : 0
    if (!present) this.nulls++
  }
}

class StringColumn extends ColumnBuilder {
  #dict = new Map<string, number>()
  #entries: string[] = []
  #dictBytes = 0
  #indexes = new Int32Array(ROW_GROUP_ROWS)
  /** Null while the dictionary holds; the PLAIN values once it gave up. */
  #plain: Bytes | null = null
  #plainStarts: number[] = []
  #min: string | undefined
  #max: string | undefined
  #nonNull = 0
  /** The last group gave up its dictionary: the next starts PLAIN (household numbers, hashes). */
  #startPlain = false
  /** The previous value and its dictionary index (undefined: none in this group). */
  #last: string | undefined
  #lastId = 0

  add(value: unknown): void {
    if (value === null || value === undefined) {
      this.addPresence(false)
      return
    }
    const s = typeof value === 'string' ? value : String(value)
    this.present[this.count++] = 1
    if (this.#plain === null) {
      // Runs of one value (the period, the submission, a village's codes) skip the lookup.
      if (s === this.#last) {
        this.#indexes[this.#nonNull++] = this.#lastId
        return
      }
      let id = this.#dict.get(s)
      if (id === undefined) {
        id = this.#entries.length
        this.#dict.set(s, id)
        this.#entries.push(s)
        this.#dictBytes += s.length + 4
        if (this.#entries.length > MAX_DICTIONARY_ENTRIES || this.#dictBytes > MAX_DICTIONARY_BYTES) {
          this.#indexes[this.#nonNull++] = id
          this.#toPlain()
          return
        }
      }
      this.#indexes[this.#nonNull++] = id
      this.#last = s
      this.#lastId = id
      return
    }
    this.#appendPlain(s)
  }

  #appendPlain(s: string): void {
    if ((this.#nonNull & 1023) === 0) this.#plainStarts.push(this.#plain!.length)
    this.#plain!.lengthPrefixedUtf8(s)
    this.#nonNull++
    if (this.#min === undefined || compareUtf8(s, this.#min) < 0) this.#min = s
    if (this.#max === undefined || compareUtf8(s, this.#max) > 0) this.#max = s
  }

  /** Too many distinct values: the values so far become PLAIN, and so will the rest. */
  #toPlain(): void {
    this.#plain = new Bytes(1 << 20)
    const n = this.#nonNull
    this.#nonNull = 0
    for (let i = 0; i < n; i++) this.#appendPlain(this.#entries[this.#indexes[i]!]!)
    this.#dict.clear()
    this.#entries = []
  }

  flush(file: FileOut): ChunkMeta {
    if (this.#plain === null) {
      if (this.#entries.length > 0) return this.#flushDictionary(file)
      this.#plain = new Bytes(16)
    }
    // PLAIN: pages cut at value boundaries, found through the starts kept every 1024 values.
    const plain = this.#plain
    const starts = this.#plainStarts
    const valueStart = (valueIndex: number): number => {
      let at = starts[valueIndex >> 10]!
      for (let k = valueIndex & ~1023; k < valueIndex; k++) at += 4 + plain.view.getUint32(at, true)
      return at
    }
    const avg = this.#nonNull === 0 ? 1 : plain.length / this.#nonNull
    const rowsPerPage = Math.max(1024, Math.floor(PAGE_BYTES / Math.max(1, avg)))
    let valueIndex = 0
    const pages = this.writePages(file, ENCODING.PLAIN, rowsPerPage, (out, from, to) => {
      let values = 0
      for (let r = from; r < to; r++) values += this.present[r]!
      const a = valueStart(valueIndex)
      const b = valueIndex + values >= this.#nonNull ? plain.length : valueStart(valueIndex + values)
      out.bytes(plain.buf.subarray(a, b))
      valueIndex += values
    })
    return this.meta({
      dataPageOffset: pages.offset, uncompressed: pages.uncompressed, compressed: pages.compressed,
      encodings: [ENCODING.PLAIN, ENCODING.RLE], ...this.#stats(this.#min, this.#max),
    })
  }

  #flushDictionary(file: FileOut): ChunkMeta {
    const entries = this.#entries
    const dictOffset = file.offset
    let min: string | undefined
    let max: string | undefined
    const page = file.scratch
    page.clear()
    for (const s of entries) {
      page.lengthPrefixedUtf8(s)
      if (min === undefined || compareUtf8(s, min) < 0) min = s
      if (max === undefined || compareUtf8(s, max) > 0) max = s
    }
    const dict = file.page(PAGE.DICTIONARY_PAGE, page.subarray(), (t) => {
      t.structBegin(7)
      t.i32(1, entries.length)
      t.i32(2, ENCODING.PLAIN)
      t.structEnd()
    })
    const width = Math.max(1, bitWidth(entries.length - 1))
    let valueIndex = 0
    const pages = this.writePages(file, ENCODING.RLE_DICTIONARY, 1 << 17, (out, from, to) => {
      let values = 0
      for (let r = from; r < to; r++) values += this.present[r]!
      out.u8(width)
      writeHybrid(out, this.#indexes.subarray(valueIndex, valueIndex + values), values, width)
      valueIndex += values
    })
    return this.meta({
      dataPageOffset: pages.offset, dictionaryPageOffset: dictOffset,
      uncompressed: dict.uncompressed + pages.uncompressed, compressed: dict.compressed + pages.compressed,
      encodings: [ENCODING.PLAIN, ENCODING.RLE, ENCODING.RLE_DICTIONARY], ...this.#stats(min, max),
    })
  }

  #stats(min: string | undefined, max: string | undefined): { min?: Uint8Array; max?: Uint8Array } {
    if (min === undefined || max === undefined) return {}
    const a = utf8Bytes(min)
    const b = utf8Bytes(max)
    return a.length <= MAX_STATISTICS_BYTES && b.length <= MAX_STATISTICS_BYTES ? { min: a, max: b } : {}
  }

  reset(): void {
    this.count = 0
    this.nulls = 0
    this.#nonNull = 0
    this.#dict.clear()
    this.#entries = []
    this.#dictBytes = 0
    this.#last = undefined
    this.#startPlain = this.#plain !== null
    this.#plainStarts = []
    this.#min = undefined
    this.#max = undefined
    if (this.#startPlain) {
      this.#plain!.clear()
    } else {
      this.#plain = null
    }
  }
}

/** INT64, INT32 (DATE), DOUBLE: values held as doubles, written PLAIN. */
class NumberColumn extends ColumnBuilder {
  #values = new Float64Array(ROW_GROUP_ROWS)
  #nonNull = 0
  #min = Infinity
  #max = -Infinity
  readonly #width: number
  readonly #whole: boolean

  constructor(name: string, physical: Physical) {
    super(name, physical)
    this.#width = physical.type === TYPE.INT32 ? 4 : 8
    this.#whole = physical.type !== TYPE.DOUBLE
  }

  add(value: unknown): void {
    if (value === null || value === undefined) {
      this.addPresence(false)
      return
    }
    let v = typeof value === 'number' ? value : Number(value)
    if (this.#whole && !Number.isSafeInteger(v)) {
      throw new RangeError(`Parquet column ${this.name}: ${String(value)} is not a whole number`)
    }
    if (v === 0) v = 0
    this.addPresence(true)
    this.#values[this.#nonNull++] = v
    // NaN is left out of the statistics (parquet.thrift).
    if (v < this.#min) this.#min = v
    if (v > this.#max) this.#max = v
  }

  flush(file: FileOut): ChunkMeta {
    const values = this.#values
    const width = this.#width
    const type = this.physical.type
    let valueIndex = 0
    const pages = this.writePages(file, ENCODING.PLAIN, Math.floor(PAGE_BYTES / width), (out, from, to) => {
      let n = 0
      for (let r = from; r < to; r++) n += this.present[r]!
      out.reserve(n * width)
      if (type === TYPE.DOUBLE) {
        for (let k = 0; k < n; k++) out.f64(values[valueIndex + k]!)
      } else if (type === TYPE.INT32) {
        for (let k = 0; k < n; k++) out.i32(values[valueIndex + k]!)
      } else {
        for (let k = 0; k < n; k++) out.i64(values[valueIndex + k]!)
      }
      valueIndex += n
    })
    const stats = this.#nonNull > 0 && this.#min <= this.#max ? { min: this.#encode(this.#min === 0 ? -0 : this.#min), max: this.#encode(this.#max === 0 ? 0 : this.#max) } : {}
    return this.meta({ dataPageOffset: pages.offset, uncompressed: pages.uncompressed, compressed: pages.compressed, encodings: [ENCODING.PLAIN, ENCODING.RLE], ...stats })
  }

  #encode(v: number): Uint8Array {
    const b = new Bytes(8)
    if (this.physical.type === TYPE.DOUBLE) b.f64(v)
    else if (this.physical.type === TYPE.INT32) b.i32(v)
    else b.i64(v)
    return b.subarray().slice()
  }

  reset(): void {
    this.count = 0
    this.nulls = 0
    this.#nonNull = 0
    this.#min = Infinity
    this.#max = -Infinity
  }
}

class BooleanColumn extends ColumnBuilder {
  #values = new Uint8Array(ROW_GROUP_ROWS)
  #nonNull = 0
  #seen = 0

  add(value: unknown): void {
    if (value === null || value === undefined) {
      this.addPresence(false)
      return
    }
    this.addPresence(true)
    const bit = value ? 1 : 0
    this.#values[this.#nonNull++] = bit
    this.#seen |= 1 << bit
  }

  flush(file: FileOut): ChunkMeta {
    let valueIndex = 0
    const pages = this.writePages(file, ENCODING.PLAIN, PAGE_BYTES, (out, from, to) => {
      let n = 0
      for (let r = from; r < to; r++) n += this.present[r]!
      // PLAIN booleans: bit-packed, least significant bit first.
      const bytes = (n + 7) >> 3
      out.reserve(bytes)
      out.buf.fill(0, out.length, out.length + bytes)
      for (let k = 0; k < n; k++) if (this.#values[valueIndex + k]) out.buf[out.length + (k >> 3)]! |= 1 << (k & 7)
      out.length += bytes
      valueIndex += n
    })
    const stats = this.#seen === 0 ? {} : { min: Uint8Array.of(this.#seen & 1 ? 0 : 1), max: Uint8Array.of(this.#seen & 2 ? 1 : 0) }
    return this.meta({ dataPageOffset: pages.offset, uncompressed: pages.uncompressed, compressed: pages.compressed, encodings: [ENCODING.PLAIN, ENCODING.RLE], ...stats })
  }

  reset(): void {
    this.count = 0
    this.nulls = 0
    this.#nonNull = 0
    this.#seen = 0
  }
}

/** The file being written: sequential, synchronous writes through one descriptor. */
class FileOut {
  offset = 0
  readonly scratch = new Bytes(1 << 20)
  readonly #compressed = new Bytes(1 << 20)
  readonly #header = new Bytes(256)
  readonly #fd: number

  constructor(path: string) {
    this.#fd = openSync(path, 'w')
  }

  write(bytes: Uint8Array): void {
    let at = 0
    while (at < bytes.length) at += writeSync(this.#fd, bytes, at, bytes.length - at)
    this.offset += bytes.length
  }

  /** Compresses a page body (SNAPPY), writes its header and body; returns both sizes with the header. */
  page(type: number, body: Uint8Array, header: (t: ThriftWriter) => void): { uncompressed: number; compressed: number } {
    const compressed = this.#compressed
    compressed.clear()
    snappyCompress(compressed, body)
    const h = this.#header
    h.clear()
    const t = new ThriftWriter(h)
    t.i32(1, type)
    t.i32(2, body.length)
    t.i32(3, compressed.length)
    header(t)
    t.end()
    this.write(h.subarray())
    this.write(compressed.subarray())
    return { uncompressed: h.length + body.length, compressed: h.length + compressed.length }
  }

  #closed = false

  close(): void {
    if (this.#closed) return
    this.#closed = true
    closeSync(this.#fd)
  }
}

function builderFor(c: CuratedColumn): ColumnBuilder {
  const physical = PHYSICAL[c.storage]
  if (c.storage === 'string') return new StringColumn(c.name, physical)
  if (c.storage === 'boolean') return new BooleanColumn(c.name, physical)
  return new NumberColumn(c.name, physical)
}

/**
 * Streams records into a Parquet file (SNAPPY, explicit schema, statistics) one row group
 * at a time, so memory holds one group, never the file. Every column is OPTIONAL; strings
 * are dictionary-encoded while a group has few distinct values, else PLAIN; numbers, dates
 * and booleans are PLAIN. Values go straight into typed column buffers: no per-row objects.
 */
export class ParquetFileWriter implements TableWriter {
  private out: FileOut
  private readonly builders: ColumnBuilder[]
  private groups: RowGroupMeta[] = []
  private count = 0
  rows = 0

  constructor(readonly path: string, private readonly columns: readonly CuratedColumn[], private readonly kvMetadata: { key: string; value: string }[] = []) {
    this.out = new FileOut(path)
    this.out.write(utf8Bytes('PAR1'))
    this.builders = columns.map(builderFor)
  }

  /** Closes the file without a footer (its rows are not wanted). */
  abandon(): void {
    this.out.close()
  }

  /** Drops every row written so far: the file starts again, empty. */
  restart(): void {
    this.out.close()
    this.out = new FileOut(this.path)
    this.out.write(utf8Bytes('PAR1'))
    for (const b of this.builders) b.reset()
    this.groups = []
    this.count = 0
    this.rows = 0
  }

  write(record: Record<string, CellValue>): void {
    const cols = this.columns
    const builders = this.builders
    for (let i = 0; i < cols.length; i++) builders[i]!.add(record[cols[i]!.name])
    this.count++
    this.rows++
    if (this.count >= ROW_GROUP_ROWS) this.flush()
  }

  /**
   * One row as values in column order (the validator's fast path hands rows over this way,
   * without building a record).
   */
  writeValues(values: ArrayLike<unknown>): void {
    const builders = this.builders
    for (let i = 0; i < builders.length; i++) builders[i]!.add(values[i])
    this.count++
    this.rows++
    if (this.count >= ROW_GROUP_ROWS) this.flush()
  }

  /**
   * `n` rows given column by column (`columns[i][r]` is row r's value of column i), as the
   * bench's encoding thread receives them (bench/encoding-thread/worker.ts). Row groups are
   * cut where writeValues would cut them.
   */
  writeColumns(columns: readonly (readonly unknown[])[], n: number): void {
    const builders = this.builders
    for (let from = 0; from < n;) {
      const to = Math.min(n, from + ROW_GROUP_ROWS - this.count)
      for (let i = 0; i < builders.length; i++) {
        const b = builders[i]!
        const values = columns[i]!
        for (let r = from; r < to; r++) b.add(values[r])
      }
      this.count += to - from
      this.rows += to - from
      from = to
      if (this.count >= ROW_GROUP_ROWS) this.flush()
    }
  }

  private flush(): void {
    if (this.count === 0) return
    const offset = this.out.offset
    const columns = this.builders.map((b) => b.flush(this.out))
    this.groups.push({ columns, rows: this.count, offset, bytes: columns.reduce((s, c) => s + c.uncompressed, 0) })
    for (const b of this.builders) b.reset()
    this.count = 0
  }

  /** Writes the last row group and the footer. */
  finish(): void {
    this.flush()
    const footer = new Bytes(4096)
    const t = new ThriftWriter(footer)
    t.i32(1, 2)
    const schema = [{ name: 'root', children: this.columns.length }, ...this.columns.map((c) => ({ name: c.name, physical: PHYSICAL[c.storage] }))]
    t.listStruct(2, schema, (e) => {
      if ('physical' in e) {
        t.i32(1, e.physical.type)
        t.i32(3, OPTIONAL)
        t.binary(4, e.name)
        if (e.physical.converted !== undefined) t.i32(6, e.physical.converted)
      } else {
        t.binary(4, e.name)
        t.i32(5, e.children)
      }
    })
    t.i64(3, this.rows)
    t.listStruct(4, this.groups, (g) => {
      t.listStruct(1, g.columns, (c) => {
        t.i64(2, c.dictionaryPageOffset ?? c.dataPageOffset)
        t.structBegin(3)
        t.i32(1, c.type)
        t.listI32(2, c.encodings)
        t.listBinary(3, [c.name])
        t.i32(4, SNAPPY)
        t.i64(5, c.numValues)
        t.i64(6, c.uncompressed)
        t.i64(7, c.compressed)
        t.i64(9, c.dataPageOffset)
        if (c.dictionaryPageOffset !== undefined) t.i64(11, c.dictionaryPageOffset)
        t.structBegin(12)
        // The deprecated min/max (signed byte order for strings in old readers) only for numbers.
        if (c.max && c.type !== TYPE.BYTE_ARRAY) t.binary(1, c.max)
        if (c.min && c.type !== TYPE.BYTE_ARRAY) t.binary(2, c.min)
        t.i64(3, c.nullCount)
        if (c.max) t.binary(5, c.max)
        if (c.min) t.binary(6, c.min)
        t.structEnd()
        t.structEnd()
      })
      t.i64(2, g.bytes)
      t.i64(3, g.rows)
      t.i64(5, g.offset)
      t.i64(6, g.columns.reduce((s, c) => s + c.compressed, 0))
    })
    if (this.kvMetadata.length > 0) {
      t.listStruct(5, this.kvMetadata, (kv) => {
        t.binary(1, kv.key)
        t.binary(2, kv.value)
      })
    }
    t.binary(6, 'village-appraisal')
    // Statistics follow each type's defined order (min_value / max_value are valid).
    t.listStruct(7, this.columns, () => {
      t.structBegin(1)
      t.structEnd()
    })
    t.end()
    const length = footer.length
    footer.u32(length)
    footer.utf8('PAR1')
    this.out.write(footer.subarray())
    this.out.close()
  }
}

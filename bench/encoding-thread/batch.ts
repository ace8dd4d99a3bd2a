import type { CuratedColumn } from '../../functions/core/curated-columns.ts'
import type { CellValue } from '../../functions/use-cases/ports.ts'

/**
 * A batch of rows as it crosses to the encoding thread: typed arrays moved (transferred, not
 * copied) and one string per text column. Structured clone of a value per cell measured
 * dearer than the encoding it was meant to move (postMessage took 14 % of the check thread,
 * and the cells held for the batch doubled its garbage collection); joined text and typed
 * arrays cost a copy of the bytes.
 */
export type PackedColumn =
  /** A string column: the values joined, and each value's length in UTF-16 units (−1: null). */
  | { kind: 'text'; text: string; lengths: Int32Array }
  /** Numbers, dates, timestamps: the value as a double, and which are null. */
  | { kind: 'number'; values: Float64Array; nulls: Uint8Array }
  /** Booleans: 0, 1, or 2 for null. */
  | { kind: 'boolean'; values: Uint8Array }

export interface PackedBatch {
  n: number
  columns: PackedColumn[]
}

interface ColumnPacker {
  put(row: number, value: CellValue | undefined): void
  pack(n: number): { column: PackedColumn; transfer: ArrayBuffer[] }
}

class TextPacker implements ColumnPacker {
  #parts: string[]
  #lengths: Int32Array
  constructor(private readonly capacity: number) {
    this.#parts = new Array<string>(capacity).fill('')
    this.#lengths = new Int32Array(capacity)
  }
  put(row: number, value: CellValue | undefined): void {
    if (value === null || value === undefined) {
      this.#parts[row] = ''
      this.#lengths[row] = -1
      return
    }
    const s = typeof value === 'string' ? value : String(value)
    this.#parts[row] = s
    this.#lengths[row] = s.length
  }
  pack(n: number): { column: PackedColumn; transfer: ArrayBuffer[] } {
    const text = (n === this.capacity ? this.#parts : this.#parts.slice(0, n)).join('')
    const lengths = this.#lengths.slice(0, n)
    return { column: { kind: 'text', text, lengths }, transfer: [lengths.buffer] }
  }
}

class NumberPacker implements ColumnPacker {
  #values: Float64Array
  #nulls: Uint8Array
  constructor(capacity: number) {
    this.#values = new Float64Array(capacity)
    this.#nulls = new Uint8Array(capacity)
  }
  put(row: number, value: CellValue | undefined): void {
    if (value === null || value === undefined) {
      this.#nulls[row] = 1
      return
    }
    this.#nulls[row] = 0
    this.#values[row] = typeof value === 'number' ? value : Number(value)
  }
  pack(n: number): { column: PackedColumn; transfer: ArrayBuffer[] } {
    const values = this.#values.slice(0, n)
    const nulls = this.#nulls.slice(0, n)
    return { column: { kind: 'number', values, nulls }, transfer: [values.buffer, nulls.buffer] }
  }
}

class BooleanPacker implements ColumnPacker {
  #values: Uint8Array
  constructor(capacity: number) {
    this.#values = new Uint8Array(capacity)
  }
  put(row: number, value: CellValue | undefined): void {
    this.#values[row] = value === null || value === undefined ? 2 : value ? 1 : 0
  }
  pack(n: number): { column: PackedColumn; transfer: ArrayBuffer[] } {
    const values = this.#values.slice(0, n)
    return { column: { kind: 'boolean', values }, transfer: [values.buffer] }
  }
}

/** Rows put one at a time, packed `capacity` at a time (the arrays are reused after each pack). */
export class BatchPacker {
  readonly #columns: ColumnPacker[]
  n = 0
  constructor(columns: readonly CuratedColumn[], readonly capacity: number) {
    this.#columns = columns.map((c) => (c.storage === 'string' ? new TextPacker(capacity) : c.storage === 'boolean' ? new BooleanPacker(capacity) : new NumberPacker(capacity)))
  }

  /** Adds a row; true when the batch is full. */
  put(values: readonly (CellValue | undefined)[]): boolean {
    const row = this.n
    const columns = this.#columns
    for (let i = 0; i < columns.length; i++) columns[i]!.put(row, values[i])
    return ++this.n === this.capacity
  }

  /** The rows put since the last pack, and the buffers to transfer with them. */
  pack(): { batch: PackedBatch; transfer: ArrayBuffer[] } {
    const n = this.n
    const transfer: ArrayBuffer[] = []
    const columns = this.#columns.map((c) => {
      const packed = c.pack(n)
      transfer.push(...packed.transfer)
      return packed.column
    })
    this.n = 0
    return { batch: { n, columns }, transfer }
  }
}

/** A packed batch's values column by column, as ParquetFileWriter.writeColumns takes them. */
export function unpackBatch({ n, columns }: PackedBatch): CellValue[][] {
  return columns.map((c) => {
    const out = new Array<CellValue>(n)
    if (c.kind === 'text') {
      let at = 0
      for (let r = 0; r < n; r++) {
        const length = c.lengths[r]!
        if (length < 0) {
          out[r] = null
          continue
        }
        out[r] = c.text.substring(at, at + length)
        at += length
      }
    } else if (c.kind === 'number') {
      for (let r = 0; r < n; r++) out[r] = c.nulls[r] ? null : c.values[r]!
    } else {
      for (let r = 0; r < n; r++) out[r] = c.values[r] === 2 ? null : c.values[r] === 1
    }
    return out
  })
}

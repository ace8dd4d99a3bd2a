import type { Finding } from '../../../schemas/findings.ts'
import { hasRowBatches } from '../decode/decode-csv.ts'
import type { RawRow } from '../decode/types.ts'
import { finding } from '../findings.ts'
import type { ColumnBinding } from '../headers.ts'
import type { RowValues } from '../rules.ts'
import { cellText, compileParser, isBlank, memoizeParser } from '../values.ts'
import type { BoundHeader, FoundHeader, Locate } from './header-binding.ts'
import { ExactKeyIndex, HashedKeyIndex, RowLines, type KeyIndex } from './key-index.ts'
import type { ValidateOptions } from './validation-types.ts'

/** A repeated key: the repeat's finding, and the first row's the first time it repeats. */
export interface Repeat {
  firstRow: number
  first?: Finding
  repeat: Finding
}

/**
 * duplicate_key (validation.md): the same key twice in the file; both rows are reported, the
 * first one once, on the key's identifying column.
 */
export class DuplicateKeys {
  readonly #index: KeyIndex
  readonly #lines = new RowLines()
  readonly #binding: ColumnBinding
  readonly #locate: Locate

  private constructor(header: BoundHeader, keying: ValidateOptions, maxRows: number) {
    this.#binding = header.bindingOf.get(header.spec.keyColumn)!
    this.#locate = header.locate
    this.#index = keying.exactKeys
      ? new ExactKeyIndex()
      : new HashedKeyIndex({ ...(keying.keyHash ? { hash: keying.keyHash } : {}), seed: keying.keySeed ?? 0 }, keyCapacity(expectedRows(keying.fileBytes, header.found), maxRows))
  }

  /** The file's key index, or none when the file lacks the key column. */
  static of(header: BoundHeader, keying: ValidateOptions, maxRows: number): DuplicateKeys | undefined {
    return header.bindingOf.has(header.spec.keyColumn) ? new DuplicateKeys(header, keying, maxRows) : undefined
  }

  /** Offers the row's key, when it has one. */
  offer(values: RowValues, row: number, line: number): Repeat | undefined {
    const key = values[this.#binding.column.key]
    if (typeof key !== 'string') return undefined
    this.#lines.note(row, line)
    const sighting = this.#index.offer(key, row)
    if (!sighting.seen) return undefined
    const column = this.#binding.column.key
    const firstRow = sighting.firstRow
    const repeat = finding({ code: 'duplicate_key', ...this.#locate(row, line, column), value: key, detail: { zh: `与第 ${firstRow} 行重复`, en: `same as row ${firstRow}` } })
    if (sighting.reported) return { firstRow, repeat }
    this.#index.markReported(key)
    const first = finding({ code: 'duplicate_key', ...this.#locate(firstRow, this.#lines.lineOf(firstRow), column), value: key, detail: { zh: `与第 ${row} 行重复`, en: `same as row ${row}` } })
    return { firstRow, first, repeat }
  }

  /**
   * Keys taken as equal by their hash, compared as the file holds them (reading it again).
   * False after a collision: the file must be checked again under another seed (key-index.ts).
   */
  async exact(found: FoundHeader): Promise<boolean> {
    const index = this.#index
    if (index.collided) return false
    if (index.unverified.size === 0) return true
    return keysHold(found, this.#binding, index.unverified)
  }
}

/** Every row in `expected` holds, in its key column, the key it was taken to hold. */
async function keysHold(found: FoundHeader, binding: ColumnBinding, expected: ReadonlyMap<number, string>): Promise<boolean> {
  const parse = memoizeParser(compileParser(binding.column.type))
  let skip = found.headerIndex + 1
  let dataRow = 0
  let left = expected.size
  const sheet = found.sheet
  const batches: AsyncIterable<RawRow[]> = hasRowBatches(sheet) ? sheet.rowBatches() : (async function* () {
    for await (const raw of sheet.rows()) yield [raw]
  })()
  for await (const batch of batches) {
    for (const raw of batch) {
      if (skip > 0) {
        skip--
        continue
      }
      dataRow++
      const key = expected.get(dataRow)
      if (key === undefined) continue
      const cell = raw.cells[binding.index] ?? null
      const parsed = isBlank(cell) ? undefined : parse(cell, raw.dateCells?.has(binding.index) ?? false)
      if (!parsed?.ok || parsed.value !== key) return false
      if (--left === 0) return true
    }
  }
  return left === 0
}

const utf8 = new TextEncoder()

/** Rows a file of `bytes` may hold, judged from its first rows' size in UTF-8 (undefined: no clue). */
function expectedRows(bytes: number | undefined, found: FoundHeader): number | undefined {
  const sample = found.pending.length > 0 ? found.pending : [found.header]
  if (bytes === undefined) return undefined
  let sampleBytes = 0
  for (const row of sample) sampleBytes += utf8.encode(row.cells.map(cellText).join(',')).length + 1
  return Math.ceil(bytes / Math.max(1, sampleBytes / sample.length))
}

/** Slots for the key index: ≤ 75% full at the expected rows (never past the row limit). */
function keyCapacity(rows: number | undefined, maxRows: number): number {
  const wanted = Math.ceil(Math.min(rows ?? 0, maxRows) / 0.75)
  let capacity = 1 << 12
  while (capacity < wanted && capacity < 1 << 28) capacity *= 2
  return capacity
}

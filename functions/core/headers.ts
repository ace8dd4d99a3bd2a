import type { ColumnSpec, DatasetSpec } from '../../schemas/datasets.ts'
import type { DatasetName } from '../../schemas/findings.ts'
import type { CellValue } from './decode/types.ts'
import { cellText } from './values.ts'

/**
 * Header normalisation (village_report.md): Unicode NFKC (full-width `（元）` equals `(元)`),
 * trimmed, spaces and line breaks inside removed, case-insensitive for the English keys.
 */
export function normaliseHeader(header: string): string {
  return header.normalize('NFKC').replace(/[\s\u3000\u00a0\ufeff\u200b\u200c\u200d]+/g, '').toLowerCase()
}

export type HeaderIndex = ReadonlyMap<string, ColumnSpec>

const indexes = new WeakMap<DatasetSpec, HeaderIndex>()

/** Every accepted spelling of every column of a dataset, normalised. */
export function headerIndex(spec: DatasetSpec): HeaderIndex {
  let index = indexes.get(spec)
  if (!index) {
    const map = new Map<string, ColumnSpec>()
    for (const column of spec.columns) {
      for (const name of [column.key, column.zh, ...column.aliases]) map.set(normaliseHeader(name), column)
    }
    indexes.set(spec, map)
    index = map
  }
  return index
}

/** A unit in brackets after a header, as Excel sheets often write it (`脱贫人口人均纯收入（元）`). */
const UNIT_SUFFIX_RE = /\((?:元|万元|人|户|个|项|名|所|天|%)\)$/

/**
 * The column a normalised header names: one of its spellings, or one of them followed by a
 * unit in brackets (validation.md, "Reading a file").
 */
export function lookupHeader(index: HeaderIndex, normalised: string): ColumnSpec | undefined {
  const column = index.get(normalised)
  if (column || !normalised.endsWith(')')) return column
  const bare = normalised.replace(UNIT_SUFFIX_RE, '')
  return bare === normalised ? undefined : index.get(bare)
}

/** The unit a header names in brackets after the column's name (`衔接资金下达（元）` → `元`), if any. */
export function headerUnit(normalised: string): string | undefined {
  return UNIT_SUFFIX_RE.exec(normalised)?.[0].slice(1, -1)
}

/**
 * A money column's header that names the other money unit (`衔接资金下达（元）` over a column
 * asked in 万元): the figures under it are in that unit, a factor of 10,000 off. Returns the
 * two units, or undefined when the header names none, the same one, or the column is not money.
 */
export function moneyUnitConflict(header: string, column: ColumnSpec): { written: string; wanted: string } | undefined {
  const written = headerUnit(normaliseHeader(header))
  const wanted = column.unit?.zh.split('，')[0]
  const money = ['元', '万元']
  if (written === undefined || wanted === undefined || !money.includes(written) || !money.includes(wanted) || written === wanted) return undefined
  return { written, wanted }
}

/** How many distinct columns of the dataset a row's cells name. */
export function countMappedColumns(cells: readonly CellValue[], spec: DatasetSpec): number {
  const index = headerIndex(spec)
  const seen = new Set<string>()
  for (const cell of cells) {
    if (cell === null) continue
    const column = lookupHeader(index, normaliseHeader(cellText(cell)))
    if (column) seen.add(column.key)
  }
  return seen.size
}

/** The row's dataset when it is a header row (validation.md, "Reading a file"). */
export type HeaderVerdict =
  | { kind: 'header'; dataset: DatasetName }
  | { kind: 'tie' }
  | { kind: 'none' }

export const MIN_HEADER_COLUMNS = 3
export const HEADER_SEARCH_ROWS = 10

/**
 * A row is a header row when at least 3 of its cells map to keys of one dataset; the dataset
 * with the most mapped headers wins, and a tie names none.
 */
export function classifyHeaderRow(cells: readonly CellValue[], candidates: readonly DatasetSpec[]): HeaderVerdict {
  let best = 0
  let winners: DatasetSpec[] = []
  for (const spec of candidates) {
    const n = countMappedColumns(cells, spec)
    if (n < MIN_HEADER_COLUMNS) continue
    if (n > best) {
      best = n
      winners = [spec]
    } else if (n === best) {
      winners.push(spec)
    }
  }
  if (winners.length === 0) return { kind: 'none' }
  if (winners.length > 1) return { kind: 'tie' }
  return { kind: 'header', dataset: winners[0]!.name }
}

export interface ColumnBinding {
  column: ColumnSpec
  /** Index of the cell in each row. */
  index: number
  /** The header exactly as the file wrote it. */
  header: string
  /** Column letter(s) for `cell` (XLSX and CSV; undefined for JSON). */
  letter: string
}

export interface HeaderMapping {
  bindings: ColumnBinding[]
  unknown: { index: number; header: string; letter: string }[]
  duplicates: { column: ColumnSpec; index: number; header: string; letter: string; first: ColumnBinding }[]
  missing: ColumnSpec[]
}

/** 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1
  let s = ''
  while (n > 0) {
    const r = (n - 1) % 26
    s = String.fromCharCode(65 + r) + s
    n = Math.floor((n - 1) / 26)
  }
  return s
}

/** Binds the header cells to the dataset's columns; the first of two duplicate headers is used. */
export function mapHeader(cells: readonly CellValue[], spec: DatasetSpec): HeaderMapping {
  const index = headerIndex(spec)
  const bindings: ColumnBinding[] = []
  const unknown: HeaderMapping['unknown'] = []
  const duplicates: HeaderMapping['duplicates'] = []
  const byKey = new Map<string, ColumnBinding>()
  cells.forEach((cell, i) => {
    const header = cellText(cell)
    const normalised = normaliseHeader(header)
    if (normalised === '') return
    const column = lookupHeader(index, normalised)
    const letter = columnLetter(i)
    if (!column) {
      unknown.push({ index: i, header, letter })
      return
    }
    const first = byKey.get(column.key)
    if (first) {
      duplicates.push({ column, index: i, header, letter, first })
      return
    }
    const binding = { column, index: i, header, letter }
    byKey.set(column.key, binding)
    bindings.push(binding)
  })
  const missing = spec.columns.filter((c) => c.required === true && !byKey.has(c.key))
  // Bindings in the dataset's column order, so findings of one row come in a stable order.
  const order = new Map(spec.columns.map((c, i) => [c.key, i]))
  bindings.sort((a, b) => order.get(a.column.key)! - order.get(b.column.key)!)
  return { bindings, unknown, duplicates, missing }
}

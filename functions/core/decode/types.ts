import type { Finding } from '../../../schemas/findings.ts'
import { UPLOAD_LIMITS } from '../../../schemas/settings.ts'

/**
 * A cell as the file holds it. Text formats give strings; XLSX gives numbers for numeric
 * cells (dates as Excel serials, flagged by `isDate` on the row) and booleans; JSON gives
 * its own scalars. `null` is an absent or empty cell.
 */
export type CellValue = string | number | boolean | null

export interface RawRow {
  /** 1-based line (CSV: the physical line the record starts on) or sheet row (XLSX); JSON: array index + 1. */
  line: number
  cells: CellValue[]
  /** XLSX only: indexes of cells whose number format is a date format. */
  dateCells?: ReadonlySet<number>
}

export type FileFormat = 'csv' | 'xlsx' | 'json'

/**
 * The widest row any format may yield: Excel's grid (XFD). A wider CSV record or JSON key set
 * would make every consumer's per-row work grow with the attacker's choice, not the data.
 */
export const MAX_COLUMNS = 16_384

export interface SheetSource {
  /** XLSX sheet name; undefined for CSV and JSON. */
  name?: string
  /**
   * The rows from the top of the sheet (title lines included), in order. For JSON the first
   * row yielded is a synthetic header row (line 0) holding the keys of the row objects.
   * Iterating may end early with a problem pushed to `DecodedFile.problems`.
   */
  rows(): AsyncIterable<RawRow>
}

export interface DecodedFile {
  format: FileFormat
  /** `utf-8`, `utf-8-bom` or `gb18030` for text formats. */
  encoding?: string
  /** Visible sheets in workbook order (one for CSV and JSON). */
  sheets: SheetSource[]
  /**
   * File-level findings found while reading (malformed, encoding, archive_limits, …).
   * Any finding here stops the file: the caller must not accept it.
   */
  problems: Finding[]
  /** Releases file handles; safe to call twice. */
  close(): Promise<void>
}

/** Random-access bytes: a local file, a downloaded object, or a buffer in tests. */
export interface ByteSource {
  readonly size: number
  read(position: number, length: number): Promise<Uint8Array>
  /** The bytes from the start, in chunks. */
  stream(): AsyncIterable<Uint8Array>
  close?(): Promise<void>
}

export interface DecodeLimits {
  /** `file_too_large` above this many bytes (default: schemas/settings.ts). */
  maxBytes: number
  /** XLSX: `archive_limits` above this many unpacked bytes in all. */
  maxUnpackedBytes: number
  /** XLSX: `archive_limits` above this many entries. */
  maxEntries: number
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxBytes: UPLOAD_LIMITS.maxBytes,
  maxUnpackedBytes: UPLOAD_LIMITS.maxUnpackedBytes,
  maxEntries: UPLOAD_LIMITS.maxEntries,
}

/** Either a file to read, or the findings that say why it cannot be read. */
export type DecodeResult = { ok: true; file: DecodedFile } | { ok: false; problems: Finding[] }

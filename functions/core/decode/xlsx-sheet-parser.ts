import { decodeOoxmlEscapes } from './xlsx-parts.ts'
import { nextAttribute, XmlError, type AttributeCursor, type XmlHandler } from './xml-scanner.ts'
import type { CellValue, RawRow } from './types.ts'

/** Excel's grid: 1,048,576 rows by 16,384 columns (XFD). */
const MAX_ROW = 1_048_576
const MAX_COLUMN = 16_384
/** Days from the 1900 date system's epoch to the 1904 system's. */
const DATE_1904_OFFSET = 1462
/**
 * Empty cells a gap (`<c r="XFD9">` alone in its row) makes, allowed per character of XML read,
 * plus a start allowance. Without a bound, 40-byte rows of one far-right cell are 16,384 cells
 * each: a 200 KB workbook made 1.6 GB of rows.
 */
export const GAP_CELLS_PER_CHAR = 4
const GAP_CELLS_SLACK = 1024 * 1024

export interface SheetContext {
  sharedStrings: readonly string[]
  /** Per style index: whether its number format is a date format. */
  dateStyles: readonly boolean[]
  date1904: boolean
}

const enum Collect {
  Nothing,
  Value,
  InlineText,
}

/** `B3` → 1 (0-based column); throws on anything that is not a cell reference. */
export function columnIndex(reference: string): number {
  let column = 0
  let k = 0
  for (; k < reference.length; k++) {
    const c = reference.charCodeAt(k) | 0x20 // lower-case letters too
    if (c < 0x61 || c > 0x7a) break
    column = column * 26 + (c - 0x60)
    if (column > MAX_COLUMN) break
  }
  let digits = k
  while (digits < reference.length && reference.charCodeAt(digits) >= 0x30 && reference.charCodeAt(digits) <= 0x39) digits++
  if (k === 0 || column > MAX_COLUMN || digits !== reference.length) {
    throw new XmlError(`"${reference.slice(0, 20)}" is not a cell reference`, `「${reference.slice(0, 20)}」不是单元格地址`)
  }
  return column - 1
}

/**
 * Turns the events of one worksheet's XML into rows, as the inflate stream delivers them. Only
 * `<sheetData>` is read. Completed rows collect in `rows`, which the caller drains.
 *
 * Cells become: shared and inline strings, formula string results (`str`) and error values
 * (`e`, e.g. `#DIV/0!`) → string; booleans → boolean; numbers → number (a formula's cached
 * value, never the formula); an ISO date cell (`d`) → its text. Cells without `r` take the next
 * column and rows without `r` the next number; absent cells are `null`; trailing empty cells
 * are not represented.
 */
export class SheetRowParser implements XmlHandler {
  readonly rows: RawRow[] = []
  readonly #context: SheetContext
  #inSheetData = false
  #inRow = false
  #lastRow = 0
  #rowNumber = 0
  #cells: CellValue[] = []
  #dateCells: Set<number> | undefined
  #nextColumn = 0
  #inCell = false
  #column = 0
  #type = 'n'
  #style = 0
  #hasValue = false
  #value = ''
  #inInline = false
  #hasInline = false
  #inline = ''
  #phonetic = 0
  #collect: Collect = Collect.Nothing
  #gapCells = GAP_CELLS_SLACK
  readonly #cursor: AttributeCursor = { name: '', value: '', end: 0 }

  constructor(context: SheetContext) {
    this.#context = context
  }

  /** Allows the empty cells of gaps for `chars` more characters of XML (call before pushing them). */
  allowGapCells(chars: number): void {
    this.#gapCells += chars * GAP_CELLS_PER_CHAR
  }

  open(name: string, attributes: string, selfClosing: boolean): void {
    switch (name) {
      case 'sheetData':
        this.#inSheetData = !selfClosing
        return
      case 'row':
        if (this.#inSheetData) this.#openRow(attributes)
        return
      case 'c':
        if (this.#inRow) this.#openCell(attributes)
        return
      case 'v':
        if (this.#inCell && !selfClosing) {
          this.#collect = Collect.Value
          this.#hasValue = true
        }
        return
      case 'is':
        if (this.#inCell) {
          this.#inInline = !selfClosing
          this.#hasInline = true
        }
        return
      case 't':
        if (this.#inInline && this.#phonetic === 0 && !selfClosing) this.#collect = Collect.InlineText
        return
      case 'rPh':
        if (this.#inInline && !selfClosing) this.#phonetic++
        return
    }
  }

  close(name: string): void {
    switch (name) {
      case 'v':
      case 't':
        this.#collect = Collect.Nothing
        return
      case 'rPh':
        if (this.#phonetic > 0) this.#phonetic--
        return
      case 'is':
        this.#inInline = false
        return
      case 'c':
        if (this.#inCell) this.#closeCell()
        return
      case 'row':
        if (this.#inRow) this.#closeRow()
        return
      case 'sheetData':
        this.#inSheetData = false
        return
    }
  }

  text(value: string): void {
    if (this.#collect === Collect.Value) this.#value += value
    else if (this.#collect === Collect.InlineText) this.#inline += value
  }

  #openRow(attributes: string): void {
    let number = this.#lastRow + 1
    const cursor = this.#cursor
    for (let at = 0; nextAttribute(attributes, at, cursor); at = cursor.end) {
      if (cursor.name === 'r') {
        number = Number(cursor.value)
        break
      }
    }
    if (!Number.isInteger(number) || number < 1 || number > MAX_ROW) {
      throw new XmlError(`a row number outside 1–${MAX_ROW}`, `行号超出 1–${MAX_ROW}`)
    }
    this.#rowNumber = number
    this.#inRow = true
    this.#cells = []
    this.#dateCells = undefined
    this.#nextColumn = 0
  }

  #closeRow(): void {
    const row: RawRow = { line: this.#rowNumber, cells: this.#cells }
    if (this.#dateCells !== undefined) row.dateCells = this.#dateCells
    this.rows.push(row)
    this.#lastRow = this.#rowNumber
    this.#inRow = false
    this.#cells = []
    this.#dateCells = undefined
  }

  #openCell(attributes: string): void {
    let column = this.#nextColumn
    let type = 'n'
    let style = 0
    const cursor = this.#cursor
    for (let at = 0; nextAttribute(attributes, at, cursor); at = cursor.end) {
      const key = cursor.name
      if (key === 'r') column = columnIndex(cursor.value)
      else if (key === 't') type = cursor.value
      else if (key === 's') style = Number(cursor.value)
    }
    if (column >= MAX_COLUMN) throw new XmlError('a cell past column XFD', '单元格超出 XFD 列')
    this.#inCell = true
    this.#column = column
    this.#type = type
    this.#style = style
    this.#hasValue = false
    this.#value = ''
    this.#hasInline = false
    this.#inline = ''
    this.#phonetic = 0
  }

  #closeCell(): void {
    this.#inCell = false
    this.#inInline = false
    this.#collect = Collect.Nothing
    const column = this.#column
    this.#nextColumn = column + 1
    let value: CellValue = null
    let isDate = false
    const text = this.#value
    switch (this.#type) {
      case 's': {
        if (!this.#hasValue || text.trim() === '') break
        const index = Number(text)
        const shared = Number.isInteger(index) ? this.#context.sharedStrings[index] : undefined
        if (shared === undefined) {
          const where = `${columnLetters(column)}${this.#rowNumber}`
          throw new XmlError(`cell ${where} refers to shared string ${text.slice(0, 20)}, which does not exist`, `单元格 ${where} 引用了不存在的共享字符串 ${text.slice(0, 20)}`)
        }
        value = shared
        break
      }
      case 'inlineStr':
        if (this.#hasInline) value = decodeOoxmlEscapes(this.#inline)
        else if (this.#hasValue) value = decodeOoxmlEscapes(text)
        break
      case 'str':
        if (this.#hasValue) value = decodeOoxmlEscapes(text)
        break
      case 'b':
        if (!this.#hasValue) break
        if (text === '1' || text === 'true') value = true
        else if (text === '0' || text === 'false') value = false
        else value = text
        break
      case 'e':
      case 'd':
        if (this.#hasValue) value = text
        break
      default: {
        if (!this.#hasValue || text.trim() === '') break
        const number = Number(text)
        // A number that is not one is handed on as written; the column's parser judges it.
        if (!Number.isFinite(number)) {
          value = text
          break
        }
        isDate = this.#context.dateStyles[this.#style] === true
        // 1904-system serials are moved to the 1900 system: consumers convert one way only.
        value = isDate && this.#context.date1904 ? number + DATE_1904_OFFSET : number
      }
    }
    if (value === null) return
    const cells = this.#cells
    if (column > cells.length) {
      this.#gapCells -= column - cells.length
      if (this.#gapCells < 0) {
        const where = `${columnLetters(column)}${this.#rowNumber}`
        throw new XmlError(
          `cell ${where}: too many empty cells before it in this sheet (rows of a few cells far to the right)`,
          `单元格 ${where}：此工作表中其前方的空单元格过多（各行只在最右侧有少数单元格）`,
        )
      }
    }
    while (cells.length < column) cells.push(null)
    cells[column] = value
    if (isDate) (this.#dateCells ??= new Set()).add(column)
    else this.#dateCells?.delete(column)
  }
}

function columnLetters(index: number): string {
  let letters = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(0x41 + ((n - 1) % 26)) + letters
  return letters
}

import { isDateFormat } from './number-format.ts'
import { forEachAttribute, XmlError, type XmlHandler } from './xml-scanner.ts'

/**
 * Handlers for the small parts of a workbook, each fed by an `XmlScanner` while the part is
 * inflated: `xl/workbook.xml`, its relationships, the shared strings and the styles.
 */

/**
 * Decodes the `_xHHHH_` escapes of OOXML strings (ECMA-376 Part 1, 22.9.2.19): Excel writes a
 * carriage return as `_x000D_`, and a literal `_x` as `_x005F_x`.
 */
export function decodeOoxmlEscapes(text: string): string {
  if (text.indexOf('_x') === -1) return text
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

export interface WorkbookSheet {
  name: string
  relationshipId: string
  /** `state="hidden"` or `veryHidden`: such sheets are not offered for reading. */
  hidden: boolean
}

export class WorkbookHandler implements XmlHandler {
  readonly sheets: WorkbookSheet[] = []
  /** Serial dates count from 1904-01-01 instead of 1900-01-01. */
  date1904 = false
  #inSheets = false

  open(name: string, attributes: string, selfClosing: boolean): void {
    if (name === 'sheets') this.#inSheets = !selfClosing
    else if (name === 'workbookPr') {
      forEachAttribute(attributes, (key, value) => {
        if (key === 'date1904') this.date1904 = value === '1' || value === 'true'
      })
    } else if (name === 'sheet' && this.#inSheets) {
      let sheetName: string | undefined
      let relationshipId: string | undefined
      let state = 'visible'
      forEachAttribute(attributes, (key, value) => {
        if (key === 'name') sheetName = value
        else if (key === 'state') state = value
        // The relationships namespace prefix is usually `r`, but any prefix is allowed.
        else if (key.endsWith(':id')) relationshipId = value
      })
      if (sheetName === undefined || relationshipId === undefined) {
        throw new XmlError('a <sheet> without a name or relationship id', '工作表缺少名称或关系编号')
      }
      this.sheets.push({ name: sheetName, relationshipId, hidden: state === 'hidden' || state === 'veryHidden' })
    }
  }

  close(name: string): void {
    if (name === 'sheets') this.#inSheets = false
  }

  text(): void {}
}

export interface Relationship {
  type: string
  /** The target part's path inside the ZIP, resolved against `xl/`, without a leading `/`. */
  path: string
  external: boolean
}

/** Resolves a relationship target of `xl/workbook.xml` to a ZIP path (OPC part names). */
export function resolveTarget(target: string, baseFolder = 'xl/'): string {
  let decoded = target
  try {
    decoded = decodeURIComponent(target)
  } catch {
    // A stray % is taken literally.
  }
  const joined = decoded.startsWith('/') ? decoded.slice(1) : baseFolder + decoded
  const parts: string[] = []
  for (const part of joined.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/')
}

export class RelationshipsHandler implements XmlHandler {
  readonly byId = new Map<string, Relationship>()

  open(name: string, attributes: string): void {
    if (name !== 'Relationship') return
    let id: string | undefined
    let target: string | undefined
    let type = ''
    let external = false
    forEachAttribute(attributes, (key, value) => {
      if (key === 'Id') id = value
      else if (key === 'Target') target = value
      else if (key === 'Type') type = value
      else if (key === 'TargetMode') external = value === 'External'
    })
    if (id === undefined || target === undefined) return
    this.byId.set(id, { type, path: external ? target : resolveTarget(target), external })
  }

  close(): void {}
  text(): void {}
}

/**
 * `<si>` items: plain `<t>`, or rich text whose `<r><t>` runs are concatenated. Phonetic
 * guides (`<rPh>`, furigana/pinyin) are not part of the value and are skipped. Whitespace is
 * kept as written whatever `xml:space` says: cells are handed on exactly, parsers trim.
 */
export class SharedStringsHandler implements XmlHandler {
  readonly strings: string[] = []
  #inItem = false
  #phonetic = 0
  #collecting = false
  #current = ''

  open(name: string, _attributes: string, selfClosing: boolean): void {
    if (name === 'si') {
      this.#inItem = true
      this.#current = ''
      if (selfClosing) return
    } else if (name === 'rPh' && this.#inItem) {
      if (!selfClosing) this.#phonetic++
    } else if (name === 't' && this.#inItem && this.#phonetic === 0) {
      this.#collecting = !selfClosing
    }
  }

  close(name: string): void {
    if (name === 't') this.#collecting = false
    else if (name === 'rPh' && this.#phonetic > 0) this.#phonetic--
    else if (name === 'si' && this.#inItem) {
      this.strings.push(decodeOoxmlEscapes(this.#current))
      this.#inItem = false
      this.#phonetic = 0
      this.#current = ''
    }
  }

  text(value: string): void {
    if (this.#collecting) this.#current += value
  }
}

/** `cellXfs` number formats: which style indexes show dates. */
export class StylesHandler implements XmlHandler {
  readonly #customCodes = new Map<number, string>()
  readonly #formatIds: number[] = []
  #inCellXfs = false

  open(name: string, attributes: string, selfClosing: boolean): void {
    if (name === 'numFmt') {
      let id: number | undefined
      let code: string | undefined
      forEachAttribute(attributes, (key, value) => {
        if (key === 'numFmtId') id = Number(value)
        else if (key === 'formatCode') code = value
      })
      if (id !== undefined && Number.isInteger(id) && code !== undefined) this.#customCodes.set(id, code)
    } else if (name === 'cellXfs') {
      this.#inCellXfs = !selfClosing
    } else if (name === 'xf' && this.#inCellXfs) {
      let id = 0
      forEachAttribute(attributes, (key, value) => {
        if (key === 'numFmtId') id = Number(value)
      })
      this.#formatIds.push(Number.isInteger(id) ? id : 0)
    }
  }

  close(name: string): void {
    if (name === 'cellXfs') this.#inCellXfs = false
  }

  text(): void {}

  /** Per style index (`s` of a cell), whether its number format is a date format. */
  dateStyles(): boolean[] {
    return this.#formatIds.map((id) => isDateFormat(id, this.#customCodes))
  }
}

/**
 * Minimal, valid XLSX workbooks for tests, written by hand so every byte is known:
 * a workbook, its relationships, shared strings, styles and one part per sheet.
 *
 *   buildXlsx({ sheets: [{ name: '村报表', rows: [['村代码', '总人口'], ['522226101203', 512]] }] })
 *
 * Cells: a string (a shared string, or inline with `strings: 'inline'`), a number, a boolean,
 * `null` (no cell written: a gap), or one of the object forms of `XlsxCell`. To break a part,
 * take `xlsxEntries(spec)`, change an entry, and pass them to `writeZip`.
 */
import { writeZip, type ZipEntrySpec } from './zip-writer.ts'

export type XlsxCell =
  | string
  | number
  | boolean
  | null
  /** A numeric serial styled with a date format (this one, else the workbook's `dateFormat`). */
  | { date: number; format?: number | string }
  /** A number with an explicit number format (built-in id or custom code). */
  | { number: number; format: number | string }
  /** An inline string (`t="inlineStr"`), whatever `strings` says. */
  | { inline: string }
  /** A formula with its cached result: a string result is written `t="str"`. */
  | { formula: string; value: string | number | boolean }
  /** An error value (`t="e"`), e.g. `#DIV/0!`. */
  | { error: string }
  /** A rich-text shared string: the runs, and an optional phonetic guide (`<rPh>`). */
  | { rich: string[]; phonetic?: string }

export interface XlsxRowSpec {
  /** Sheet row number; defaults to the row after the previous one. */
  row: number
  cells: XlsxCell[]
}

export interface XlsxSheetSpec {
  name: string
  /** `true` writes `state="hidden"`; `'veryHidden'` that state. */
  hidden?: boolean | 'veryHidden'
  /** Rows from row 1 down; `{ row, cells }` places a row (the rows skipped are absent). */
  rows: (XlsxCell[] | XlsxRowSpec)[]
  /** Write rows and cells without `r` (positions implied by order; gaps as empty `<c/>`). */
  omitReferences?: boolean
}

export interface XlsxSpec {
  sheets: XlsxSheetSpec[]
  /** Number format of `{ date }` cells without their own: a built-in id or a custom code. Default 14. */
  dateFormat?: number | string
  /** `shared` (default, as Excel writes) or `inline` strings. */
  strings?: 'shared' | 'inline'
  /** The 1904 date system (`<workbookPr date1904="1"/>`). */
  date1904?: boolean
  /** Relationship targets as absolute `/xl/worksheets/…` paths instead of relative ones. */
  absoluteTargets?: boolean
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`)
}

/** `0` → `A`, `27` → `AB`. */
export function columnName(index: number): string {
  let name = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name
  return name
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships'

class Styles {
  readonly #formats: (number | string)[] = []

  /** The cellXfs index for a number format; index 0 is General. */
  index(format: number | string): number {
    let at = this.#formats.indexOf(format)
    if (at === -1) {
      this.#formats.push(format)
      at = this.#formats.length - 1
    }
    return at + 1
  }

  xml(): string {
    const custom = this.#formats.filter((f): f is string => typeof f === 'string')
    const idOf = (f: number | string) => (typeof f === 'number' ? f : 164 + custom.indexOf(f))
    const numFmts = custom.length === 0 ? '' :
      `<numFmts count="${custom.length}">${custom.map((code) => `<numFmt numFmtId="${idOf(code)}" formatCode="${escapeXml(code)}"/>`).join('')}</numFmts>`
    const xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
      ...this.#formats.map((f) => `<xf numFmtId="${idOf(f)}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`)]
    return `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">${numFmts}` +
      '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>' +
      '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs></styleSheet>`
  }
}

class SharedStrings {
  readonly #items: string[] = []
  readonly #index = new Map<string, number>()

  add(itemXml: string): number {
    let at = this.#index.get(itemXml)
    if (at === undefined) {
      at = this.#items.length
      this.#items.push(itemXml)
      this.#index.set(itemXml, at)
    }
    return at
  }

  xml(): string {
    return `${XML_HEAD}<sst xmlns="${MAIN_NS}" count="${this.#items.length}" uniqueCount="${this.#items.length}">${this.#items.join('')}</sst>`
  }
}

function textElement(text: string): string {
  const space = /^\s|\s$/.test(text) ? ' xml:space="preserve"' : ''
  return `<t${space}>${escapeXml(text)}</t>`
}

function cellXml(cell: XlsxCell, ref: string, spec: XlsxSpec, styles: Styles, strings: SharedStrings): string {
  const r = ref === '' ? '' : ` r="${ref}"`
  if (cell === null) return ref === '' ? '<c/>' : ''
  if (typeof cell === 'string') {
    if (spec.strings === 'inline') return `<c${r} t="inlineStr"><is>${textElement(cell)}</is></c>`
    return `<c${r} t="s"><v>${strings.add(`<si>${textElement(cell)}</si>`)}</v></c>`
  }
  if (typeof cell === 'number') return `<c${r}><v>${cell}</v></c>`
  if (typeof cell === 'boolean') return `<c${r} t="b"><v>${cell ? 1 : 0}</v></c>`
  if ('date' in cell) return `<c${r} s="${styles.index(cell.format ?? spec.dateFormat ?? 14)}"><v>${cell.date}</v></c>`
  if ('number' in cell) return `<c${r} s="${styles.index(cell.format)}"><v>${cell.number}</v></c>`
  if ('inline' in cell) return `<c${r} t="inlineStr"><is>${textElement(cell.inline)}</is></c>`
  if ('error' in cell) return `<c${r} t="e"><v>${escapeXml(cell.error)}</v></c>`
  if ('formula' in cell) {
    const f = `<f>${escapeXml(cell.formula)}</f>`
    if (typeof cell.value === 'string') return `<c${r} t="str">${f}<v>${escapeXml(cell.value)}</v></c>`
    if (typeof cell.value === 'boolean') return `<c${r} t="b">${f}<v>${cell.value ? 1 : 0}</v></c>`
    return `<c${r}>${f}<v>${cell.value}</v></c>`
  }
  const runs = cell.rich.map((run, i) => `<r>${i % 2 === 1 ? '<rPr><b/></rPr>' : ''}${textElement(run)}</r>`).join('')
  const phonetic = cell.phonetic === undefined ? '' : `<rPh sb="0" eb="1">${textElement(cell.phonetic)}</rPh><phoneticPr fontId="0" type="noConversion"/>`
  return `<c${r} t="s"><v>${strings.add(`<si>${runs}${phonetic}</si>`)}</v></c>`
}

function sheetXml(sheet: XlsxSheetSpec, spec: XlsxSpec, styles: Styles, strings: SharedStrings): string {
  const rows: string[] = []
  let next = 1
  for (const entry of sheet.rows) {
    const { row, cells } = Array.isArray(entry) ? { row: next, cells: entry } : entry
    next = row + 1
    const body = cells.map((cell, column) => cellXml(cell, sheet.omitReferences ? '' : `${columnName(column)}${row}`, spec, styles, strings)).join('')
    rows.push(sheet.omitReferences ? `<row>${body}</row>` : `<row r="${row}">${body}</row>`)
  }
  return `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheetViews><sheetView workbookViewId="0"/></sheetViews>` +
    `<sheetFormatPr defaultRowHeight="15"/><sheetData>${rows.join('')}</sheetData>` +
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
}

/** The entries of the workbook's ZIP, in the order Excel writes them. */
export function xlsxEntries(spec: XlsxSpec): ZipEntrySpec[] {
  const styles = new Styles()
  const strings = new SharedStrings()
  const sheetParts = spec.sheets.map((sheet) => sheetXml(sheet, spec, styles, strings))
  const sheetPath = (i: number) => `xl/worksheets/sheet${i + 1}.xml`

  const contentTypes = `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    spec.sheets.map((_s, i) => `<Override PartName="/${sheetPath(i)}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
    '</Types>'
  const rootRels = `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
    `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`
  const state = (sheet: XlsxSheetSpec) => (sheet.hidden === 'veryHidden' ? ' state="veryHidden"' : sheet.hidden ? ' state="hidden"' : '')
  const workbook = `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    (spec.date1904 ? '<workbookPr date1904="1"/>' : '<workbookPr/>') +
    `<sheets>${spec.sheets.map((sheet, i) => `<sheet name="${escapeXml(sheet.name)}" sheetId="${i + 1}"${state(sheet)} r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`
  const count = spec.sheets.length
  const workbookRels = `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
    spec.sheets.map((_s, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="${spec.absoluteTargets ? '/' + sheetPath(i) : `worksheets/sheet${i + 1}.xml`}"/>`).join('') +
    `<Relationship Id="rId${count + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
    `<Relationship Id="rId${count + 2}" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`

  return [
    { name: '[Content_Types].xml', data: contentTypes },
    { name: '_rels/.rels', data: rootRels },
    { name: 'xl/workbook.xml', data: workbook },
    { name: 'xl/_rels/workbook.xml.rels', data: workbookRels },
    ...sheetParts.map((xml, i) => ({ name: sheetPath(i), data: xml })),
    { name: 'xl/styles.xml', data: styles.xml() },
    { name: 'xl/sharedStrings.xml', data: strings.xml() },
  ]
}

/** A complete .xlsx file. */
export function buildXlsx(spec: XlsxSpec): Uint8Array {
  return writeZip(xlsxEntries(spec))
}

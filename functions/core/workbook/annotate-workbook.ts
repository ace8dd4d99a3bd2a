import { holdsIdNumber } from '../findings.ts'
import ExcelJS from 'exceljs'
import type { Cell, Comment, Fill, Worksheet, WorksheetView } from 'exceljs'
import type { Finding, FindingCode, ValidationReport } from '../../../schemas/findings.ts'
import { bufferByteSource } from '../decode/byte-source.ts'
import { DecodeStop } from '../decode/decode-problem.ts'
import { XmlError, XmlScanner, attribute } from '../decode/xml-scanner.ts'
import type { ByteCodecs } from '../decode/byte-codecs.ts'
import { UnpackBudget, ZipArchive } from '../decode/zip-reader.ts'
import { CODE_CATALOGUE, RULE_CATALOGUE } from '../findings.ts'

/**
 * The county's own workbook handed back with its problems marked (the answer to a rejected
 * XLSX upload): every cell a finding names is filled and carries the findings as a note, and
 * a first sheet lists every finding of the report with the counts per code. Values are never
 * changed. The report stays the answer: this copy is a courtesy, so any workbook that cannot
 * be opened safely gives `undefined`, never an exception.
 */

export const FINDINGS_SHEET = '问题清单 Findings'

export interface AnnotateOptions {
  /** The runtime's inflate and CRC-32, for reading the original archive first. */
  codecs: ByteCodecs
  /**
   * exceljs holds the whole workbook in memory, several times its unpacked size: beyond this
   * many unpacked bytes no copy is made (default 50 MB, a few hundred thousand rows).
   */
  maxUnpackedBytes?: number
  /** Entries beyond this many: no copy (the decoder's default limit). */
  maxEntries?: number
  /**
   * Cells covered by all data-validation (or all merge) ranges beyond which those ranges are
   * left out of the copy (default 250,000; a template's validations cover 72,000).
   */
  maxRangeCells?: number
}

const DEFAULT_MAX_UNPACKED = 50 * 1024 * 1024
const DEFAULT_MAX_ENTRIES = 10_000
const DEFAULT_MAX_RANGE_CELLS = 250_000

/**
 * File-level codes after which the bytes are not handed to exceljs: it inflates every entry
 * without limits, and these say the file is not a workbook or not a safe one.
 */
const UNOPENABLE: ReadonlySet<FindingCode> = new Set(['unsupported_format', 'malformed', 'encoding', 'file_too_large', 'archive_limits'])

const ERROR_FILL = 'FFFFC7CE'
const WARNING_FILL = 'FFFFEB9C'
const HEADER_FILL = 'FFD9D9D9'
/** Opens every note this module writes, so that annotating an annotated copy replaces it. */
const NOTE_MARK = '【校验问题 Validation findings】'

/** exceljs reads and writes `tabSelected` but does not declare it. */
type SheetView = Partial<WorksheetView> & { tabSelected?: boolean }

const CELL_RE = /^([A-Z]{1,3})([1-9]\d{0,6})$/
const FORMULA_LIKE_RE = /^[=+\-@\t\r]/

/**
 * The annotated copy of `original`, or undefined when it is not a workbook exceljs can open
 * within the limits. Findings of `head_id_number` never echo a value (the report has none,
 * and none is written here either).
 */
export async function annotateWorkbook(original: Uint8Array, report: ValidationReport, options: AnnotateOptions): Promise<Uint8Array | undefined> {
  try {
    if (report.findings.some((f) => UNOPENABLE.has(f.code))) return undefined
    const inspected = await inspectArchive(original, options)
    if (!inspected) return undefined
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(original.buffer, original.byteOffset, original.byteLength) as unknown as ExcelJS.Buffer, { ignoreNodes: inspected.ignoreNodes })
    if (wb.worksheets.length === 0) return undefined

    removeEarlierAnnotations(wb)
    maskIdNumbers(wb)
    markCells(wb, report.findings)
    addFindingsSheet(wb, report, inspected.ignoreNodes)

    const out = await wb.xlsx.writeBuffer()
    return new Uint8Array(out)
  } catch {
    // exceljs fails on workbooks it cannot model (corrupt parts, features it does not
    // support); the county still has the report, which says everything the copy would.
    return undefined
  }
}

/**
 * The copy is stored with the reports, where no personal ID number may be: any cell holding a
 * valid resident ID number is replaced by a marker (the county keeps its own original).
 */
function maskIdNumbers(wb: ExcelJS.Workbook): void {
  for (const sheet of wb.worksheets) {
    sheet.eachRow({ includeEmpty: false }, (row) => {
      row.eachCell({ includeEmpty: false }, (cell) => {
        const v = cell.value
        const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : ''
        if (text && holdsIdNumber(text)) cell.value = ID_MASK
      })
    })
  }
}

/** What replaces an ID number in the annotated copy. */
export const ID_MASK = '（身份证号已隐去 ID hidden）'

/**
 * Reads the archive with the pipeline's own ZIP reader first, inflating every entry against
 * the budget, so that exceljs (which trusts the headers) only ever sees an honest, bounded
 * archive of well-formed XML without declarations. exceljs also makes one object per cell of
 * every data-validation and merge range: a validation over whole columns (common in county
 * workbooks) would cost minutes and gigabytes, so such ranges are not read into the copy.
 */
async function inspectArchive(bytes: Uint8Array, options: AnnotateOptions): Promise<{ ignoreNodes: string[] } | undefined> {
  const max = options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED
  const maxRangeCells = options.maxRangeCells ?? DEFAULT_MAX_RANGE_CELLS
  try {
    const zip = await ZipArchive.open(bufferByteSource(bytes), options.maxEntries ?? DEFAULT_MAX_ENTRIES, options.codecs)
    if (zip.entries.reduce((sum, e) => sum + e.uncompressedSize, 0) > max) return undefined
    const budget = new UnpackBudget(max)
    const areas = { dataValidation: 0, mergeCell: 0 }
    for (const entry of zip.entries) {
      if (!/^xl\/worksheets\/[^/]+\.xml$/.test(entry.key)) {
        for await (const chunk of zip.chunks(entry, budget)) void chunk
        continue
      }
      const scanner = new XmlScanner({
        open(name, attributes) {
          if (name === 'dataValidation') areas.dataValidation += rangeCells(attribute(attributes, 'sqref'))
          else if (name === 'mergeCell') areas.mergeCell += rangeCells(attribute(attributes, 'ref'))
        },
        close() {},
        text() {},
      })
      const decoder = new TextDecoder('utf-8', { fatal: true })
      for await (const chunk of zip.chunks(entry, budget)) scanner.push(decoder.decode(chunk, { stream: true }))
      scanner.push(decoder.decode())
      scanner.end()
    }
    const ignoreNodes: string[] = []
    if (areas.dataValidation > maxRangeCells) ignoreNodes.push('dataValidations')
    if (areas.mergeCell > maxRangeCells) ignoreNodes.push('mergeCells')
    return { ignoreNodes }
  } catch (error) {
    if (error instanceof DecodeStop || error instanceof XmlError || isInvalidUtf8(error)) return undefined
    throw error
  }
}

function isInvalidUtf8(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_ENCODING_INVALID_ENCODED_DATA'
}

const SHEET_ROWS = 1_048_576
const SHEET_COLUMNS = 16_384

/** Cells covered by a space-separated list of references (`A2:A2001 C3`, `B:B`, `2:5`). */
export function rangeCells(sqref: string | undefined): number {
  if (sqref === undefined) return 0
  let total = 0
  for (const ref of sqref.trim().split(/\s+/)) {
    if (ref === '') continue
    const [from, to = from] = ref.split(':') as [string, string?]
    const a = /^\$?([A-Za-z]{0,3})\$?(\d{0,7})$/.exec(from)
    const b = /^\$?([A-Za-z]{0,3})\$?(\d{0,7})$/.exec(to)
    if (!a || !b || (a[1] === '' && a[2] === '') || (b[1] === '' && b[2] === '')) return Number.POSITIVE_INFINITY
    const rows = a[2] === '' || b[2] === '' ? SHEET_ROWS : Math.abs(Number(b[2]) - Number(a[2])) + 1
    const cols = a[1] === '' || b[1] === '' ? SHEET_COLUMNS : Math.abs(columnNumber(b[1]!) - columnNumber(a[1]!)) + 1
    total += rows * cols
  }
  return total
}

function columnNumber(letters: string): number {
  let n = 0
  for (const c of letters.toUpperCase()) n = n * 26 + (c.charCodeAt(0) - 64)
  return n
}

function noteText(note: string | Comment | undefined): string {
  if (note === undefined) return ''
  if (typeof note === 'string') return note
  return (note.texts ?? []).map((t) => t.text).join('')
}

/**
 * A county that fixes an annotated copy and uploads it again gets a fresh copy: the old
 * findings sheet goes, and so do the notes and fills this module wrote (a note opening with
 * NOTE_MARK, and the fill only where such a note was).
 */
function removeEarlierAnnotations(wb: ExcelJS.Workbook): void {
  const old = wb.worksheets.find((ws) => ws.name === FINDINGS_SHEET)
  if (old) wb.removeWorksheet(old.id)
  for (const ws of wb.worksheets) {
    ws.eachRow({ includeEmpty: false }, (row) => {
      row.eachCell({ includeEmpty: true }, (cell) => {
        const note = cell.note
        if (note === undefined || !noteText(note).startsWith(NOTE_MARK)) return
        const rest = typeof note === 'string' ? [] : (note.texts ?? []).slice(1)
        // The county's own note, kept after ours, comes back as it was.
        if (rest.length) cell.note = { ...(note as Comment), texts: rest }
        else clearNote(cell)
        const fill = cell.fill as Fill | undefined
        const argb = fill?.type === 'pattern' ? fill.fgColor?.argb : undefined
        if (argb === ERROR_FILL || argb === WARNING_FILL) cell.style = { ...cell.style, fill: { type: 'pattern', pattern: 'none' } }
      })
    })
  }
}

function clearNote(cell: Cell): void {
  // exceljs has no API to delete a note: it lives on the cell and, for a loaded cell, also in
  // the model of its value, from which the writer would bring it back.
  const inner = cell as unknown as { _comment?: unknown; _value?: { model?: { comment?: unknown } } }
  inner._comment = undefined
  if (inner._value?.model) delete inner._value.model.comment
}

const SEVERITY_WORDS = { error: '错误 error', warning: '警告 warning', 'error or warning': '错误或警告 error or warning' } as const

function severityWords(f: Finding): string {
  return SEVERITY_WORDS[f.severity]
}

function markCells(wb: ExcelJS.Workbook, findings: readonly Finding[]): void {
  // Findings of one cell, in report order: one note holds them all.
  const byCell = new Map<string, { ws: Worksheet; address: string; findings: Finding[] }>()
  for (const f of findings) {
    if (f.cell === undefined || f.sheet === undefined || !CELL_RE.test(f.cell)) continue
    const ws = wb.getWorksheet(f.sheet)
    if (!ws || ws.name === FINDINGS_SHEET) continue
    const key = `${ws.id}!${f.cell}`
    const entry = byCell.get(key)
    if (entry) entry.findings.push(f)
    else byCell.set(key, { ws, address: f.cell, findings: [f] })
  }
  for (const { ws, address, findings: list } of byCell.values()) {
    const cell = ws.getCell(address)
    const lines = list.map((f, i) => `${i + 1}. ${severityWords(f)} · ${f.rule ?? f.code}\n${f.message.zh}\n${f.message.en}`)
    const ours = { text: `${NOTE_MARK}\n${lines.join('\n\n')}`, font: { size: 9 } }
    const existing = cell.note
    const theirs = existing === undefined ? [] : typeof existing === 'string' ? [{ text: existing }] : existing.texts ?? []
    if (theirs.length) ours.text += '\n\n'
    cell.note = { texts: [ours, ...theirs], editAs: 'absolute' }
    const argb = list.some((f) => f.severity === 'error') ? ERROR_FILL : WARNING_FILL
    // Loaded cells share style objects with every cell of the same style: copy, then change.
    cell.style = { ...cell.style, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb } } }
  }
}

/** Text that a spreadsheet would take for a formula is kept as text (`@`), never evaluated. */
function put(cell: Cell, value: string | number | undefined): void {
  if (value === undefined || value === '') return
  cell.value = value
  if (typeof value === 'string' && FORMULA_LIKE_RE.test(value)) cell.numFmt = '@'
}

const COLUMNS: readonly { title: string; width: number }[] = [
  { title: '序号\nNo.', width: 6 },
  { title: '严重程度\nSeverity', width: 11 },
  { title: '问题代码\nCode', width: 16 },
  { title: '规则\nRule', width: 7 },
  { title: '数据行\nRow', width: 7 },
  { title: '单元格\nCell', width: 8 },
  { title: '工作表\nSheet', width: 12 },
  { title: '列\nColumn', width: 20 },
  { title: '表头\nHeader', width: 16 },
  { title: '值\nValue', width: 14 },
  { title: '说明（中文）', width: 50 },
  { title: 'Message (English)', width: 50 },
]

function statusLine(report: ValidationReport): string {
  const status = report.status === 'accepted' ? '通过 accepted' : '拒收 rejected'
  const parts = [`校验结果 Result：${status}`]
  if (report.dataset) parts.push(`数据集 dataset ${report.dataset}`)
  if (report.county) parts.push(`县 county ${report.county}`)
  if (report.period) parts.push(`报告期 period ${report.period}`)
  parts.push(`数据行 rows ${report.rows.total}，通过 accepted ${report.rows.accepted}，拒收 rejected ${report.rows.rejected}`)
  return parts.join('  ·  ')
}

function addFindingsSheet(wb: ExcelJS.Workbook, report: ValidationReport, leftOut: readonly string[]): void {
  const ws = wb.addWorksheet(FINDINGS_SHEET)
  // First in the workbook, and the one that opens; no other tab stays selected with it
  // (two selected tabs would group them, and typing would change both).
  const ordered = (w: Worksheet) => w as unknown as { orderNo: number }
  ordered(ws).orderNo = Math.min(...wb.worksheets.map((w) => ordered(w).orderNo)) - 1
  for (const other of wb.worksheets) {
    if (other !== ws) other.views = (other.views ?? []).map((v) => ({ ...v, tabSelected: false }))
  }
  wb.views = [{ x: 0, y: 0, width: 20000, height: 12000, visibility: 'visible', ...(wb.views?.[0] ?? {}), firstSheet: 0, activeTab: 0 }]

  ws.columns = COLUMNS.map((c) => ({ width: c.width }))
  ws.getCell('A1').value = statusLine(report)
  ws.getCell('A1').font = { bold: true, size: 12 }
  let line = 2
  ws.getCell(`A${line++}`).value = '每个问题一行；有单元格的问题已在原工作表中标色并加批注（红色为错误，黄色为警告）。 / One line per finding; cells named by a finding are coloured in their sheet and carry a note (red: error, yellow: warning).'
  const counts = Object.entries(report.counts).sort(([a], [b]) => a.localeCompare(b)).map(([code, n]) => `${code} ${n}`)
  ws.getCell(`A${line++}`).value = counts.length ? `按代码计数 Counts：${counts.join(' · ')}` : '没有发现问题 / No findings'
  if (leftOut.length) {
    const what = leftOut.map((n) => (n === 'dataValidations' ? '数据验证（下拉列表） data validation (dropdowns)' : '合并单元格 merged cells')).join('、')
    ws.getCell(`A${line++}`).value = `此副本未保留原表的${what}（范围过大）。 / This copy leaves out the original's ${what} (the ranges are too large).`
  }
  if (report.truncated) {
    ws.getCell(`A${line++}`).value = `只列出前 ${report.findings.length} 个问题，下方计数包括全部问题。 / Only the first ${report.findings.length} findings are listed; the counts below include all of them.`
  }
  line++

  const headerLine = line
  tableHeader(ws, headerLine, Object.fromEntries(COLUMNS.map((c, i) => [i + 1, c.title])))
  report.findings.forEach((f, i) => {
    const row = ws.getRow(headerLine + 1 + i)
    const values: (string | number | undefined)[] = [
      i + 1, severityWords(f), f.code, f.rule, f.row, f.cell, f.sheet, f.column, f.header,
      // A resident ID number is never echoed (monitored_households.md).
      f.column === 'head_id_number' ? undefined : f.value,
      f.message.zh, f.message.en,
    ]
    values.forEach((v, c) => put(row.getCell(c + 1), v))
    row.getCell(2).font = { color: { argb: f.severity === 'error' ? 'FF9C0006' : 'FF9C5700' } }
    for (const c of [11, 12]) row.getCell(c).alignment = { wrapText: true, vertical: 'top' }
  })
  const lastFinding = headerLine + report.findings.length
  ws.autoFilter = { from: { row: headerLine, column: 1 }, to: { row: Math.max(lastFinding, headerLine), column: COLUMNS.length } }
  ws.views = [{ state: 'frozen', xSplit: 0, ySplit: headerLine, topLeftCell: `A${headerLine + 1}`, activeCell: `A${headerLine + 1}`, tabSelected: true } as SheetView]

  // The counts per code (validation.md: always the count per code, beyond those listed too),
  // under the table, with severity and code in the same columns as above.
  let at = lastFinding + 2
  ws.getCell(`A${at++}`).value = '按代码计数 Counts per code'
  ws.getCell(`A${at - 1}`).font = { bold: true }
  at = tableHeader(ws, at, { 1: '数量\nCount', 2: '严重程度\nSeverity', 3: '问题代码\nCode', 11: '说明', 12: 'Meaning' })
  for (const [code, count] of Object.entries(report.counts).sort(([a], [b]) => a.localeCompare(b))) {
    const entry = CODE_CATALOGUE[code as FindingCode] as (typeof CODE_CATALOGUE)[FindingCode] | undefined
    const row = ws.getRow(at++)
    put(row.getCell(1), count)
    put(row.getCell(2), entry ? SEVERITY_WORDS[entry.severity] : undefined)
    put(row.getCell(3), code)
    put(row.getCell(11), entry?.zh)
    put(row.getCell(12), entry?.en)
  }
  const rules = [...new Set(report.findings.map((f) => f.rule).filter((r) => r !== undefined))].sort()
  if (rules.length) {
    at++
    ws.getCell(`A${at++}`).value = '规则说明 Rules'
    ws.getCell(`A${at - 1}`).font = { bold: true }
    at = tableHeader(ws, at, { 2: '严重程度\nSeverity', 4: '规则\nRule', 11: '说明', 12: 'Meaning' })
    for (const rule of rules) {
      const row = ws.getRow(at++)
      put(row.getCell(2), SEVERITY_WORDS[RULE_CATALOGUE[rule].severity])
      put(row.getCell(4), rule)
      put(row.getCell(11), RULE_CATALOGUE[rule].zh)
      put(row.getCell(12), RULE_CATALOGUE[rule].en)
    }
  }
}

/** A bold, shaded title row with the given titles by column number; returns the next line. */
function tableHeader(ws: Worksheet, line: number, titles: Readonly<Record<number, string>>): number {
  const row = ws.getRow(line)
  for (const [column, title] of Object.entries(titles)) {
    const cell = row.getCell(Number(column))
    cell.value = title
    cell.font = { bold: true }
    cell.alignment = { wrapText: true, vertical: 'middle' }
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEADER_FILL } }
  }
  return line + 1
}

/**
 * The annotated copy of a rejected workbook: built with exceljs, checked by the real decoder
 * and validator, then annotated. The copy keeps every value, marks every cell a finding names,
 * and opens on a findings sheet that lists the report line by line.
 */
import ExcelJS from 'exceljs'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { DATASET_SPECS, type DatasetSpec } from '../../../schemas/datasets.ts'
import type { Finding, ValidationReport } from '../../../schemas/findings.ts'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { ZipArchive } from '../../../functions/core/decode/zip-reader.ts'
import { FINDINGS_SHEET, annotateWorkbook, rangeCells } from '../../../functions/core/workbook/annotate-workbook.ts'
import { EXAMPLE_ROWS } from '../../../functions/core/workbook/template-workbook.ts'
import { writeZip, zeroDeflate } from '../../support/zip-writer.ts'
import { LATE, addValidation, cellText, exampleContext, fillOf, loadWorkbook, noteText, validateXlsx, workbookBytes } from './workbook-support.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

const ERROR_FILL = 'FFFFC7CE'
const WARNING_FILL = 'FFFFEB9C'
const SHEET = DATASET_SPECS.village_report.zh
const FORMULA_LIKE = '=HYPERLINK("http://example.invalid","x")'
const COUNTY_NOTE = '村里自己的批注 / the county’s own note'

type Row = Record<string, string | number>

/** Rows of the dataset under a title line and a header with one unknown column, all cells in one shared style. */
async function countyWorkbook(spec: DatasetSpec, rows: Row[], extra?: (ws: ExcelJS.Worksheet) => void): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook()
  wb.addWorksheet('封面 Cover').getCell('A1').value = '通江县 2023 年第 2 季度'
  const ws = wb.addWorksheet(SHEET === spec.zh ? SHEET : spec.zh)
  ws.getCell('A1').value = `${spec.zh}（报送单位：通江县）`
  const headers = [...spec.columns.map((c) => c.zh), '备注']
  ws.getRow(2).values = headers
  rows.forEach((r, i) => {
    const row = ws.getRow(3 + i)
    spec.columns.forEach((c, j) => {
      const cell = row.getCell(j + 1)
      if (r[c.key] !== undefined && r[c.key] !== '') cell.value = r[c.key]!
      cell.font = { name: 'SimSun', size: 11 }
    })
  })
  extra?.(ws)
  return workbookBytes(wb)
}

const valid = EXAMPLE_ROWS.village_report as Readonly<Row>
/** Line 3: valid. Line 4: a type error, a formula-looking code, and a warning (VR11). Lines 5–6: one village twice outside the county. */
const VILLAGE_ROWS: Row[] = [
  { ...valid },
  { ...valid, village_code: FORMULA_LIKE, population: '一千六百', linkage_funds_spent: 300 },
  { ...valid, village_code: '522226101203' },
  { ...valid, village_code: '522226101203', village_name: '坪坝村' },
]

interface Scenario {
  original: Uint8Array
  report: ValidationReport
  copy: Uint8Array
  wb: ExcelJS.Workbook
}

let s: Scenario
beforeAll(async () => {
  const original = await countyWorkbook(DATASET_SPECS.village_report, VILLAGE_ROWS, (ws) => {
    ws.getCell('H4').note = COUNTY_NOTE
  })
  const { report } = await validateXlsx(original, exampleContext('village_report', LATE))
  const copy = await annotateWorkbook(original, report, { codecs: nodeByteCodecs })
  if (!copy) throw new Error('no annotated copy')
  s = { original, report, copy, wb: await loadWorkbook(copy) }
})

/** The findings table: the rows under the header row, until the first empty row. */
function findingLines(ws: ExcelJS.Worksheet): unknown[][] {
  let header = 0
  ws.eachRow((row, n) => {
    if (header === 0 && row.getCell(1).value === '序号\nNo.') header = n
  })
  expect(header).toBeGreaterThan(0)
  const lines: unknown[][] = []
  for (let n = header + 1; ws.getRow(n).getCell(1).value !== null; n++) lines.push((ws.getRow(n).values as unknown[]).slice(1))
  return lines
}

describe('annotateWorkbook on a workbook with known errors', () => {
  it('the report it annotates has the findings the scenario was built for', () => {
    const bare = s.report.findings.map(({ code, rule, cell, sheet }) => ({ code, rule, cell, sheet }))
    expect(s.report.status).toBe('rejected')
    expect(bare).toEqual([
      { code: 'late_submission', rule: undefined, cell: undefined, sheet: undefined },
      { code: 'unknown_column', rule: undefined, cell: 'AK2', sheet: SHEET },
      { code: 'format', rule: undefined, cell: 'B4', sheet: SHEET },
      { code: 'type', rule: undefined, cell: 'H4', sheet: SHEET },
      { code: 'rule', rule: 'VR11', cell: 'AH4', sheet: SHEET },
      { code: 'outside_county', rule: undefined, cell: 'B5', sheet: SHEET },
      { code: 'duplicate_key', rule: undefined, cell: 'B5', sheet: SHEET },
      { code: 'outside_county', rule: undefined, cell: 'B6', sheet: SHEET },
      { code: 'duplicate_key', rule: undefined, cell: 'B6', sheet: SHEET },
    ])
  })

  it('inserts 问题清单 Findings as the first sheet, opened first, before the original sheets in their order', () => {
    expect(s.wb.worksheets.map((w) => w.name)).toEqual([FINDINGS_SHEET, '封面 Cover', SHEET])
    expect(s.wb.views[0]).toMatchObject({ activeTab: 0 })
  })

  it('lists one line per finding, file-level findings included, in report order', () => {
    const lines = findingLines(s.wb.getWorksheet(FINDINGS_SHEET)!)
    expect(lines).toHaveLength(s.report.findings.length)
    lines.forEach((line, i) => {
      const f: Finding = s.report.findings[i]!
      const [no, severity, code, rule, row, cell, sheet, column, header, value, zh, en] = line
      expect({ no, code, rule, row, cell, sheet, column, header, value, zh, en }).toEqual({
        no: i + 1, code: f.code, rule: f.rule, row: f.row, cell: f.cell, sheet: f.sheet,
        column: f.column, header: f.header, value: f.value, zh: f.message.zh, en: f.message.en,
      })
      expect(severity).toBe(f.severity === 'error' ? '错误 error' : '警告 warning')
    })
  })

  it('gives the count per code under the list', () => {
    const ws = s.wb.getWorksheet(FINDINGS_SHEET)!
    const counts: Record<string, unknown> = {}
    let inCounts = false
    ws.eachRow((row) => {
      if (row.getCell(1).value === '按代码计数 Counts per code') inCounts = true
      else if (inCounts && typeof row.getCell(1).value === 'number') counts[cellText(row.getCell(3).value)] = row.getCell(1).value
      else if (inCounts && row.getCell(1).value === null) inCounts = false
    })
    expect(counts).toEqual(s.report.counts)
  })

  it('marks every offending cell: a note with each Chinese and English message, and a fill (red error, yellow warning)', () => {
    const ws = s.wb.getWorksheet(SHEET)!
    const located = s.report.findings.filter((f) => f.cell !== undefined)
    for (const f of located) {
      const note = noteText(ws.getCell(f.cell!).note)
      expect(note, f.cell).toContain(f.message.zh)
      expect(note, f.cell).toContain(f.message.en)
    }
    expect(fillOf(ws, 'H4')).toBe(ERROR_FILL)
    expect(fillOf(ws, 'B4')).toBe(ERROR_FILL)
    expect(fillOf(ws, 'AH4')).toBe(WARNING_FILL)
    expect(fillOf(ws, 'AK2')).toBe(WARNING_FILL)
  })

  it('puts several findings of one cell into one note, numbered', () => {
    const note = noteText(s.wb.getWorksheet(SHEET)!.getCell('B5').note)
    const [outside, duplicate] = ['outside_county', 'duplicate_key'].map((code) => s.report.findings.find((f) => f.cell === 'B5' && f.code === code)!)
    expect(note).toMatch(/^【校验问题 Validation findings】\n1\. 错误 error · outside_county\n/)
    expect(note.indexOf(outside!.message.zh)).toBeLessThan(note.indexOf('2. 错误 error · duplicate_key'))
    expect(note).toContain(duplicate!.message.en)
  })

  it('keeps the county’s own note after the findings', () => {
    const note = noteText(s.wb.getWorksheet(SHEET)!.getCell('H4').note)
    expect(note.endsWith(COUNTY_NOTE)).toBe(true)
    expect(note.startsWith('【校验问题 Validation findings】')).toBe(true)
  })

  it('leaves cells without a finding unfilled, even those sharing the offending cell’s style', () => {
    const ws = s.wb.getWorksheet(SHEET)!
    for (const address of ['G4', 'I4', 'B3', 'H3', 'C5']) {
      expect(fillOf(ws, address), address).toBeUndefined()
      expect(ws.getCell(address).note, address).toBeUndefined()
    }
    expect(ws.getCell('H4').font).toMatchObject({ name: 'SimSun' })
  })

  it('keeps every original value unchanged', async () => {
    const before = await loadWorkbook(s.original)
    for (const name of ['封面 Cover', SHEET]) {
      const a = before.getWorksheet(name)!
      const b = s.wb.getWorksheet(name)!
      const values = (ws: ExcelJS.Worksheet) => {
        const out: Record<string, unknown> = {}
        ws.eachRow((row) => row.eachCell((cell) => (out[cell.address] = cell.value)))
        return out
      }
      expect(values(b), name).toEqual(values(a))
    }
  })

  it('checks the same as the original: the pipeline still finds its data sheet past the findings sheet', async () => {
    const { report } = await validateXlsx(s.copy, exampleContext('village_report', LATE))
    expect(report).toEqual(s.report)
  })

  it('stores a formula-looking value as text, never as a formula', async () => {
    const ws = s.wb.getWorksheet(FINDINGS_SHEET)!
    const line = findingLines(ws).findIndex((l) => l[9] === FORMULA_LIKE)
    expect(line).toBeGreaterThanOrEqual(0)
    let valueCell: ExcelJS.Cell | undefined
    ws.eachRow((row) => row.eachCell((cell) => {
      if (cell.value === FORMULA_LIKE) valueCell = cell
    }))
    expect(valueCell?.type).toBe(ExcelJS.ValueType.String)
    expect(valueCell?.numFmt).toBe('@')
    // No sheet of the copy holds a formula: the raw XML has no <f> element at all.
    const zip = await ZipArchive.open(bufferByteSource(s.copy), 100, nodeByteCodecs)
    for (const entry of zip.entries.filter((e) => e.key.startsWith('xl/worksheets/') && e.key.endsWith('.xml'))) {
      let xml = ''
      for await (const chunk of zip.chunks(entry)) xml += new TextDecoder().decode(chunk)
      expect(xml, entry.name).not.toMatch(/<f[ >]/)
    }
  })

  it('annotating a corrected copy again replaces the earlier annotations', async () => {
    const wb = await loadWorkbook(s.copy)
    const ws = wb.getWorksheet(SHEET)!
    ws.getCell('H4').value = 3562
    ws.getCell('B4').value = '511921105207'
    const fixed = await workbookBytes(wb)
    const { report } = await validateXlsx(fixed, exampleContext('village_report'))
    const again = await loadWorkbook((await annotateWorkbook(fixed, report, { codecs: nodeByteCodecs }))!)
    expect(again.worksheets.map((w) => w.name)).toEqual([FINDINGS_SHEET, '封面 Cover', SHEET])
    const sheet = again.getWorksheet(SHEET)!
    expect(fillOf(sheet, 'B4')).toBeUndefined()
    expect(sheet.getCell('B4').note).toBeUndefined()
    expect(fillOf(sheet, 'H4')).toBeUndefined()
    expect(noteText(sheet.getCell('H4').note)).toBe(COUNTY_NOTE)
    expect(fillOf(sheet, 'B5')).toBe(ERROR_FILL)
    expect(findingLines(again.getWorksheet(FINDINGS_SHEET)!)).toHaveLength(report.findings.length)
  })
})

describe('annotateWorkbook: what it never writes', () => {
  it('never writes the value of a head_id_number finding', async () => {
    const badId = '511921196803150001'
    const row = { ...(EXAMPLE_ROWS.monitored_households as Readonly<Row>), identified_on: '2022-03-15', eliminated_on: '2023-05-20', head_id_number: badId }
    const original = await countyWorkbook(DATASET_SPECS.monitored_households, [row])
    const { report } = await validateXlsx(original, exampleContext('monitored_households'))
    const idFinding = report.findings.find((f) => f.column === 'head_id_number')
    expect(idFinding).toMatchObject({ code: 'format', cell: 'D3' })
    expect(idFinding).not.toHaveProperty('value')
    const wb = await loadWorkbook((await annotateWorkbook(original, report, { codecs: nodeByteCodecs }))!)
    const texts: string[] = []
    wb.getWorksheet(FINDINGS_SHEET)!.eachRow((r) => r.eachCell((c) => texts.push(cellText(c.value))))
    texts.push(noteText(wb.getWorksheet(DATASET_SPECS.monitored_households.zh)!.getCell('D3').note))
    expect(texts.join('\n')).toContain('户主身份证号')
    expect(texts.join('\n')).not.toContain(badId)
  })

  it('writes a value the report carries under head_id_number nowhere, should a report ever carry one', async () => {
    const original = await countyWorkbook(DATASET_SPECS.village_report, [{ ...valid }])
    const leaked: Finding = { severity: 'error', code: 'format', row: 1, column: 'head_id_number', cell: 'B3', sheet: SHEET, value: 'SECRET-ID', message: { zh: '身份证号有误', en: 'bad ID number' } }
    const report: ValidationReport = { dataset: 'village_report', county: '511921', period: '2023Q2', status: 'rejected', rows: { total: 1, accepted: 0, rejected: 1 }, counts: { format: 1 }, findings: [leaked], truncated: false }
    const wb = await loadWorkbook((await annotateWorkbook(original, report, { codecs: nodeByteCodecs }))!)
    const texts: string[] = []
    wb.getWorksheet(FINDINGS_SHEET)!.eachRow((r) => r.eachCell((c) => texts.push(cellText(c.value))))
    expect(texts.join('\n')).not.toContain('SECRET-ID')
  })
})

describe('annotateWorkbook on bad input: undefined, never a throw', () => {
  const report = (findings: Finding[] = []): ValidationReport => ({
    dataset: null, county: '511921', period: '2023Q2', status: 'rejected',
    rows: { total: 0, accepted: 0, rejected: 0 }, counts: {}, findings, truncated: false,
  })
  const fileFinding = (code: Finding['code']): Finding => ({ severity: 'error', code, message: { zh: '', en: '' } })

  it.each([
    ['empty bytes', () => new Uint8Array(0)],
    ['random bytes', () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)],
    ['a CSV', () => new TextEncoder().encode('报告期,村代码\n2023Q2,511921105203\n')],
    ['a ZIP that is not a workbook', () => writeZip([{ name: 'readme.txt', data: 'hello' }])],
    ['a ZIP whose XML declares a DOCTYPE', () => writeZip([
      { name: '[Content_Types].xml', data: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Types/>' },
      { name: 'xl/workbook.xml', data: '<workbook/>' },
    ])],
  ])('%s', async (_, bytes) => {
    await expect(annotateWorkbook(bytes(), report(), { codecs: nodeByteCodecs })).resolves.toBeUndefined()
  })

  it('a truncated workbook', async () => {
    const whole = await countyWorkbook(DATASET_SPECS.village_report, [{ ...valid }])
    await expect(annotateWorkbook(whole.subarray(0, Math.floor(whole.length / 2)), report(), { codecs: nodeByteCodecs })).resolves.toBeUndefined()
  })

  it.each(['archive_limits', 'file_too_large', 'unsupported_format', 'malformed'] as const)('a report with %s: the bytes are not opened', async (code) => {
    const whole = await countyWorkbook(DATASET_SPECS.village_report, [{ ...valid }])
    await expect(annotateWorkbook(whole, report([fileFinding(code)]), { codecs: nodeByteCodecs })).resolves.toBeUndefined()
  })

  it('a workbook over the unpacked-size limit', async () => {
    const whole = await countyWorkbook(DATASET_SPECS.village_report, [{ ...valid }])
    await expect(annotateWorkbook(whole, report(), { codecs: nodeByteCodecs, maxUnpackedBytes: 1000 })).resolves.toBeUndefined()
  })

  it('a zip bomb, honest or lying about its size, is never inflated by exceljs', async () => {
    const bomb = zeroDeflate(64)
    const honest = writeZip([{ name: 'xl/worksheets/sheet1.xml', compressed: bomb.compressed, uncompressedSize: bomb.uncompressedSize, crc: bomb.crc }])
    const lying = writeZip([{ name: 'xl/worksheets/sheet1.xml', compressed: bomb.compressed, uncompressedSize: 1000, crc: bomb.crc }])
    await expect(annotateWorkbook(honest, report(), { codecs: nodeByteCodecs })).resolves.toBeUndefined()
    await expect(annotateWorkbook(lying, report(), { codecs: nodeByteCodecs })).resolves.toBeUndefined()
  })

  it('any bytes at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expect(await annotateWorkbook(bytes, report(), { codecs: nodeByteCodecs })).toBeUndefined()
      }),
      { numRuns: 50 },
    )
  })
})

describe('annotateWorkbook: ranges exceljs would expand cell by cell', () => {
  it.each([
    ['A2:A2001', 2000],
    ['A2:C3 E5', 7],
    ['$B$2:$B$11', 10],
    ['B:B', 1_048_576],
    ['2:3', 2 * 16_384],
    ['not a range', Number.POSITIVE_INFINITY],
  ])('rangeCells(%s) = %d', (ref, cells) => {
    expect(rangeCells(ref)).toBe(cells)
  })

  it('leaves out whole-column validations (and says so) instead of spending minutes on them', async () => {
    const original = await countyWorkbook(DATASET_SPECS.village_report, [{ ...valid, population: '一千六百' }], (ws) => {
      addValidation(ws, 'G3:H1048576', { type: 'whole', operator: 'greaterThanOrEqual', formulae: [0], allowBlank: true })
    })
    const { report } = await validateXlsx(original, exampleContext('village_report'))
    const copy = await annotateWorkbook(original, report, { codecs: nodeByteCodecs })
    expect(copy).toBeDefined()
    const wb = await loadWorkbook(copy!)
    expect(fillOf(wb.getWorksheet(SHEET)!, 'H3')).toBe(ERROR_FILL)
    const texts: string[] = []
    wb.getWorksheet(FINDINGS_SHEET)!.eachRow((r) => r.eachCell((c) => texts.push(cellText(c.value))))
    expect(texts.join('\n')).toContain('data validation (dropdowns)')
  })
})

/**
 * `va template` workbooks (interfaces.md): the project's own decoder reads them, their headers
 * name every column of the dataset, their example row is accepted, and Excel's in-sheet
 * validation and header notes say what the contract says.
 */
import type { Worksheet } from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import { DATASET_SPECS, type ColumnType } from '../../../schemas/datasets.ts'
import { DATASETS, type DatasetName } from '../../../schemas/findings.ts'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import type { RawRow } from '../../../functions/core/decode/types.ts'
import { classifyHeaderRow, columnLetter, mapHeader } from '../../../functions/core/headers.ts'
import { parseIdNumber } from '../../../functions/core/values.ts'
import { EARLIEST_DATE, EXAMPLE_ROWS, INSTRUCTIONS_SHEET, TEMPLATE_DATA_ROWS, buildTemplate } from '../../../functions/core/workbook/template-workbook.ts'
import { exampleContext, loadWorkbook, noteText, validateXlsx, validationAt } from './workbook-support.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

const templates = new Map<DatasetName, Uint8Array>()
beforeAll(async () => {
  for (const d of DATASETS) templates.set(d, await buildTemplate(d))
})
const template = (d: DatasetName) => templates.get(d)!

async function firstRows(bytes: Uint8Array, n: number): Promise<{ sheetNames: (string | undefined)[]; rows: RawRow[] }> {
  const decoded = await decodeFile(bufferByteSource(bytes), { codecs: nodeByteCodecs })
  if (!decoded.ok) throw new Error(`not decoded: ${JSON.stringify(decoded.problems)}`)
  const rows: RawRow[] = []
  for await (const row of decoded.file.sheets[0]!.rows()) {
    rows.push(row)
    if (rows.length === n) break
  }
  const sheetNames = decoded.file.sheets.map((s) => s.name)
  await decoded.file.close()
  return { sheetNames, rows }
}

describe('buildTemplate: read by the pipeline', () => {
  it.each(DATASETS)('%s: decodes with the project decoder, data sheet first, and its header maps to every column', async (dataset) => {
    const spec = DATASET_SPECS[dataset]
    const { sheetNames, rows } = await firstRows(template(dataset), 2)
    expect(sheetNames).toEqual([spec.zh, INSTRUCTIONS_SHEET])
    const header = rows[0]!
    expect(header.line).toBe(1)
    expect(classifyHeaderRow(header.cells, Object.values(DATASET_SPECS))).toEqual({ kind: 'header', dataset })
    const mapping = mapHeader(header.cells, spec)
    expect(mapping.bindings.map((b) => b.column.key)).toEqual(spec.columns.map((c) => c.key))
    expect(mapping.bindings.map((b) => b.header)).toEqual(spec.columns.map((c) => c.zh))
    expect(mapping).toMatchObject({ unknown: [], duplicates: [], missing: [] })
  })

  it.each(DATASETS)('%s: the example row is ACCEPTED by decodeFile + validateFile with no finding', async (dataset) => {
    const { report, records } = await validateXlsx(template(dataset), exampleContext(dataset))
    expect(report).toMatchObject({ dataset, status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 }, counts: {}, findings: [] })
    expect(records).toHaveLength(1)
  })

  it('the example rows keep 12-digit codes as written and parse to the contract example’s figures', async () => {
    const { records: [village] } = await validateXlsx(template('village_report'), exampleContext('village_report'))
    expect(village).toMatchObject({
      period: '2023Q2', village_code: '511921105203', village_name: '太平场村', township_name: '杨柏镇',
      key_assisted: true, relocation_site: false, population: 3562, alleviated_income_per_capita: 7120.5,
      linkage_funds_spent: 102.5, county_code: '511921',
    })
    const { records: [household] } = await validateXlsx(template('monitored_households'), exampleContext('monitored_households'))
    expect(household).toMatchObject({
      village_code: '511921105203', household_id: '511921105203-001', category: 'unstable',
      risk_causes: 'illness,education', identified_on: expect.any(Number), eliminated_on: expect.any(Number),
      head_id_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    expect(household).not.toHaveProperty('head_id_number')
  })

  it('the roster example carries a synthetic ID number with a valid GB 11643 check digit', () => {
    const id = EXAMPLE_ROWS.monitored_households['head_id_number']
    expect(typeof id === 'string' && parseIdNumber(id)).toBe(id)
    expect(id).toMatch(/^51192119680315000[0-9X]$/)
  })
})

/** The validation Excel should hold for a column of each type (formulae as exceljs reads them back). */
function expectedValidation(type: ColumnType): Record<string, unknown> {
  switch (type.kind) {
    case 'bool': return { type: 'list', formulae: ['"是,否"'], showErrorMessage: true }
    case 'enum': return { type: 'list', formulae: [`"${Object.keys(type.values).join(',')}"`], showErrorMessage: true }
    case 'enumList': return { type: 'list', formulae: [`"${Object.keys(type.values).join(',')}"`] }
    case 'int': return type.max === undefined
      ? { type: 'whole', operator: 'greaterThanOrEqual', formulae: [type.min] }
      : { type: 'whole', operator: 'between', formulae: [type.min, type.max] }
    case 'num': return type.max === undefined
      ? { type: 'decimal', operator: 'greaterThanOrEqual', formulae: [type.min] }
      : { type: 'decimal', operator: 'between', formulae: [type.min, type.max] }
    case 'date': return { type: 'date', operator: 'greaterThanOrEqual', formulae: [EARLIEST_DATE] }
    case 'code': return type.lengths.length === 1
      ? { type: 'textLength', operator: 'equal', formulae: [type.lengths[0]] }
      : { type: 'textLength', operator: 'between', formulae: [Math.min(...type.lengths), Math.max(...type.lengths)] }
    case 'idNumber': return { type: 'textLength', operator: 'equal', formulae: [18] }
    case 'text': return { type: 'textLength', operator: 'between', formulae: [type.min ?? 0, type.max] }
    case 'period': return { type: 'textLength', operator: 'between', formulae: [6, 10] }
  }
}

async function dataSheet(dataset: DatasetName): Promise<Worksheet> {
  const wb = await loadWorkbook(template(dataset))
  return wb.getWorksheet(DATASET_SPECS[dataset].zh)!
}

const columnsOf = (dataset: DatasetName) => DATASET_SPECS[dataset].columns.map((column, i) => ({ dataset, column, letter: columnLetter(i) }))

describe('buildTemplate: in-sheet validation', () => {
  it.each(DATASETS)('%s: every column has its validation on rows 2–2001 and none below', async (dataset) => {
    const ws = await dataSheet(dataset)
    const last = 1 + TEMPLATE_DATA_ROWS
    for (const { column, letter } of columnsOf(dataset)) {
      const want = expectedValidation(column.type)
      expect(validationAt(ws, `${letter}2`), `${column.key} ${letter}2`).toMatchObject({ ...want, allowBlank: true })
      expect(validationAt(ws, `${letter}${last}`), `${column.key} ${letter}${last}`).toMatchObject(want)
      expect(validationAt(ws, `${letter}${last + 1}`), `${column.key} below`).toBeUndefined()
      expect(validationAt(ws, `${letter}1`), `${column.key} header`).toBeUndefined()
    }
  })

  it.each([
    ['village_report', 'key_assisted', { type: 'list', formulae: ['"是,否"'] }],
    ['village_report', 'households', { type: 'whole', operator: 'greaterThanOrEqual', formulae: [1] }],
    ['village_report', 'alleviated_income_per_capita', { type: 'decimal', operator: 'between', formulae: [0, 200000] }],
    ['village_report', 'linkage_funds_spent', { type: 'decimal', operator: 'greaterThanOrEqual', formulae: [0] }],
    ['village_report', 'village_code', { type: 'textLength', operator: 'equal', formulae: [12] }],
    ['monitored_households', 'category', { type: 'list', formulae: ['"脱贫不稳定户,边缘易致贫户,突发严重困难户"'], showErrorMessage: true }],
    ['monitored_households', 'risk_causes', { type: 'list', formulae: ['"因病,因残,因学,因灾,因意外事故,因务工就业不稳,因产业项目失败,因住房安全,因饮水安全,其他"'] }],
    ['monitored_households', 'household_size', { type: 'whole', operator: 'between', formulae: [1, 20] }],
    ['monitored_households', 'identified_on', { type: 'date', operator: 'greaterThanOrEqual', formulae: [new Date('2020-01-01T00:00:00Z')] }],
    ['monitored_households', 'head_id_number', { type: 'textLength', operator: 'equal', formulae: [18] }],
    ['org_units', 'level', { type: 'list', formulae: ['"省,市,县,乡,村"'] }],
    ['org_units', 'code', { type: 'textLength', operator: 'between', formulae: [2, 12] }],
  ] as const)('%s.%s has its type, operator and bounds', async (dataset, key, want) => {
    const ws = await dataSheet(dataset)
    const { letter } = columnsOf(dataset).find((c) => c.column.key === key)!
    expect(validationAt(ws, `${letter}2`)).toMatchObject(want)
    expect(validationAt(ws, `${letter}500`)).toMatchObject(want)
  })

  it('a multi-value column (enum list) lets values outside the dropdown through for the upload check to judge', async () => {
    const ws = await dataSheet('monitored_households')
    const { letter } = columnsOf('monitored_households').find((c) => c.column.key === 'assistance')!
    expect(validationAt(ws, `${letter}2`)?.showErrorMessage).toBeFalsy()
  })
})

describe('buildTemplate: headers, formats, layout', () => {
  it.each(DATASETS)('%s: each header note names the key, type, required, unit, bounds and allowed values', async (dataset) => {
    const ws = await dataSheet(dataset)
    for (const { column, letter } of columnsOf(dataset)) {
      const note = noteText(ws.getCell(`${letter}1`).note)
      expect(note, column.key).toContain(column.key)
      expect(note, column.key).toContain('必填 Required：')
      expect(note, column.key).toContain('类型 Type：')
      if (column.unit) expect(note, column.key).toContain(`单位 Unit：${column.unit.zh} / ${column.unit.en}`)
      else expect(note, column.key).not.toContain('单位 Unit')
      const t = column.type
      if (t.kind === 'int' || t.kind === 'num') expect(note, column.key).toContain(`范围 Bounds：${t.max === undefined ? `≥ ${t.min}` : `${t.min}–${t.max}`}`)
      if (t.kind === 'enum' || t.kind === 'enumList') expect(note, column.key).toContain(`可选值 Allowed：${Object.keys(t.values).join('、')}`)
    }
  })

  it('the money columns’ notes carry yuan and 10k yuan, year to date', async () => {
    const ws = await dataSheet('village_report')
    const note = (key: string) => noteText(ws.getCell(`${columnsOf('village_report').find((c) => c.column.key === key)!.letter}1`).note)
    expect(note('alleviated_income_per_capita')).toContain('单位 Unit：元，本年累计 / yuan, year to date')
    expect(note('linkage_funds_allocated')).toContain('单位 Unit：万元，本年累计 / 10k yuan, year to date')
    expect(note('population')).toContain('单位 Unit：人 / persons')
  })

  it.each(DATASETS)('%s: code, ID and text columns are formatted as text; the header row is frozen', async (dataset) => {
    const ws = await dataSheet(dataset)
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    const textKinds: ColumnType['kind'][] = ['code', 'idNumber', 'text', 'period']
    for (const { column, letter } of columnsOf(dataset)) {
      const col = ws.getColumn(letter)
      if (textKinds.includes(column.type.kind)) expect(col.numFmt, column.key).toBe('@')
      else expect(col.numFmt, column.key).not.toBe('@')
      expect(col.width, column.key).toBeGreaterThanOrEqual(8)
    }
  })

  it('12-digit codes in the example row are text cells, not numbers', async () => {
    const ws = await dataSheet('village_report')
    expect(ws.getCell('B2').value).toBe('511921105203')
    const roster = await dataSheet('monitored_households')
    expect(roster.getCell('D2').value).toBe(EXAMPLE_ROWS.monitored_households['head_id_number'])
  })

  it.each(DATASETS)('%s: the instructions sheet lists every column with its header, key, and Chinese and English type', async (dataset) => {
    const wb = await loadWorkbook(template(dataset))
    const ws = wb.getWorksheet(INSTRUCTIONS_SHEET)!
    const byKey = new Map<string, string[]>()
    ws.eachRow((row) => {
      const cells = (row.values as unknown[]).slice(1).map((v) => (typeof v === 'string' ? v : ''))
      if (cells[2]) byKey.set(cells[2], cells)
    })
    for (const [i, column] of DATASET_SPECS[dataset].columns.entries()) {
      const row = byKey.get(column.key)
      expect(row, column.key).toBeDefined()
      expect(row!.slice(0, 2)).toEqual([columnLetter(i), column.zh])
      expect(row![4]).toMatch(/[\u4e00-\u9fff].*\n.*[a-z]/s)
      if (column.unit) expect(row![5]).toBe(`${column.unit.zh}\n${column.unit.en}`)
    }
  })
})

/**
 * XLSX through the validator: the sheet in findings, numeric code cells, real date cells and
 * Excel serials (1900 system), and the first visible sheet with a header row.
 */
import { describe, expect, it } from 'vitest'
import { MONITORED_HOUSEHOLDS, VILLAGE_REPORT } from '../../../schemas/datasets.ts'
import { buildXlsx, type XlsxCell } from '../../support/xlsx-builder.ts'
import { rosterRow, villageRow, type RowText } from '../../support/village-rows.ts'
import { bareFindings, validateBytes } from './harness.ts'

const E = 'error' as const

/** A village row as Excel would hold it: numbers in numeric cells, the code as a number. */
function villageCells(row: RowText): XlsxCell[] {
  return VILLAGE_REPORT.columns.map((c) => {
    const text = row[c.key] ?? ''
    if (text === '') return null
    if ((c.type.kind === 'int' || c.type.kind === 'num' || c.key === 'village_code') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text)
    return text
  })
}

describe('XLSX uploads', () => {
  it('a numeric 12-digit village code and numeric figures are accepted; a finding names its sheet', async () => {
    const bytes = buildXlsx({
      sheets: [
        { name: '说明', hidden: true, rows: [VILLAGE_REPORT.columns.map((c) => c.zh)] },
        { name: '村报表', rows: [['2024年第2季度村级报表'], VILLAGE_REPORT.columns.map((c) => c.zh), villageCells(villageRow()), villageCells(villageRow({ village_code: '522226101204', population: '一千' }))] },
      ],
    })
    const { report } = await validateBytes(bytes, {}, 'report.xlsx')
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'type', row: 2, column: 'population', header: '总人口', cell: 'H4', sheet: '村报表', value: '一千' }])
    expect(report.rows).toEqual({ total: 2, accepted: 1, rejected: 1 })
    expect(Object.keys(report.findings[0]!)).toEqual(['severity', 'code', 'row', 'column', 'header', 'cell', 'sheet', 'value', 'message'])
  })

  it('the first visible sheet with a header row is read; sheets before it without one are passed over', async () => {
    const bytes = buildXlsx({
      sheets: [
        { name: '封面', rows: [['印江县'], ['2024年第2季度']] },
        { name: 'Sheet2', rows: [VILLAGE_REPORT.columns.map((c) => c.zh), villageCells(villageRow({ dropouts: '-1' }))] },
      ],
    })
    const { report } = await validateBytes(bytes, {}, 'report.xlsx')
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'range', row: 1, column: 'dropouts', header: '义务教育辍学人数', cell: 'AB2', sheet: 'Sheet2', value: '-1' }])
  })

  it('date cells and Excel serials are dates; serial 61 is 1900-03-01, which MH03 then refuses', async () => {
    const header = MONITORED_HOUSEHOLDS.columns.map((c) => c.zh)
    const cells = (row: RowText, identified: XlsxCell, eliminated: XlsxCell = null): XlsxCell[] =>
      MONITORED_HOUSEHOLDS.columns.map((c) => (c.key === 'identified_on' ? identified : c.key === 'eliminated_on' ? eliminated : row[c.key] || null))
    const bytes = buildXlsx({
      sheets: [{
        name: '名册',
        rows: [
          header,
          cells(rosterRow({ household_id: 'A1' }), { date: 45356 }),
          cells(rosterRow({ household_id: 'A2', risk_eliminated: '是' }), 45000, { date: 45473 }),
          cells(rosterRow({ household_id: 'A3' }), { date: 61 }),
          cells(rosterRow({ household_id: 'A4' }), { date: 60 }),
        ],
      }],
    })
    const { report } = await validateBytes(bytes, {}, 'roster.xlsx')
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'rule', rule: 'MH03', row: 3, column: 'identified_on', header: '识别纳入日期', cell: 'I4', sheet: '名册', value: '61' },
      { severity: E, code: 'type', row: 4, column: 'identified_on', header: '识别纳入日期', cell: 'I5', sheet: '名册', value: '60' },
    ])
  })
})

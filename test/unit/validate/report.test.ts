/**
 * The shape of the report (interfaces.md, `va validate --json`): numbering, cells, counts, the
 * 1000-finding cap, key order, and the resident ID number that must never appear in it.
 */
import { describe, expect, it } from 'vitest'
import { VILLAGE_REPORT } from '../../../schemas/datasets.ts'
import { MAX_LISTED_FINDINGS, ValidationReportSchema } from '../../../schemas/findings.ts'
import { BAD_CHECK_ID, VALID_ID, rosterCsv, rosterRow, utf8, villageCode, villageCsv, villageRow, type RowText } from '../../support/village-rows.ts'
import { bareFindings, validateBytes, validateText } from './harness.ts'

const E = 'error' as const

describe('head_id_number is never echoed', () => {
  const idsIn = (text: string) => [VALID_ID, BAD_CHECK_ID, VALID_ID.slice(0, 17), '11010519491231002'].filter((id) => text.includes(id))

  it.each<[string, RowText[]]>([
    ['a valid ID in a rejected file', [rosterRow({ household_size: '0' })]],
    ['an ID with a wrong check digit', [rosterRow({ head_id_number: BAD_CHECK_ID })]],
    ['an ID with a lower-case x among other errors', [rosterRow({ head_id_number: '11010519491231002x', category: '?', identified_on: '2019-01-01' })]],
    ['an ID in a duplicated row', [rosterRow(), rosterRow()]],
    ['an ID with a wrong check digit and a duplicate key', [rosterRow({ head_id_number: BAD_CHECK_ID }), rosterRow({ head_id_number: BAD_CHECK_ID })]],
  ])('%s: not in any finding, nowhere in the JSON report', async (_name, rows) => {
    const report = await validateText(rosterCsv(rows))
    expect(report.findings.length).toBeGreaterThan(0)
    for (const f of report.findings) {
      if (f.column === 'head_id_number') expect(f).not.toHaveProperty('value')
    }
    expect(idsIn(JSON.stringify(report))).toEqual([])
  })

  it('an ID under a second (duplicate) ID header is not echoed either', async () => {
    const report = await validateText(rosterCsv([rosterRow()], { extra: [['身份证号', BAD_CHECK_ID]] }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'duplicate_column', column: 'head_id_number', header: '身份证号', cell: 'M1' }])
    expect(idsIn(JSON.stringify(report))).toEqual([])
  })

  it('an ID in a JSON upload, as a number or as text, is not echoed', async () => {
    const rows = [
      { 报告期: '2024Q2', 村代码: '522226101203', 户编号: 'A1', 户主身份证号: BAD_CHECK_ID, 监测类型: 'x', 家庭人口数: 3, 风险类型: '因病', 人均纯收入: 6000, 识别纳入日期: '2023-01-01', 是否消除风险: '否', 帮扶措施: '其他' },
      { 报告期: '2024Q2', 村代码: '522226101203', 户编号: 'A2', 户主身份证号: 110105194912310020, 监测类型: 'marginal', 家庭人口数: 3, 风险类型: '因病', 人均纯收入: 6000, 识别纳入日期: '2023-01-01', 是否消除风险: '否', 帮扶措施: '其他' },
    ]
    const { report } = await validateBytes(utf8(JSON.stringify(rows)), {}, 'roster.json')
    expect(bareFindings(report).filter((f) => f.column === 'head_id_number')).toEqual([
      { severity: E, code: 'format', row: 1, column: 'head_id_number', header: '户主身份证号' },
      { severity: E, code: 'format', row: 2, column: 'head_id_number', header: '户主身份证号' },
    ])
    expect(idsIn(JSON.stringify(report))).toEqual([])
  })
})

describe('rows, lines and cells', () => {
  it('blank rows are skipped and not counted, but keep their place in the numbering', async () => {
    const rows = [villageRow({ village_code: villageCode(1) }), null, { village_name: ' ' }, villageRow({ village_code: villageCode(2), dropouts: '-2' })]
    const report = await validateText(villageCsv(rows))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'range', row: 4, column: 'dropouts', header: '义务教育辍学人数', cell: 'AB5', value: '-2' }])
    expect(report.rows).toEqual({ total: 2, accepted: 1, rejected: 1 })
  })

  it('data row 7 under a header on line 3 is line 10', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => villageRow({ village_code: villageCode(i + 1), ...(i === 6 ? { population: '1e3.5' } : {}) }))
    const report = await validateText(villageCsv(rows, { titleLines: [['2024年第2季度村级报表'], ['']] }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'type', row: 7, column: 'population', header: '总人口', cell: 'H10', value: '1e3.5' }])
  })

  it('a quoted cell spanning two lines: the next record\'s cell names the line it starts on', async () => {
    const rows = [villageRow({ village_code: villageCode(1), village_name: '坪坝村\n（原坪坝组）' }), villageRow({ village_code: villageCode(2), dropouts: 'x' })]
    const report = await validateText(villageCsv(rows))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'type', row: 2, column: 'dropouts', header: '义务教育辍学人数', cell: 'AB4', value: 'x' }])
  })

  it('JSON files have no cell; their row is the array index plus 1', async () => {
    const objects = [villageRow({ village_code: villageCode(1) }), villageRow({ village_code: villageCode(2), population: '一千' })].map((r) =>
      Object.fromEntries(VILLAGE_REPORT.columns.map((c) => [c.zh, r[c.key]])),
    )
    const { report } = await validateBytes(utf8(JSON.stringify(objects, null, 2)), {}, 'report.json')
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'type', row: 2, column: 'population', header: '总人口', value: '一千' }])
    expect(report.rows).toEqual({ total: 2, accepted: 1, rejected: 1 })
  })

  it('JSON numbers and booleans are read as such', async () => {
    const object = Object.fromEntries(VILLAGE_REPORT.columns.map((c) => {
      const text = villageRow()[c.key]!
      if (c.type.kind === 'int' || c.type.kind === 'num') return [c.key, Number(text)]
      if (c.type.kind === 'bool') return [c.key, text === '是']
      return [c.key, text]
    }))
    const { report } = await validateBytes(utf8(JSON.stringify({ rows: [object] })), {}, 'report.json')
    expect(report).toMatchObject({ dataset: 'village_report', status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 }, findings: [] })
  })

  it('rows.rejected counts rows with an error; a row with warnings only is accepted', async () => {
    const rows = [
      villageRow({ village_code: villageCode(1) }),
      villageRow({ village_code: villageCode(2), linkage_funds_spent: '101' }),
      villageRow({ village_code: villageCode(3), dropouts: 'x', unsafe_houses: 'y' }),
      villageRow({ village_code: villageCode(4), households: '0' }),
    ]
    const report = await validateText(villageCsv(rows))
    expect(report.rows).toEqual({ total: 4, accepted: 2, rejected: 2 })
    expect(report.counts).toEqual({ range: 1, rule: 1, type: 2 })
    expect(report.status).toBe('rejected')
  })

  it('findings are listed file-level first, then by row, and counts has one entry per code present', async () => {
    const rows = [villageRow({ village_code: villageCode(1), dropouts: 'x' }), villageRow({ village_code: villageCode(2), households: '1001' })]
    const report = await validateText(villageCsv(rows, { extra: [['备注', '']] }), { receivedAt: new Date('2024-07-20T00:00:00+08:00') })
    expect(bareFindings(report).map((f) => [f.code, f.row])).toEqual([
      ['late_submission', undefined], ['unknown_column', undefined], ['type', 1], ['rule', 2],
    ])
    expect(report.counts).toEqual({ late_submission: 1, rule: 1, type: 1, unknown_column: 1 })
    expect(report.truncated).toBe(false)
  })
})

describe('the 1000-finding cap', () => {
  it('lists the first 1000 findings, says truncated, and still counts every finding', async () => {
    // 600 rows, each with two errors: 1200 findings.
    const rows = Array.from({ length: 600 }, (_, i) => villageRow({ village_code: villageCode(i + 1), dropouts: 'x', unsafe_houses: 'y' }))
    const report = await validateText(villageCsv(rows))
    expect(report.findings).toHaveLength(MAX_LISTED_FINDINGS)
    expect(report.truncated).toBe(true)
    expect(report.counts).toEqual({ type: 1200 })
    expect(report.rows).toEqual({ total: 600, accepted: 0, rejected: 600 })
    expect(report.findings.at(-1)).toMatchObject({ row: 500, column: 'unsafe_houses' })
    expect(ValidationReportSchema.safeParse(report).success).toBe(true)
  })

  it('exactly 1000 findings are not truncated', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => villageRow({ village_code: villageCode(i + 1), dropouts: 'x', unsafe_houses: 'y' }))
    const report = await validateText(villageCsv(rows))
    expect(report.findings).toHaveLength(1000)
    expect(report.truncated).toBe(false)
  })
})

describe('JSON key order of a finding (interfaces.md)', () => {
  const ORDER = ['severity', 'code', 'rule', 'row', 'column', 'header', 'cell', 'sheet', 'value', 'message']

  it('is severity, code, rule, row, column, header, cell, sheet, value, message', async () => {
    const report = await validateText(villageCsv([villageRow({ households: '1001' }), villageRow({ village_code: villageCode(2) })], { extra: [['备注', '']] }))
    const rule = report.findings.find((f) => f.code === 'rule')
    expect(Object.keys(rule!)).toEqual(['severity', 'code', 'rule', 'row', 'column', 'header', 'cell', 'value', 'message'])
    for (const f of report.findings) {
      const keys = Object.keys(f)
      expect(keys).toEqual(ORDER.filter((k) => keys.includes(k)))
    }
    const json = JSON.stringify(rule)
    expect(json.indexOf('"header"')).toBeLessThan(json.indexOf('"cell"'))
  })

  it('the report\'s keys are in the documented order', async () => {
    const report = await validateText(villageCsv([villageRow()]))
    expect(Object.keys(report)).toEqual(['dataset', 'county', 'period', 'status', 'rows', 'counts', 'findings', 'truncated'])
  })
})

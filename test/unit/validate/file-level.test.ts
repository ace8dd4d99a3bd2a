/**
 * Reading a file (contract/validation.md): where the header is, which dataset it names, the
 * encodings and spellings a county may send, and every file-level code validate-file produces.
 */
import { describe, expect, it } from 'vitest'
import { MONITORED_HOUSEHOLDS, VILLAGE_REPORT } from '../../../schemas/datasets.ts'
import { finding } from '../../../functions/core/findings.ts'
import { columnLetter } from '../../../functions/core/headers.ts'
import { validateFile, type CuratedRecord } from '../../../functions/core/validate/validate-file.ts'
import {
  COUNTY, PERIOD, csvLine, datasetCsv, gb18030, rosterCsv, rosterRow, shuffledKeys, utf8, villageCode, villageCsv, villageRow,
} from '../../support/village-rows.ts'
import { bareFindings, context, validateBytes, validateText } from './harness.ts'

const E = 'error' as const
const W = 'warning' as const

describe('empty files', () => {
  it('0 bytes is empty_file, with no dataset and no rows', async () => {
    const { report } = await validateBytes(new Uint8Array(0))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'empty_file' }])
    expect(report).toMatchObject({ dataset: null, county: COUNTY, period: PERIOD, status: 'rejected', rows: { total: 0, accepted: 0, rejected: 0 }, counts: { empty_file: 1 } })
  })

  it.each([
    ['only line breaks', '\r\n\r\n\n'],
    ['only commas and spaces', ' , ,\r\n,,\r\n'],
    ['only a BOM', '\ufeff'],
  ])('a file of %s is empty_file (nothing in it)', async (_name, text) => {
    const report = await validateText(text)
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'empty_file' }])
    expect(report.dataset).toBeNull()
  })

  it('a header and no data rows is empty_file, naming the dataset', async () => {
    const report = await validateText(villageCsv([]))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'empty_file' }])
    expect(report).toMatchObject({ dataset: 'village_report', status: 'rejected', rows: { total: 0, accepted: 0, rejected: 0 } })
  })

  it('a header and only blank rows is empty_file', async () => {
    const report = await validateText(villageCsv([null, null, { period: ' ' }]))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'empty_file' }])
    expect(report.rows.total).toBe(0)
  })
})

describe('finding the header row and the dataset', () => {
  it('Chinese headers in the contract\'s order name the village report', async () => {
    const { report, dataset } = await validateBytes(utf8(villageCsv([villageRow()])))
    expect(dataset).toBe('village_report')
    expect(report).toMatchObject({ dataset: 'village_report', status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 }, findings: [] })
  })

  it('English keys in any case name the village report; a finding carries the header as written', async () => {
    const headers = Object.fromEntries(VILLAGE_REPORT.columns.map((c) => [c.key, c.key.toUpperCase()]))
    const report = await validateText(villageCsv([villageRow({ population: 'many' })], { headers }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'type', row: 1, column: 'population', header: 'POPULATION', cell: 'H2', value: 'many' }])
  })

  it('aliases, full-width parentheses and line breaks inside headers are accepted', async () => {
    const headers = { village_code: '村（社区）代码', households: '总\n户数', collective_operating_income: '集体经营性收入（元）', linkage_funds_allocated: '衔接资金下达 (万元)' }
    const report = await validateText(villageCsv([villageRow()], { headers }))
    expect(report.findings).toEqual([])
    expect(report.rows.total).toBe(1)
  })

  it('a money header that names the other unit is unit_suspect at the header cell, saying which unit to convert to', async () => {
    const columns = VILLAGE_REPORT.columns.map((c) => c.key)
    const headers = { linkage_funds_allocated: '衔接资金下达（元）', collective_operating_income: '村集体经济经营性收入(万元)' }
    const report = await validateText(villageCsv([villageRow()], { headers }))
    expect(report.status).toBe('rejected')
    expect(report.findings).toEqual([
      finding({
        code: 'unit_suspect', column: 'collective_operating_income', header: '村集体经济经营性收入(万元)', cell: `${columnLetter(columns.indexOf('collective_operating_income'))}1`,
        detail: {
          zh: '表头写明单位为「万元」，本列应以「元」填报：请把本列数字换算为元，表头写「村集体经济经营性收入」或「村集体经济经营性收入（元）」',
          en: 'the header says the unit is 万元 (10k yuan), but the column is asked in 元 (yuan): convert the figures to yuan and write the header as "村集体经济经营性收入" or "村集体经济经营性收入（元）"',
        },
      }),
      finding({
        code: 'unit_suspect', column: 'linkage_funds_allocated', header: '衔接资金下达（元）', cell: `${columnLetter(columns.indexOf('linkage_funds_allocated'))}1`,
        detail: {
          zh: '表头写明单位为「元」，本列应以「万元」填报：请把本列数字换算为万元，表头写「衔接资金下达」或「衔接资金下达（万元）」',
          en: 'the header says the unit is 元 (yuan), but the column is asked in 万元 (10k yuan): convert the figures to 10k yuan and write the header as "衔接资金下达" or "衔接资金下达（万元）"',
        },
      }),
    ])
    // The same unit as the column's, or a unit that is not money, says nothing.
    const same = await validateText(villageCsv([villageRow()], { headers: { linkage_funds_allocated: '衔接资金下达（万元）', population: '总人口（人）' } }))
    expect(same.findings).toEqual([])
  })

  it('columns in any order: a finding names the letter where the column sits', async () => {
    const columns = shuffledKeys(VILLAGE_REPORT)
    const letter = columnLetter(columns.indexOf('population'))
    const report = await validateText(villageCsv([villageRow({ population: '0' })], { columns }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'range', row: 1, column: 'population', header: '总人口', cell: `${letter}2`, value: '0' }])
    expect(columns.indexOf('population')).not.toBe(7)
  })

  it('the header row may sit below title lines; rows count from the header, lines from the top', async () => {
    const titleLines = [['铜仁市印江县2024年第2季度村级报表'], ['填报单位：木黄镇', '', '单位：户、人、元']]
    const report = await validateText(villageCsv([villageRow({ dropouts: 'x' })], { titleLines }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'type', row: 1, column: 'dropouts', header: '义务教育辍学人数', cell: 'AB4', value: 'x' }])
  })

  it('a header on line 10 (the last searched) is found', async () => {
    const titleLines = Array.from({ length: 9 }, (_, i) => [`标题 ${i + 1}`])
    const report = await validateText(villageCsv([villageRow()], { titleLines }))
    expect(report).toMatchObject({ dataset: 'village_report', status: 'accepted', findings: [] })
  })

  it('a header on line 11 is not searched: unknown_dataset', async () => {
    const titleLines = Array.from({ length: 10 }, (_, i) => [`标题 ${i + 1}`])
    const report = await validateText(villageCsv([villageRow()], { titleLines }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'unknown_dataset' }])
    expect(report).toMatchObject({ dataset: null, rows: { total: 0, accepted: 0, rejected: 0 } })
  })

  it('headers that match no dataset are unknown_dataset', async () => {
    const report = await validateText('姓名,年龄,住址\r\n张三,30,北京\r\n')
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'unknown_dataset' }])
  })

  it('two known headers are not enough: unknown_dataset', async () => {
    const report = await validateText('报告期,村代码,备注\r\n2024Q2,522226101203,\r\n')
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'unknown_dataset' }])
  })

  it('headers that fit both county datasets equally are unknown_dataset', async () => {
    // 报告期, 村代码 and 人口数 are headers of both the village report and the roster.
    const report = await validateText('报告期,村代码,人口数\r\n2024Q2,522226101203,3\r\n')
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'unknown_dataset' }])
    expect(report.dataset).toBeNull()
  })

  it('a tie on the first header-like row is unknown_dataset even when a clearer header follows', async () => {
    const text = `报告期,村代码,人口数\r\n${villageCsv([villageRow()])}`
    const report = await validateText(text)
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'unknown_dataset' }])
  })

  it('--dataset names the dataset: a tie is then read as that dataset', async () => {
    const text = '报告期,村代码,人口数\r\n2024Q2,522226101203,3\r\n'
    const report = await validateText(text, { dataset: 'monitored_households' })
    expect(report.dataset).toBe('monitored_households')
    expect(bareFindings(report).map((f) => [f.code, f.column])).toEqual(
      ['household_id', 'category', 'risk_causes', 'income_per_capita', 'identified_on', 'risk_eliminated'].map((c) => ['missing_column', c]),
    )
  })

  it('--dataset names the dataset: the header is the first row with 3 of its headers, other datasets\' headers do not count', async () => {
    // Line 1 has 3 roster-only headers; with --dataset village_report the header is line 2.
    const text = `户编号,监测类型,风险类型\r\n${villageCsv([villageRow()])}`
    const report = await validateText(text, { dataset: 'village_report' })
    expect(report).toMatchObject({ dataset: 'village_report', status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 } })
  })

  it('--dataset with no row holding 3 of its headers is unknown_dataset, naming the forced dataset', async () => {
    const report = await validateText(rosterCsv([rosterRow()]), { dataset: 'org_units' })
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'unknown_dataset' }])
    expect(report.dataset).toBe('org_units')
  })

  it('a row with fewer cells than the header: the missing trailing cells are empty', async () => {
    const text = `${csvLine(VILLAGE_REPORT.columns.map((c) => c.zh))}\r\n${csvLine(VILLAGE_REPORT.columns.slice(0, 34).map((c) => villageRow()[c.key]!))}\r\n`
    const report = await validateText(text)
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'required', row: 1, column: 'projects_planned', header: '衔接资金项目数', cell: 'AI2' },
      { severity: E, code: 'required', row: 1, column: 'projects_completed', header: '已竣工项目数', cell: 'AJ2' },
    ])
  })

  it('cells under no header are ignored', async () => {
    const text = `${csvLine(VILLAGE_REPORT.columns.map((c) => c.zh))}\r\n${csvLine([...VILLAGE_REPORT.columns.map((c) => villageRow()[c.key]!), 'stray', '-1'])}\r\n`
    const report = await validateText(text)
    expect(report.findings).toEqual([])
  })
})

describe('encodings', () => {
  it.each([
    ['UTF-8 without BOM', utf8(villageCsv([villageRow()]))],
    ['UTF-8 with BOM', utf8(villageCsv([villageRow()]), { bom: true })],
    ['GB18030', gb18030(villageCsv([villageRow()]))],
    ['GB18030 with LF line breaks', gb18030(villageCsv([villageRow()], { eol: '\n' }))],
  ])('%s is read with its Chinese headers and values', async (_name, bytes) => {
    const { report } = await validateBytes(bytes)
    expect(report).toMatchObject({ dataset: 'village_report', status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 }, findings: [] })
  })

  it('a value in GB18030 is echoed as the Chinese text it is', async () => {
    const { report } = await validateBytes(gb18030(rosterCsv([rosterRow({ category: '贫困户' })])))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'enum', row: 1, column: 'category', header: '监测类型', cell: 'E2', value: '贫困户' }])
  })
})

describe('column-level codes: the rows are still checked', () => {
  it('a required column absent is missing_column; rows are checked on the columns present and rules needing it are skipped', async () => {
    const columns = VILLAGE_REPORT.columns.map((c) => c.key).filter((k) => k !== 'population')
    // households 1001 would break VR01 (population ≥ households) if population were there.
    const report = await validateText(villageCsv([villageRow({ households: '1001', dropouts: 'x' })], { columns }))
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'missing_column', column: 'population' },
      { severity: E, code: 'type', row: 1, column: 'dropouts', header: '义务教育辍学人数', cell: 'AA2', value: 'x' },
    ])
    expect(report).toMatchObject({ status: 'rejected', rows: { total: 1, accepted: 0, rejected: 1 }, counts: { missing_column: 1, type: 1 } })
  })

  it('one missing_column per absent column, in the dataset\'s order', async () => {
    const columns = VILLAGE_REPORT.columns.map((c) => c.key).filter((k) => !['township_name', 'dropouts'].includes(k))
    const report = await validateText(villageCsv([villageRow()], { columns }))
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'missing_column', column: 'township_name' },
      { severity: E, code: 'missing_column', column: 'dropouts' },
    ])
    expect(report.rows).toEqual({ total: 1, accepted: 1, rejected: 0 })
    // The Chinese message names the column in Chinese, not by its English key.
    expect(report.findings[0]!.message.zh.startsWith('「乡镇名称」')).toBe(true)
  })

  it('an absent optional column is no finding, and its default applies (relocation_site: 否)', async () => {
    const columns = VILLAGE_REPORT.columns.map((c) => c.key).filter((k) => k !== 'relocation_site')
    const records: CuratedRecord[] = []
    const { report } = await validateBytes(utf8(villageCsv([villageRow()], { columns })), {}, 'upload.csv', { write: (r) => void records.push(r) })
    expect(report).toMatchObject({ status: 'accepted', findings: [] })
    expect(records.map((r) => r['relocation_site'])).toEqual([false])
  })

  it('a registry without its 是否有效 column: every unit is active (default 是)', async () => {
    const records: CuratedRecord[] = []
    const text = '代码,名称,级别,上级代码\r\n52,贵州省,省,\r\n'
    const { report } = await validateBytes(utf8(text), { county: null, period: null, dataset: 'org_units', candidates: ['org_units'] }, 'registry.csv', { write: (r) => void records.push(r) })
    expect(report.status).toBe('accepted')
    expect(records.map((r) => r['active'])).toEqual([true])
  })

  it('an empty optional cell takes the default in the stored row too', async () => {
    const records: CuratedRecord[] = []
    await validateBytes(utf8(villageCsv([villageRow({ relocation_site: '' })])), {}, 'upload.csv', { write: (r) => void records.push(r) })
    expect(records.map((r) => r['relocation_site'])).toEqual([false])
  })

  it('two headers for one key is duplicate_column at the second; the first column is used', async () => {
    const report = await validateText(villageCsv([villageRow()], { extra: [['户数', 'not a number']] }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'duplicate_column', column: 'households', header: '户数', cell: 'AK1' }])
    expect(report).toMatchObject({ status: 'rejected', rows: { total: 1, accepted: 1, rejected: 0 } })
  })

  it('duplicate_column with a row error: both are reported', async () => {
    const report = await validateText(villageCsv([villageRow({ households: '' })], { extra: [['HOUSEHOLDS', '300']] }))
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'duplicate_column', column: 'households', header: 'HOUSEHOLDS', cell: 'AK1' },
      { severity: E, code: 'required', row: 1, column: 'households', header: '总户数', cell: 'G2' },
    ])
  })

  it('a header that maps to no key is unknown_column (warning); the column is ignored and the file accepted', async () => {
    const report = await validateText(villageCsv([villageRow()], { extra: [['备注', '这一列随便写']] }))
    expect(bareFindings(report)).toEqual([{ severity: W, code: 'unknown_column', header: '备注', cell: 'AK1' }])
    expect(report).toMatchObject({ status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 }, counts: { unknown_column: 1 } })
  })

  it('unknown_column under title lines names the header\'s line', async () => {
    const report = await validateText(villageCsv([villageRow()], { titleLines: [['标题']], extra: [['备注', '']] }))
    expect(bareFindings(report)).toEqual([{ severity: W, code: 'unknown_column', header: '备注', cell: 'AK2' }])
  })
})

describe('late_submission (2024Q2: from 2024-07-11T00:00+08:00)', () => {
  it('received exactly at the deadline is late (warning), the file still accepted', async () => {
    const report = await validateText(villageCsv([villageRow()]), { receivedAt: new Date('2024-07-11T00:00:00+08:00') })
    expect(bareFindings(report)).toEqual([{ severity: W, code: 'late_submission' }])
    expect(report).toMatchObject({ status: 'accepted', rows: { total: 1, accepted: 1, rejected: 0 }, counts: { late_submission: 1 } })
    expect(report.findings[0]?.message.en).toContain('2024-07-11T00:00:00+08:00')
  })

  it('received one millisecond before the deadline is on time', async () => {
    const report = await validateText(villageCsv([villageRow()]), { receivedAt: new Date(Date.parse('2024-07-11T00:00:00+08:00') - 1) })
    expect(report.findings).toEqual([])
  })

  it('the deadline moves with the configured number of days', async () => {
    const at = new Date('2024-07-11T00:00:00+08:00')
    expect((await validateText(villageCsv([villageRow()]), { receivedAt: at, deadlineDays: 11 })).findings).toEqual([])
    expect(bareFindings(await validateText(villageCsv([villageRow()]), { receivedAt: at, deadlineDays: 9 }))).toEqual([{ severity: W, code: 'late_submission' }])
  })

  it('is listed with the rows\' findings of a file read despite it', async () => {
    const report = await validateText(villageCsv([villageRow({ dropouts: '-1' })]), { receivedAt: new Date('2024-08-01T00:00:00+08:00') })
    expect(bareFindings(report).map((f) => f.code)).toEqual(['late_submission', 'range'])
  })

  it('a registry upload (no county, no period) is never late', async () => {
    const text = '代码,名称,级别,上级代码\r\n52,贵州省,省,\r\n'
    const report = await validateText(text, { county: null, period: null, dataset: 'org_units', candidates: ['org_units'], receivedAt: new Date('2030-01-01T00:00:00Z') })
    expect(report).toMatchObject({ dataset: 'org_units', status: 'accepted', findings: [] })
  })
})

describe('file-level errors that stop the file', () => {
  it('more rows than maxRows is too_many_rows; no row is reported or counted', async () => {
    const rows = [villageRow({ village_code: villageCode(1), dropouts: 'x' }), villageRow({ village_code: villageCode(2) }), villageRow({ village_code: villageCode(3) })]
    const report = await validateText(villageCsv(rows), { maxRows: 2 })
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'too_many_rows' }])
    expect(report).toMatchObject({ dataset: 'village_report', status: 'rejected', rows: { total: 0, accepted: 0, rejected: 0 }, counts: { too_many_rows: 1 } })
  })

  it('exactly maxRows rows is fine (blank rows do not count)', async () => {
    const rows = [villageRow({ village_code: villageCode(1) }), null, villageRow({ village_code: villageCode(2) })]
    const report = await validateText(villageCsv(rows), { maxRows: 2 })
    expect(report).toMatchObject({ status: 'accepted', rows: { total: 2, accepted: 2, rejected: 0 } })
  })

  it('too_many_rows keeps the file-level warnings found before it', async () => {
    const rows = [villageRow({ village_code: villageCode(1) }), villageRow({ village_code: villageCode(2) })]
    const report = await validateText(villageCsv(rows, { extra: [['备注', '']] }), { maxRows: 1 })
    expect(bareFindings(report).map((f) => f.code)).toEqual(['unknown_column', 'too_many_rows'])
  })

  it('broken quoting after some rows is malformed: the rows read before it are not reported or counted', async () => {
    const good = villageCsv([villageRow({ village_code: villageCode(1), dropouts: 'x' })])
    const report = await validateText(`${good}2024Q2,"522226101202"x,坪坝村\r\n`)
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'malformed' }])
    expect(report).toMatchObject({ dataset: 'village_report', status: 'rejected', rows: { total: 0, accepted: 0, rejected: 0 }, counts: { malformed: 1 } })
  })

  it('a byte that is neither UTF-8 nor GB18030 is encoding', async () => {
    const good = gb18030(villageCsv([villageRow()]))
    const bytes = new Uint8Array([...good, 0xff, 0x0d, 0x0a])
    const { report } = await validateBytes(bytes)
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'encoding' }])
    expect(report.rows.total).toBe(0)
  })

  it.each([
    ['wrong_place', { zh: '路径应为 uploads/<县代码>/<报告期>/<文件名>', en: 'the key must be uploads/<county6>/<YYYYQn>/<file>' }],
    ['period_locked', { zh: '2024Q2 已锁定', en: '2024Q2 is locked' }],
  ] as const)('%s found before reading stops the file: no row is read', async (code, detail) => {
    const preFindings = [finding({ code, detail })]
    const bytes = utf8(villageCsv([villageRow({ dropouts: 'x' })]))
    const { report } = await validateBytes(bytes, { preFindings })
    expect(bareFindings(report)).toEqual([{ severity: E, code }])
    expect(report).toMatchObject({ dataset: null, status: 'rejected', rows: { total: 0, accepted: 0, rejected: 0 }, counts: { [code]: 1 } })
  })

  it('period_locked as the pipeline passes it (nothing decoded) is the whole report', async () => {
    const { report } = await validateFile({ ok: false, problems: [] }, context({ preFindings: [finding({ code: 'period_locked' })] }))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'period_locked' }])
    expect(report.status).toBe('rejected')
  })

  it('a late upload to a locked quarter is told both', async () => {
    const { report } = await validateFile({ ok: false, problems: [] }, context({ receivedAt: new Date('2024-09-01T00:00:00+08:00'), preFindings: [finding({ code: 'period_locked' })] }))
    expect(bareFindings(report)).toEqual([{ severity: W, code: 'late_submission' }, { severity: E, code: 'period_locked' }])
  })
})

describe('org_units (registry uploads)', () => {
  const registry = { county: null, period: null, dataset: 'org_units' as const, candidates: ['org_units' as const] }

  it('a consistent registry is accepted', async () => {
    const text = '代码,名称,级别,上级代码,是否有效\r\n52,贵州省,省,,是\r\n5222,铜仁市,市,52,\r\n522226,印江土家族苗族自治县,县,5222,\r\n522226101,木黄镇,乡,522226,\r\n522226101203,坪坝村,村,522226101,否\r\n'
    const report = await validateText(text, registry)
    expect(report).toMatchObject({ dataset: 'org_units', county: null, period: null, status: 'accepted', rows: { total: 5, accepted: 5, rejected: 0 }, findings: [] })
  })

  it('a level that disagrees with the code\'s length, a parent that is not the prefix, a missing parent', async () => {
    const text = 'code,name,level,parent_code\r\n52,贵州省,省,\r\n5222,铜仁市,县,52\r\n522226,印江县,县,5223\r\n522226101,木黄镇,乡,\r\n'
    const report = await validateText(text, registry)
    expect(bareFindings(report)).toEqual([
      { severity: E, code: 'format', row: 2, column: 'level', header: 'level', cell: 'C3', value: 'county' },
      { severity: E, code: 'format', row: 3, column: 'parent_code', header: 'parent_code', cell: 'D4', value: '5223' },
      { severity: E, code: 'required', row: 4, column: 'parent_code', header: 'parent_code', cell: 'D5' },
    ])
    expect(report.rows).toEqual({ total: 4, accepted: 1, rejected: 3 })
  })
})

describe('a roster, read like a report', () => {
  it('English headers in shuffled order, GB18030, under a title line', async () => {
    const columns = shuffledKeys(MONITORED_HOUSEHOLDS, 3)
    const text = datasetCsv(MONITORED_HOUSEHOLDS, [rosterRow(), rosterRow({ household_id: 'H-0002', household_size: '0' })], { headers: 'en', columns, titleLines: [['监测户名册']] })
    const { report } = await validateBytes(gb18030(text))
    const letter = columnLetter(columns.indexOf('household_size'))
    expect(bareFindings(report)).toEqual([{ severity: E, code: 'range', row: 2, column: 'household_size', header: 'household_size', cell: `${letter}4`, value: '0' }])
    expect(report.rows).toEqual({ total: 2, accepted: 1, rejected: 1 })
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildXlsx } from '../support/xlsx-builder.ts'
import { ValidationReportSchema } from '../../schemas/findings.ts'
import { readParquetRows } from '../../functions/adapters/parquet-read.ts'
import { LOCAL_NAMES } from '../../functions/local/emulators.ts'
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/local-pipeline.ts'

const HEADER = '报告期,村代码,村名称,乡镇名称,是否重点帮扶村,是否易地搬迁安置点,总户数,总人口,脱贫户数,脱贫人口数,易地搬迁户数,易地搬迁人数,脱贫不稳定户数,脱贫不稳定户人数,边缘易致贫户数,边缘易致贫户人数,突发严重困难户数,突发严重困难户人数,本季度新识别监测户数,已消除风险户数,已消除风险人数,脱贫人口人均纯收入,低于监测线人数,脱贫劳动力人数,脱贫劳动力务工就业人数,公益性岗位安置人数,搬迁零就业家庭户数,义务教育辍学人数,参保人数,存量危房户数,饮水不安全户数,村集体经济经营性收入,衔接资金下达,衔接资金支出,衔接资金项目数,已竣工项目数'
const village = (period: string, code: string, population = 3562, income = 7120.5) =>
  `${period},${code},太平场村,杨柏镇,是,否,1150,${population},141,521,55,183,1,3,1,3,1,3,0,1,3,${income},4,286,240,12,0,0,527,0,0,61000,185,102.5,5,3`
const ROSTER_HEADER = '报告期,村代码,户编号,户主身份证号,监测类型,家庭人口数,风险类型,人均纯收入,识别纳入日期,是否消除风险,风险消除日期,帮扶措施'

let pipeline: LocalPipeline
let home: string

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'va-it-'))
  pipeline = await startLocalPipeline({ home, inMemoryDynamo: true })
})
afterAll(async () => {
  await pipeline.close()
  await rm(home, { recursive: true, force: true })
})

async function upload(key: string, body: string) {
  const verdict = pipeline.verdictFor(key)
  await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body }))
  return verdict
}

async function lakeObject(key: string) {
  const bytes = await pipeline.deps.store.getBytes(LOCAL_NAMES.lakeBucket, key)
  if (!bytes) throw new Error(`missing ${key}`)
  return bytes
}

describe('an upload through the S3 emulator', () => {
  it('lands an accepted village report as curated Parquet with derived columns, a JSON and a CSV report, and a current ledger entry', async () => {
    const { submission, report } = await upload('uploads/511921/2024Q2/报表.csv', `${HEADER}\n${village('2024Q2', '511921105203')}\n${village('2024Q2', '511921105207')}\n`)
    expect(report.status).toBe('accepted')
    expect(report.rows).toEqual({ total: 2, accepted: 2, rejected: 0 })
    expect(submission).toMatchObject({ county: '511921', period: '2024Q2', dataset: 'village_report', status: 'accepted', object_key: 'uploads/511921/2024Q2/报表.csv' })

    const rows = await readParquetRows(await lakeObject('curated/village_report/year=2024/quarter=2/511921.parquet'))
    expect(rows.map((r) => r['village_code'])).toEqual(['511921105203', '511921105207'])
    expect(rows[0]).toMatchObject({
      period: '2024Q2', village_name: '太平场村', key_assisted: true, relocation_site: false, households: 1150, population: 3562,
      alleviated_income_per_capita: 7120.5, linkage_funds_spent: 102.5, county_code: '511921', city_code: '5119',
      province_code: '51', township_code: '511921105', submission_id: submission.submission_id,
    })

    const json = ValidationReportSchema.parse(JSON.parse(Buffer.from(await lakeObject(submission.report_key)).toString('utf8')))
    expect(json).toEqual(report)
    const csv = Buffer.from(await lakeObject(submission.report_key.replace(/\.json$/, '.csv'))).toString('utf8')
    expect(csv.startsWith('\ufeff严重程度 severity,代码 code')).toBe(true)

    const status = await pipeline.deps.ledger.list('511921', '2024Q2')
    expect(status.current).toEqual({ village_report: submission.submission_id })
  })

  it('supersedes the earlier accepted file when a later one is accepted, and keeps both on record', async () => {
    const first = await upload('uploads/522226/2024Q1/a.csv', `${HEADER}\n${village('2024Q1', '522226101203')}\n`)
    const second = await upload('uploads/522226/2024Q1/b.csv', `${HEADER}\n${village('2024Q1', '522226101204')}\n`)
    const { submissions, current } = await pipeline.deps.ledger.list('522226', '2024Q1')
    expect(submissions.map((s) => [s.object_key, s.status])).toEqual([['uploads/522226/2024Q1/a.csv', 'superseded'], ['uploads/522226/2024Q1/b.csv', 'accepted']])
    expect(current).toEqual({ village_report: second.submission.submission_id })
    expect(first.submission.submission_id).not.toBe(second.submission.submission_id)
    const rows = await readParquetRows(await lakeObject('curated/village_report/year=2024/quarter=1/522226.parquet'), ['village_code'])
    expect(rows).toEqual([{ village_code: '522226101204' }])
  })

  it('records a rejected upload with its report and leaves the curated object of the accepted one alone', async () => {
    const { submission, report } = await upload('uploads/522226/2024Q1/bad.csv', `${HEADER}\n${village('2024Q1', '522226101299', 100)}\n`)
    expect(report.status).toBe('rejected')
    expect(report.findings.filter((f) => f.code !== 'late_submission').map((f) => [f.code, f.rule, f.row, f.column])).toEqual([['rule', 'VR01', 1, 'population'], ['rule', 'VR02', 1, 'alleviated_households']])
    expect(submission.status).toBe('rejected')
    const rows = await readParquetRows(await lakeObject('curated/village_report/year=2024/quarter=1/522226.parquet'), ['village_code'])
    expect(rows).toEqual([{ village_code: '522226101204' }])
  })

  it('absorbs a second delivery of the same event: one submission record', async () => {
    const key = 'uploads/520602/2024Q2/x.csv'
    const verdict = await upload(key, `${HEADER}\n${village('2024Q2', '520602100001')}\n`)
    const { submissions: before } = await pipeline.deps.ledger.list('520602', '2024Q2')
    const again = await pipeline.deliver({
      eventName: 'ObjectCreated:Put',
      // The same object version: same time received, same sequencer.
      eventTime: verdict.submission.order_key.split('#')[0]!,
      s3: { bucket: { name: LOCAL_NAMES.ingestBucket }, object: { key, sequencer: verdict.submission.sequencer } },
    })
    expect(again.submission.submission_id).toBe(verdict.submission.submission_id)
    const { submissions: after } = await pipeline.deps.ledger.list('520602', '2024Q2')
    expect(after).toEqual(before)
  })

  it('rejects a key outside uploads/<county6>/<YYYYQn>/ as wrong_place without reading it', async () => {
    const { report } = await upload('uploads/5119/2024Q2/x.csv', `${HEADER}\n${village('2024Q2', '511921105203')}\n`)
    expect(report.status).toBe('rejected')
    expect(report.findings.map((f) => f.code)).toEqual(['wrong_place'])
    expect(report.rows).toEqual({ total: 0, accepted: 0, rejected: 0 })
  })

  it('flags a quarter-over-quarter outlier against the previous accepted quarter and a roster that disagrees with the report', async () => {
    await upload('uploads/422801/2024Q1/r.csv', `${HEADER}\n${village('2024Q1', '422801100001', 3562, 7000)}\n`)
    const q2 = await upload('uploads/422801/2024Q2/r.csv', `${HEADER}\n${village('2024Q2', '422801100001', 5000, 7100)}\n`)
    expect(q2.report.findings.filter((f) => f.code !== 'late_submission').map((f) => [f.code, f.rule, f.row, f.column])).toEqual([['outlier', 'QQ01', 1, 'population']])
    // The report says 1 unstable household of 3 persons; the roster lists one of 4.
    const roster = await upload('uploads/422801/2024Q2/roster.csv', `${ROSTER_HEADER}\n2024Q2,422801100001,H-1,11010519491231002X,脱贫不稳定户,4,因病,9000,2023-05-01,否,,产业帮扶\n`)
    expect(roster.report.status).toBe('accepted')
    expect(roster.report.findings.filter((f) => f.code === 'roster_mismatch').map((f) => [f.column, f.value])).toEqual([
      ['monitored_unstable_persons', '4'],
      ['monitored_marginal_households', '0'],
      ['monitored_marginal_persons', '0'],
      ['monitored_hardship_households', '0'],
      ['monitored_hardship_persons', '0'],
      ['risk_eliminated_households', '0'],
    ])
    const rows = await readParquetRows(await lakeObject('curated/monitored_households/year=2024/quarter=2/422801.parquet'))
    expect(rows[0]!['head_id_hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(rows)).not.toContain('11010519491231002X')
    expect(rows[0]).toMatchObject({ household_id: 'H-1', category: 'unstable', risk_causes: 'illness', assistance: 'industry', days_monitored: 426 })
  })

  it('hands a rejected workbook back annotated: a findings sheet first, the offending cell noted', async () => {
    const header = HEADER.split(',')
    const row = village('2024Q2', '511921105203', 100).split(',').map((v, i) => (i === 7 ? 100 : v))
    const bytes = buildXlsx({ sheets: [{ name: '村报表', rows: [header, row] }] })
    const key = 'uploads/511921/2024Q2/村报表.xlsx'
    const verdict = pipeline.verdictFor(key)
    await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: bytes }))
    const { submission, report } = await verdict
    expect(report.status).toBe('rejected')
    const annotated = await lakeObject(submission.report_key.replace(/\.json$/, '.xlsx'))
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(annotated) as unknown as ExcelJS.Buffer)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['问题清单 Findings', '村报表'])
    const sheet = wb.getWorksheet('村报表')!
    expect(String(sheet.getCell('H2').note ? 'noted' : 'plain')).toBe('noted')
    expect(sheet.getCell('H2').value).toBe(100)
  })

  it('gives a workbook with a resident ID number where none belongs no annotated copy: only the raw copy keeps it (id_number_misplaced)', async () => {
    const header = HEADER.split(',')
    const row = village('2024Q2', '511921105204', 100).split(',').map((v, i) => (i === 7 ? 100 : v))
    const bytes = buildXlsx({ sheets: [{ name: '村报表', rows: [header, row, ['备注', '11010519491231002X']] }] })
    const key = 'uploads/511921/2024Q2/村报表-身份证.xlsx'
    const verdict = pipeline.verdictFor(key)
    await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: bytes }))
    const { submission, report } = await verdict
    expect(report.findings.filter((f) => f.code === 'id_number_misplaced').map((f) => [f.row, f.cell])).toEqual([[2, 'B3']])
    expect(await pipeline.deps.store.getBytes(LOCAL_NAMES.lakeBucket, submission.report_key.replace(/\.json$/, '.xlsx'))).toBeUndefined()
    expect(JSON.stringify(report)).not.toContain('11010519491231002X')
  })

  it('rejects an upload into a locked quarter with period_locked', async () => {
    await pipeline.deps.ledger.setLock('2023Q4', true, 'tester', '2024-01-15T02:00:00+08:00')
    const { report } = await upload('uploads/511921/2023Q4/x.csv', `${HEADER}\n${village('2023Q4', '511921105203')}\n`)
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['period_locked'])
  })
})

import { describe, expect, it } from 'vitest'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'
import { DEFAULT_UPLOAD_LIMITS } from '../../../schemas/settings.ts'
import { hmacSha256Hex } from '../../../functions/adapters/node-id-hash.ts'
import { processUpload, type UploadDeps, type UploadEvent, type Verdict } from '../../../functions/use-cases/process-upload.ts'
import { rosterCsv, rosterRow } from '../../support/village-rows.ts'
import { MemoryFiles, MemoryLedger, MemoryObjectStore, memoryScratch, readJsonTable } from '../../support/fake-ports.ts'

// processUpload on in-memory ports: no emulator, no file system (test/integration/ has the emulators).

const HEADER = '报告期,村代码,村名称,乡镇名称,是否重点帮扶村,是否易地搬迁安置点,总户数,总人口,脱贫户数,脱贫人口数,易地搬迁户数,易地搬迁人数,脱贫不稳定户数,脱贫不稳定户人数,边缘易致贫户数,边缘易致贫户人数,突发严重困难户数,突发严重困难户人数,本季度新识别监测户数,已消除风险户数,已消除风险人数,脱贫人口人均纯收入,低于监测线人数,脱贫劳动力人数,脱贫劳动力务工就业人数,公益性岗位安置人数,搬迁零就业家庭户数,义务教育辍学人数,参保人数,存量危房户数,饮水不安全户数,村集体经济经营性收入,衔接资金下达,衔接资金支出,衔接资金项目数,已竣工项目数'
const report = (village: string, population = 3562) =>
  `${HEADER}\n2024Q2,${village},太平场村,杨柏镇,是,否,1150,${population},141,521,55,183,1,3,1,3,1,3,0,1,3,7120.5,4,286,240,12,0,0,527,0,0,61000,185,102.5,5,3\n`

function setup(options: { notify?: (v: Verdict) => Promise<void> } = {}) {
  const files = new MemoryFiles()
  const store = new MemoryObjectStore(files)
  const ledger = new MemoryLedger()
  const scratch = memoryScratch(files)
  const told: Verdict[] = []
  const deps: UploadDeps = {
    store, ledger, scratch,
    buckets: { ingest: 'ingest', lake: 'lake' },
    idHasher: async () => hmacSha256Hex(new Uint8Array(32).fill(1)),
    codecs: nodeByteCodecs,
    limits: { ...DEFAULT_UPLOAD_LIMITS, deadlineDays: 100_000 },
    readTable: readJsonTable,
    notify: options.notify ?? (async (v) => void told.push(v)),
  }
  return { deps, store, ledger, scratch, told, files }
}

const event = (key: string, at = '2024-07-05T02:00:00.000Z', sequencer = '0062A1B2C3D4E5F601'): UploadEvent =>
  ({ bucket: 'ingest', key, sequencer, eventTime: new Date(at) })

describe('processUpload on in-memory ports', () => {
  it('keeps the raw copy, stages and curates an accepted file, writes the reports, records it current and tells the county once', async () => {
    const { deps, store, ledger, scratch, told, files } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    const verdict = await processUpload(deps, event('uploads/511921/2024Q2/a.csv'))
    const id = verdict.submission.submission_id
    expect(verdict.submission).toMatchObject({ county: '511921', period: '2024Q2', dataset: 'village_report', status: 'accepted', notified: true, rows: { total: 1, accepted: 1, rejected: 0 } })
    expect(store.keys('lake')).toEqual([
      'curated/village_report/year=2024/quarter=2/511921.parquet',
      `raw/511921/2024Q2/${id}.csv`,
      `reports/submissions/511921/2024Q2/${id}.csv`,
      `reports/submissions/511921/2024Q2/${id}.json`,
      `staging/village_report/511921/2024Q2/${id}.parquet`,
    ])
    expect((await readJsonTable((await store.getBytes('lake', 'curated/village_report/year=2024/quarter=2/511921.parquet'))!, ['village_code', 'submission_id']))).toEqual([{ village_code: '511921105201', submission_id: id }])
    expect(await ledger.current('511921', '2024Q2', 'village_report')).toMatchObject({ submission_id: id })
    expect(told.map((v) => v.submission.submission_id)).toEqual([id])
    expect([scratch.opened, scratch.disposed, files.files.size]).toEqual([1, 1, 0])
  })

  it('warns of a household at risk on the latest earlier accepted roster that is absent from this one (household_dropped)', async () => {
    const { deps, store } = setup()
    const q1 = { period: '2024Q1' }
    await store.put('ingest', 'uploads/522226/2024Q1/名册.csv', rosterCsv([
      rosterRow({ ...q1, household_id: 'H-0001' }),
      rosterRow({ ...q1, household_id: 'H-0002', risk_eliminated: '是', eliminated_on: '2024-02-01' }),
      rosterRow({ ...q1, household_id: 'H-0003' }),
    ]))
    expect((await processUpload(deps, event('uploads/522226/2024Q1/名册.csv', '2024-04-05T02:00:00.000Z'))).report.findings).toEqual([])
    await store.put('ingest', 'uploads/522226/2024Q2/名册.csv', rosterCsv([rosterRow({ household_id: 'H-0001' })]))
    const verdict = await processUpload(deps, event('uploads/522226/2024Q2/名册.csv'))
    expect(verdict.report.findings.map((f) => [f.code, f.row, f.column, f.value])).toEqual([['household_dropped', undefined, 'household_id', 'H-0003']])
    expect(verdict.submission.status).toBe('accepted')
  })

  it('rejects a file with an error: no staged or curated data, the report says why', async () => {
    const { deps, store, ledger } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/bad.csv', report('511921105201', 10))
    const verdict = await processUpload(deps, event('uploads/511921/2024Q2/bad.csv'))
    expect(verdict.submission).toMatchObject({ status: 'rejected', staged_keys: [] })
    expect(verdict.report.findings.map((f) => [f.code, f.rule, f.row])).toEqual([['rule', 'VR01', 1], ['rule', 'VR02', 1]])
    expect(store.keys('lake').filter((k) => k.startsWith('curated/') || k.startsWith('staging/'))).toEqual([])
    expect(await ledger.current('511921', '2024Q2', 'village_report')).toBeUndefined()
  })

  it('tells the county on redelivery when telling failed the first time (at least once)', async () => {
    let failures = 1
    const told: string[] = []
    const { deps, store, ledger } = setup({
      notify: async (v) => {
        if (failures-- > 0) throw new Error('SNS unavailable')
        told.push(v.submission.submission_id)
      },
    })
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    await expect(processUpload(deps, event('uploads/511921/2024Q2/a.csv'))).rejects.toThrow('SNS unavailable')
    const [recorded] = (await ledger.list('511921', '2024Q2')).submissions
    expect(recorded).toMatchObject({ status: 'accepted' })
    expect(recorded!.notified).toBeUndefined()
    // SQS delivers the message again: the upload is known, and now the county hears of it.
    const again = await processUpload(deps, event('uploads/511921/2024Q2/a.csv'))
    expect(told).toEqual([recorded!.submission_id])
    expect(again.submission.notified).toBe(true)
    // A third delivery tells nobody again.
    await processUpload(deps, event('uploads/511921/2024Q2/a.csv'))
    expect(told).toEqual([recorded!.submission_id])
  })

  it('refuses an upload received after the quarter was locked, with the time in +08:00', async () => {
    const { deps, store, ledger } = setup()
    await ledger.setLock('2024Q2', true, 'province', '2024-07-15T02:00:00.000Z', 'appraisal published')
    await store.put('ingest', 'uploads/511921/2024Q2/late.csv', report('511921105201'))
    const verdict = await processUpload(deps, event('uploads/511921/2024Q2/late.csv', '2024-07-20T02:00:00.000Z'))
    expect(verdict.report.findings.map((f) => [f.code, f.message.en])).toEqual([['period_locked', expect.stringContaining('2024Q2 was locked at 2024-07-15T10:00:00+08:00 by province')]])
  })

  it('finds no registry without reading a missing object, where S3 would answer 403', async () => {
    const { deps, store } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    store.denyMissing = true
    const verdict = await processUpload(deps, event('uploads/511921/2024Q2/a.csv'))
    expect(verdict.submission.status).toBe('accepted')
    expect(verdict.report.findings.filter((f) => f.code === 'unknown_village')).toEqual([])
  })
})

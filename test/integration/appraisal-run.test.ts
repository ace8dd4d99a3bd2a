import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { documentClient } from '../../functions/adapters/dynamo-submission-ledger.ts'
import { readParquetRows } from '../../functions/adapters/parquet-read.ts'
import { LOCAL_NAMES } from '../../functions/local/emulators.ts'
import { localAppraisalDeps } from '../../functions/local/local-runtime.ts'
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/local-pipeline.ts'
import { PeriodLockedError, runAppraisal, type AppraisalDeps } from '../../functions/use-cases/run-appraisal.ts'
import { DynamoAppraisalStore } from '../../functions/adapters/dynamo-appraisal-store.ts'

const HEADER = '报告期,村代码,村名称,乡镇名称,是否重点帮扶村,是否易地搬迁安置点,总户数,总人口,脱贫户数,脱贫人口数,易地搬迁户数,易地搬迁人数,脱贫不稳定户数,脱贫不稳定户人数,边缘易致贫户数,边缘易致贫户人数,突发严重困难户数,突发严重困难户人数,本季度新识别监测户数,已消除风险户数,已消除风险人数,脱贫人口人均纯收入,低于监测线人数,脱贫劳动力人数,脱贫劳动力务工就业人数,公益性岗位安置人数,搬迁零就业家庭户数,义务教育辍学人数,参保人数,存量危房户数,饮水不安全户数,村集体经济经营性收入,衔接资金下达,衔接资金支出,衔接资金项目数,已竣工项目数'
// Two villages' rows: the contract example's Taipingchang village, with chosen income and dropouts.
const row = (period: string, code: string, income: number, dropouts = 0) =>
  `${period},${code},太平场村,杨柏镇,是,否,1150,3562,141,521,55,183,1,3,1,3,1,3,0,1,3,${income},4,286,240,12,0,${dropouts},527,0,0,61000,185,102.5,5,3`

let pipeline: LocalPipeline
let deps: AppraisalDeps & { engine: { close(): Promise<void> } }
let home: string

async function upload(key: string, body: string) {
  const verdict = pipeline.verdictFor(key)
  await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body }))
  return verdict
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'va-appraisal-'))
  pipeline = await startLocalPipeline({ home, inMemoryDynamo: true, limits: { deadlineDays: 100_000 } })
  deps = await localAppraisalDeps({ home: pipeline.home, s3: pipeline.s3.client, dynamo: pipeline.dynamo.client })
  await upload('uploads/511921/2023Q2/a.csv', `${HEADER}\n${row('2023Q2', '511921105203', 6500)}\n`)
  await upload('uploads/511921/2024Q2/a.csv', `${HEADER}\n${row('2024Q2', '511921105203', 7150)}\n`)
  await upload('uploads/511922/2024Q2/b.csv', `${HEADER}\n${row('2024Q2', '511922100201', 7000, 1)}\n`)
})
afterAll(async () => {
  await deps.engine.close()
  await pipeline.close()
  await rm(home, { recursive: true, force: true })
})

describe('the quarterly appraisal on the local pipeline', () => {
  it('computes the indicators from the accepted uploads, scores and ranks two counties of one city', async () => {
    const { appraisal } = await runAppraisal(deps, { period: '2024Q2', now: new Date('2024-07-15T02:00:00+08:00') })
    const [first, second] = appraisal.counties
    expect(appraisal.counties.map((c) => [c.county, c.rank_in_city, c.rank_in_province])).toEqual([['511921', 1, 1], ['511922', 2, 2]])
    expect(first!.indicators.income_growth_yoy).toBe(7150 / 6500 - 1)
    expect(second!.indicators.income_growth_yoy).toBeNull()
    expect(first!.indicators.risk_elimination_rate).toBe(3 / 9)
    expect(first!.indicators.labor_employment_rate).toBe(240 / 286)
    expect(first!.indicators.fund_spending_rate).toBe(102.5 / 185)
    expect(first!.indicators.collective_income_share).toBe(1)
    expect(second!.red_flags).toEqual([{ indicator: 'dropouts', value: 1, villages: ['511922100201'] }])
    // The same figures but for a half-weight null growth and a 5-point red line.
    expect(first!.score - second!.score).toBeCloseTo(15 * 1 - 7.5 + 5, 9)
  })

  it('writes the county_appraisals Parquet and keeps the earlier run as a previous version when re-run', async () => {
    const rerun = await runAppraisal(deps, { period: '2024Q2', now: new Date('2024-07-16T02:00:00+08:00') })
    const bytes = await pipeline.deps.store.getBytes(LOCAL_NAMES.lakeBucket, 'analytics/county_appraisals/year=2024/quarter=2/data.parquet')
    const rows = await readParquetRows(bytes!, ['county', 'rank_in_city', 'run_id'])
    expect(rows).toEqual([{ county: '511921', rank_in_city: 1, run_id: rerun.run_id }, { county: '511922', rank_in_city: 2, run_id: rerun.run_id }])
    const history = await documentClient(pipeline.dynamo.client).send(new QueryCommand({ TableName: LOCAL_NAMES.appraisalsTable, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'HISTORY#2024Q2' } }))
    expect((history.Items ?? []).map((i) => i['sk']).sort()).toEqual(['511921#20240714T180000000Z', '511922#20240714T180000000Z'])
    expect((await deps.appraisals.byCity('2024Q2', '5119')).map((c) => c.county)).toEqual(['511921', '511922'])
    expect((await deps.appraisals.byCounty('511921')).map((c) => c.period)).toEqual(['2024Q2'])
  })

  // A re-run writes two batches: the replaced items to history, then the new items.
  it.each([1, 2])('converges on the same stored appraisal when a run crashes at its DynamoDB batch write #%i and is re-run', async (nth) => {
    const now = new Date('2024-07-20T02:00:00+08:00')
    const clean = await runAppraisal(deps, { period: '2024Q2', now })
    const cleanItems = await deps.appraisals.byPeriod('2024Q2')
    let calls = 0
    const db = documentClient(pipeline.dynamo.client)
    const failing = new Proxy(db, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (prop !== 'send') return value
        return async (command: { constructor: { name: string } }) => {
          if (command.constructor.name === 'BatchWriteCommand' && ++calls === nth) throw new Error('injected crash')
          return (value as (c: unknown) => unknown).call(target, command)
        }
      },
    })
    const crashingDeps = { ...deps, appraisals: new DynamoAppraisalStore(failing, LOCAL_NAMES.appraisalsTable) }
    await expect(runAppraisal(crashingDeps, { period: '2024Q2', now })).rejects.toThrow('injected crash')
    const rerun = await runAppraisal(deps, { period: '2024Q2', now })
    expect(rerun.run_id).toBe(clean.run_id)
    expect(await deps.appraisals.byPeriod('2024Q2')).toEqual(cleanItems)
  })

  it('locks the quarter when published: a later upload is rejected with period_locked until unlocked', async () => {
    await runAppraisal(deps, { period: '2024Q2', now: new Date('2024-07-17T02:00:00+08:00'), publish: true, by: 'analyst' })
    const announced = (await readFile(join(home, 'outbox', 'appraisals.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    expect(announced).toHaveLength(1)
    expect(announced[0].attributes).toEqual({ period: '2024Q2' })
    expect(announced[0].message).toMatchObject({ period: '2024Q2', counties: 2, red_flags: [{ county: '511922', indicator: 'dropouts', value: 1, villages: ['511922100201'] }] })
    const locked = await upload('uploads/511921/2024Q2/fix.csv', `${HEADER}\n${row('2024Q2', '511921105203', 7200)}\n`)
    expect(locked.report.findings.map((f) => f.code)).toEqual(['period_locked'])
    await expect(runAppraisal(deps, { period: '2024Q2', now: new Date('2024-07-17T03:00:00+08:00') })).rejects.toThrow(PeriodLockedError)
    await pipeline.deps.ledger.setLock('2024Q2', false, 'admin', '2024-07-18T09:00:00+08:00', 'correction of a typo')
    const fixed = await upload('uploads/511921/2024Q2/fix2.csv', `${HEADER}\n${row('2024Q2', '511921105203', 7200)}\n`)
    expect(fixed.report.status).toBe('accepted')
    const lock = await pipeline.deps.ledger.getLock('2024Q2')
    expect(lock?.history.map((h) => [h.action, h.by])).toEqual([['lock', 'analyst'], ['unlock', 'admin']])
  })

  it('publishing opened the red flag\'s rectification item in the appraisals table, found by county and by quarter', async () => {
    const stored = await deps.rectifications!.byCounty('511922')
    expect(stored.map((i) => [i.source, i.indicator, i.villages, i.opened_in, i.due, i.status, i.history[0]!.by])).toEqual([
      ['red_flag', 'dropouts', ['511922100201'], '2024Q2', '2024-09-30', 'open', 'analyst'],
    ])
    expect((await deps.rectifications!.byQuarter('2024Q2')).map((i) => i.item_id)).toContain(stored[0]!.item_id)
  })
})

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterEach, describe, expect, it } from 'vitest'
import { readParquetRows } from '../../functions/adapters/parquet-read.ts'
import { LOCAL_NAMES, type EmulatorS3Record } from '../../functions/local/emulators.ts'
import { startLocalPipeline, type LocalPipeline, type LocalPipelineOptions } from '../../functions/local/local-pipeline.ts'
import type { SubmissionLedger } from '../../functions/use-cases/ports.ts'
import type { ObjectStore } from '../../functions/use-cases/ports.ts'
import { replayUploads } from '../../functions/use-cases/replay-uploads.ts'

const HEADER = '报告期,村代码,村名称,乡镇名称,是否重点帮扶村,是否易地搬迁安置点,总户数,总人口,脱贫户数,脱贫人口数,易地搬迁户数,易地搬迁人数,脱贫不稳定户数,脱贫不稳定户人数,边缘易致贫户数,边缘易致贫户人数,突发严重困难户数,突发严重困难户人数,本季度新识别监测户数,已消除风险户数,已消除风险人数,脱贫人口人均纯收入,低于监测线人数,脱贫劳动力人数,脱贫劳动力务工就业人数,公益性岗位安置人数,搬迁零就业家庭户数,义务教育辍学人数,参保人数,存量危房户数,饮水不安全户数,村集体经济经营性收入,衔接资金下达,衔接资金支出,衔接资金项目数,已竣工项目数'
const file = (period: string, village: string, population = 3562) =>
  `${HEADER}\n${period},${village},太平场村,杨柏镇,是,否,1150,${population},141,521,55,183,1,3,1,3,1,3,0,1,3,7120.5,4,286,240,12,0,0,527,0,0,61000,185,102.5,5,3\n`

const open: { pipeline: LocalPipeline; home: string }[] = []
async function start(options: Omit<LocalPipelineOptions, 'home'> = {}): Promise<LocalPipeline> {
  const home = await mkdtemp(join(tmpdir(), 'va-delivery-'))
  const pipeline = await startLocalPipeline({ home, inMemoryDynamo: true, limits: { deadlineDays: 100_000 }, ...options })
  open.push({ pipeline, home })
  return pipeline
}
afterEach(async () => {
  for (const { pipeline, home } of open.splice(0)) {
    await pipeline.close()
    await rm(home, { recursive: true, force: true })
  }
})

const put = (p: LocalPipeline, key: string, body: string) => p.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body }))

/** A synthetic S3 record: a chosen time received, sequencer and version. */
const record = (key: string, at: string, sequencer: string, versionId?: string): EmulatorS3Record => ({
  eventName: 'ObjectCreated:Put',
  eventTime: at,
  s3: { bucket: { name: LOCAL_NAMES.ingestBucket }, object: { key, sequencer, ...(versionId ? { versionId } : {}) } },
})

async function curatedVillages(p: LocalPipeline, key: string): Promise<unknown[]> {
  const bytes = await p.deps.store.getBytes(LOCAL_NAMES.lakeBucket, key)
  return bytes ? (await readParquetRows(bytes, ['village_code', 'submission_id'])).map((r) => r['village_code']) : []
}

/**
 * S3 versioning, which the emulator lacks: GETs with a version id are answered from the
 * versions this test wrote. Everything else goes to the real emulator.
 */
function versionedStore(base: ObjectStore, versions: Map<string, string>): ObjectStore {
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return async (bucket: string, key: string, versionId?: string) => {
          const body = versionId ? versions.get(`${key}#${versionId}`) : undefined
          if (body === undefined) return target.get(bucket, key, versionId)
          const bytes = Buffer.from(body)
          return { body: (async function* () { yield bytes })(), size: bytes.byteLength, versionId }
        }
      }
      return Reflect.get(target, prop, receiver)
    },
  })
}

describe('exactly one outcome per upload, whatever the delivery', () => {
  it('records one submission and one curated object when the same event is delivered twice at once', async () => {
    const p = await start({ autoDeliver: false, concurrency: 2 })
    await put(p, 'uploads/511921/2024Q2/a.csv', file('2024Q2', '511921105203'))
    const [event] = p.captured
    const [a, b] = await Promise.all([p.deliver(event!), p.deliver(event!)])
    expect(a.submission.submission_id).toBe(b.submission.submission_id)
    const { submissions, current } = await p.deps.ledger.list('511921', '2024Q2')
    expect(submissions.map((s) => [s.submission_id, s.status])).toEqual([[a.submission.submission_id, 'accepted']])
    expect(current).toEqual({ village_report: a.submission.submission_id })
    expect((await p.deps.store.list(LOCAL_NAMES.lakeBucket, 'curated/')).map((o) => o.key)).toEqual(['curated/village_report/year=2024/quarter=2/511921.parquet'])
  })

  it('leaves the newer version current when two versions of one key arrive out of order', async () => {
    const key = 'uploads/511921/2024Q2/报表.csv'
    const versions = new Map([[`${key}#v1`, file('2024Q2', '511921105201')], [`${key}#v2`, file('2024Q2', '511921105202')]])
    const p = await start({ autoDeliver: false })
    p.deps.store = versionedStore(p.deps.store, versions)
    const v1 = record(key, '2024-07-05T02:00:00.000Z', '0062A1B2C3D4E5F601', 'v1')
    const v2 = record(key, '2024-07-05T02:00:00.000Z', '0062A1B2C3D4E5F602', 'v2')
    const newer = await p.deliver(v2)
    const older = await p.deliver(v1)
    const { submissions, current } = await p.deps.ledger.list('511921', '2024Q2')
    expect(current).toEqual({ village_report: newer.submission.submission_id })
    expect(submissions.map((s) => [s.version_id, s.status])).toEqual([['v1', 'superseded'], ['v2', 'accepted']])
    expect(older.submission.status).toBe('superseded')
    expect(await curatedVillages(p, 'curated/village_report/year=2024/quarter=2/511921.parquet')).toEqual(['511921105202'])
  })

  it('keeps both of two files sent at the same moment, the later one current', async () => {
    const p = await start({ autoDeliver: false, concurrency: 2 })
    await put(p, 'uploads/511921/2024Q2/a.csv', file('2024Q2', '511921105201'))
    await put(p, 'uploads/511921/2024Q2/b.csv', file('2024Q2', '511921105202'))
    const [a, b] = p.captured as [EmulatorS3Record, EmulatorS3Record]
    const same = '2024-07-05T02:00:00.000Z'
    await Promise.all([p.deliver({ ...a, eventTime: same }), p.deliver({ ...b, eventTime: same })])
    const { submissions, current } = await p.deps.ledger.list('511921', '2024Q2')
    expect(submissions.map((s) => [s.object_key, s.status])).toEqual([['uploads/511921/2024Q2/a.csv', 'superseded'], ['uploads/511921/2024Q2/b.csv', 'accepted']])
    expect(current.village_report).toBe(submissions[1]!.submission_id)
    expect(await curatedVillages(p, 'curated/village_report/year=2024/quarter=2/511921.parquet')).toEqual(['511921105202'])
  })
})

type Step = { target: 'store' | 'ledger'; method: string; calls: number[] }
/**
 * The writes of one accepted upload that replaces another, in order: the places a crash can
 * fall between, and which calls of each method the second upload's processing makes (a crash
 * on a call that never comes would compare a clean run with a clean run).
 */
const WRITES: Step[] = [
  { target: 'store', method: 'get', calls: [1, 2] },
  { target: 'store', method: 'putFile', calls: [1, 2] },
  { target: 'store', method: 'put', calls: [1, 2] },
  { target: 'ledger', method: 'record', calls: [1] },
  { target: 'ledger', method: 'claimCurrent', calls: [1] },
  { target: 'store', method: 'copy', calls: [1] },
  { target: 'ledger', method: 'markSuperseded', calls: [1] },
  { target: 'ledger', method: 'markNotified', calls: [1] },
]

/** Throws on the nth call of one method (a crash there), then behaves; `fired` says it did. */
function crashing<T extends object>(base: T, method: string, nth: number): { proxy: T; fired: () => boolean } {
  let calls = 0
  const proxy = new Proxy(base, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (prop !== method || typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        calls++
        if (calls === nth) throw new Error(`injected crash in ${method} (call ${nth})`)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { proxy, fired: () => calls >= nth }
}

async function snapshot(p: LocalPipeline) {
  const ledger = await p.deps.ledger.list('511921', '2024Q2')
  const lake = await p.deps.store.list(LOCAL_NAMES.lakeBucket, '')
  const curated = await curatedVillages(p, 'curated/village_report/year=2024/quarter=2/511921.parquet')
  return { ledger, lake: lake.map((o) => o.key).filter((k) => !k.startsWith('staging/')).sort(), curated }
}

describe('crash anywhere, converge on retry', () => {
  const first = record('uploads/511921/2024Q2/a.csv', '2024-07-05T02:00:00.000Z', '0062A1B2C3D4E5F601')
  const second = record('uploads/511921/2024Q2/b.csv', '2024-07-06T02:00:00.000Z', '0062A1B2C3D4E5F602')
  const bodies = { [first.s3.object.key]: file('2024Q2', '511921105201'), [second.s3.object.key]: file('2024Q2', '511921105202') }

  async function scenario(crash?: { step: Step; nth: number }) {
    const p = await start({ autoDeliver: false })
    for (const [key, body] of Object.entries(bodies)) await put(p, key, body)
    await p.deliver(first)
    let fired = () => false
    if (crash) {
      const target = crash.step.target === 'store' ? 'store' : 'ledger'
      const base = p.deps[target] as ObjectStore & SubmissionLedger
      const injected = crashing(base, crash.step.method, crash.nth)
      p.deps[target] = injected.proxy
      fired = injected.fired
    }
    // The redelivery after a crash is the queue's retry (up to 3 receives locally).
    await p.deliver(second)
    return { p, state: await snapshot(p), fired: fired() }
  }

  it.each(WRITES.flatMap((step) => step.calls.map((nth) => ({ step, nth, name: `${step.target}.${step.method} #${nth}` }))))(
    'a crash at $name while a newer upload is processed ends in the same state as a clean run',
    async ({ step, nth }) => {
      const clean = await scenario()
      const crashed = await scenario({ step, nth })
      expect(crashed.fired, 'the injected crash happened').toBe(true)
      expect(crashed.state).toEqual(clean.state)
      expect(clean.state.curated).toEqual(['511921105202'])
      expect(clean.state.ledger.submissions.map((s) => s.status)).toEqual(['superseded', 'accepted'])
    },
  )

  it('parks an upload that keeps failing in the dead-letter queue, and redrives it once the cause is fixed', async () => {
    let broken = true
    const p = await start({ autoDeliver: false })
    const base = p.deps.store
    p.deps.store = new Proxy(base, {
      get(target, prop, receiver) {
        if (prop === 'get' && broken) return async () => { throw new Error('storage unavailable') }
        return Reflect.get(target, prop, receiver)
      },
    })
    await put(p, 'uploads/511921/2024Q2/a.csv', file('2024Q2', '511921105201'))
    await expect(p.deliver(p.captured[0]!)).rejects.toThrow('storage unavailable')
    expect((await p.deadLetters()).map((d) => d.record.s3.object.key)).toEqual(['uploads/511921/2024Q2/a.csv'])
    expect((await p.deps.ledger.list('511921', '2024Q2')).submissions).toEqual([])
    broken = false
    expect(await p.redrive()).toEqual({ sent: 1, failed: 0 })
    expect(await p.deadLetters()).toEqual([])
    expect((await p.deps.ledger.list('511921', '2024Q2')).submissions.map((s) => s.status)).toEqual(['accepted'])
  })
})

describe('rebuild from the raw uploads', () => {
  it('replays a quarter from the raw copies alone into the same submissions, pointers and curated data', async () => {
    const p = await start()
    const send = async (key: string, body: string) => {
      const v = p.verdictFor(key)
      await put(p, key, body)
      return v
    }
    await send('uploads/511921/2024Q2/a.csv', file('2024Q2', '511921105201'))
    await send('uploads/511921/2024Q2/b.csv', file('2024Q2', '511921105202'))
    await send('uploads/511921/2024Q2/bad.csv', file('2024Q2', '511921105203', 10))
    await send('uploads/511922/2024Q2/c.csv', file('2024Q2', '511922100201'))
    const before = {
      a: await p.deps.ledger.list('511921', '2024Q2'),
      b: await p.deps.ledger.list('511922', '2024Q2'),
      curated: await curatedVillages(p, 'curated/village_report/year=2024/quarter=2/511921.parquet'),
    }
    // Lose everything derived: the ledger and the curated lake.
    await p.deps.ledger.clear('511921', '2024Q2')
    await p.deps.store.delete(LOCAL_NAMES.lakeBucket, 'curated/village_report/year=2024/quarter=2/511921.parquet')
    const told = await readFile(join(p.home, 'outbox', 'verdicts.jsonl'), 'utf8')
    expect(told.trim().split('\n')).toHaveLength(4)
    const result = await replayUploads(p.deps, { period: '2024Q2' })
    expect(result).toEqual({ uploads: 4, accepted: 3, rejected: 1, periods: ['2024Q2'] })
    // Replay is quiet: no verdict announced a second time.
    expect(await readFile(join(p.home, 'outbox', 'verdicts.jsonl'), 'utf8')).toBe(told)
    expect(await p.deps.ledger.list('511921', '2024Q2')).toEqual(before.a)
    expect(await p.deps.ledger.list('511922', '2024Q2')).toEqual(before.b)
    expect(await curatedVillages(p, 'curated/village_report/year=2024/quarter=2/511921.parquet')).toEqual(before.curated)
  })
})

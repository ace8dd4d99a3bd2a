import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'
import { describe, expect, it } from 'vitest'
import { DEFAULT_UPLOAD_LIMITS } from '../../../schemas/settings.ts'
import { hmacSha256Hex } from '../../../functions/adapters/node-id-hash.ts'
import { processUpload, type UploadDeps, type Verdict } from '../../../functions/use-cases/process-upload.ts'
import { reconcile } from '../../../functions/use-cases/reconcile.ts'
import { MemoryFiles, MemoryLedger, MemoryObjectStore, memoryScratch, readJsonTable } from '../../support/fake-ports.ts'

// reconcile on in-memory ports; test/reliability/ kills real processes on the emulators.

const HEADER = '报告期,村代码,村名称,乡镇名称,是否重点帮扶村,是否易地搬迁安置点,总户数,总人口,脱贫户数,脱贫人口数,易地搬迁户数,易地搬迁人数,脱贫不稳定户数,脱贫不稳定户人数,边缘易致贫户数,边缘易致贫户人数,突发严重困难户数,突发严重困难户人数,本季度新识别监测户数,已消除风险户数,已消除风险人数,脱贫人口人均纯收入,低于监测线人数,脱贫劳动力人数,脱贫劳动力务工就业人数,公益性岗位安置人数,搬迁零就业家庭户数,义务教育辍学人数,参保人数,存量危房户数,饮水不安全户数,村集体经济经营性收入,衔接资金下达,衔接资金支出,衔接资金项目数,已竣工项目数'
const report = (village: string) => `${HEADER}\n2024Q2,${village},太平场村,杨柏镇,是,否,1150,3562,141,521,55,183,1,3,1,3,1,3,0,1,3,7120.5,4,286,240,12,0,0,527,0,0,61000,185,102.5,5,3\n`
const CURATED = 'curated/village_report/year=2024/quarter=2/511921.parquet'

function setup() {
  const files = new MemoryFiles()
  const store = new MemoryObjectStore(files)
  const ledger = new MemoryLedger()
  const told: Verdict[] = []
  const deps: UploadDeps = {
    store, ledger, scratch: memoryScratch(files),
    buckets: { ingest: 'ingest', lake: 'lake' },
    idHasher: async () => hmacSha256Hex(new Uint8Array(32).fill(1)),
    limits: { ...DEFAULT_UPLOAD_LIMITS, deadlineDays: 100_000 },
    readTable: readJsonTable,
    codecs: nodeByteCodecs,
    notify: async (v) => void told.push(v),
  }
  const resent: string[] = []
  const reconcileDeps = { ...deps, resend: (e: Parameters<typeof processUpload>[1]) => (resent.push(e.key), processUpload(deps, e)) }
  return { deps, store, ledger, told, resent, reconcileDeps }
}

const now = new Date('2024-07-05T03:00:00.000Z')

describe('reconcile on in-memory ports', () => {
  it('sends an upload that has no submission record through the pipeline once; a second run finds nothing', async () => {
    const { store, ledger, told, reconcileDeps } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    const first = await reconcile(reconcileDeps, { now, graceMs: 0 })
    expect(first).toMatchObject({ objects: 1, resent: ['uploads/511921/2024Q2/a.csv'], repaired: [], failed: [], incomplete: false })
    const { submissions, current } = await ledger.list('511921', '2024Q2')
    expect(submissions.map((s) => [s.object_key, s.status])).toEqual([['uploads/511921/2024Q2/a.csv', 'accepted']])
    expect(current.village_report).toBe(submissions[0]!.submission_id)
    expect(told).toHaveLength(1)
    expect(await reconcile(reconcileDeps, { now, graceMs: 0 })).toMatchObject({ objects: 1, resent: [], repaired: [] })
    expect(told).toHaveLength(1)
  })

  it('leaves an upload younger than the grace period to its own event', async () => {
    const { store, reconcileDeps } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    expect((await reconcile(reconcileDeps, { now, graceMs: 60_000 })).resent).toEqual([])
  })

  it('leaves an upload whose event waits in the local queue', async () => {
    const { store, reconcileDeps } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    expect((await reconcile(reconcileDeps, { now, graceMs: 0, pending: new Set(['uploads/511921/2024Q2/a.csv']) })).resent).toEqual([])
  })

  it.each([
    ['missing', async (s: MemoryObjectStore) => s.delete('lake', CURATED)],
    ['empty', async (s: MemoryObjectStore) => void (await s.put('lake', CURATED, new Uint8Array()))],
  ])('finishes again a current accepted submission whose curated object is %s, from its staged copy', async (_what, damage) => {
    const { store, reconcileDeps } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    await reconcile(reconcileDeps, { now, graceMs: 0 })
    const good = await store.getBytes('lake', CURATED)
    await damage(store)
    const result = await reconcile(reconcileDeps, { now, graceMs: 0 })
    expect([result.resent, result.repaired, result.unrepairable]).toEqual([[], [CURATED], []])
    expect(await store.getBytes('lake', CURATED)).toEqual(good)
  })

  it('reports a curated object it cannot repair (its staged copy gone too) and resends nothing', async () => {
    const { store, ledger, reconcileDeps } = setup()
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', report('511921105201'))
    await reconcile(reconcileDeps, { now, graceMs: 0 })
    const { submissions } = await ledger.list('511921', '2024Q2')
    await store.delete('lake', CURATED)
    await store.delete('lake', submissions[0]!.staged_keys[0]!)
    expect(await reconcile(reconcileDeps, { now, graceMs: 0 })).toMatchObject({ resent: [], repaired: [], unrepairable: [CURATED] })
  })
})

/**
 * The hostile corpus (test/fixtures/hostile/manifest.json): every case through the decoder and
 * validator exactly as processUpload calls them, with its exact outcome and a guard against a
 * hang or unbounded memory; then a subset through the local pipeline (S3 emulator →
 * processUpload), checking that each is recorded and that nothing of it reaches `curated/`.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Worker } from 'node:worker_threads'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationReportSchema, type Finding, type ValidationReport } from '../../schemas/findings.ts'
import { lakeKeys } from '../../functions/core/object-keys.ts'
import { parsePeriod } from '../../functions/core/period.ts'
import { LOCAL_NAMES } from '../../functions/local/emulators.ts'
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/local-pipeline.ts'
import { FILES, GENERATORS, HOSTILE_DIR, generated, loadManifest, type CaseResult, type ExpectedFinding, type HostileCase } from '../support/hostile-corpus.ts'

const manifest = await loadManifest()
const RECEIVED_AT = new Date(manifest.receivedAt)
/** Cases whose direct run overran its guard: not uploaded, since the pipeline runs on this thread. */
const overran = new Set<string>()
const MIB = 1024 * 1024
/** The guard for a case that states none: a hang or runaway memory, not a speed target. */
const DEFAULT_BOUNDS = { seconds: 10, rssMiB: 300 }

/**
 * The cases run in a worker thread that this thread watches. A runaway decoder may never give
 * the event loop back (an async generator resolved by microtasks starves every timer, vitest's
 * test timeout included), so the watch must be on another thread: on a timeout or an RSS
 * overrun the worker is terminated and the case fails with what it overran.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
;(async () => {
  const { tsImport } = await import(workerData.tsxApi)
  const corpus = await tsImport(workerData.corpus, workerData.corpus)
  parentPort.on('message', async ({ c, receivedAt }) => {
    try {
      parentPort.postMessage({ ok: true, result: await corpus.validateCase(c, new Date(receivedAt)) })
    } catch (error) {
      parentPort.postMessage({ ok: false, error: String(error && error.stack || error) })
    }
  })
  parentPort.postMessage({ ready: true })
})().catch((error) => parentPort.postMessage({ ok: false, error: String(error && error.stack || error) }))
`

interface Measured {
  result: CaseResult
  seconds: number
  rssGrowthMiB: number
}

class CaseRunner {
  #worker: Worker | undefined
  #ready: Promise<Worker> | undefined

  #start(): Promise<Worker> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        tsxApi: import.meta.resolve('tsx/esm/api'),
        corpus: new URL('../support/hostile-corpus.ts', import.meta.url).href,
      },
      // Belt and braces under the RSS watch: the heap of a runaway parse ends the worker.
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    })
    this.#worker = worker
    return new Promise((resolve, reject) => {
      worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve(worker) : reject(new Error(m.error))))
      worker.once('error', reject)
    })
  }

  async #kill(): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    this.#ready = undefined
    await worker?.terminate()
  }

  /** Runs one case; rejects when it overruns `bounds` (the worker is then replaced). */
  async run(c: HostileCase, bounds: { seconds: number; rssMiB: number }): Promise<Measured> {
    const worker = await (this.#ready ??= this.#start())
    const baseline = process.memoryUsage().rss
    let peak = baseline
    let sampler: NodeJS.Timeout | undefined
    let timer: NodeJS.Timeout | undefined
    const started = process.hrtime.bigint()
    try {
      const result = await new Promise<CaseResult>((resolve, reject) => {
        const overrun = (why: string) => {
          void this.#kill()
          reject(new Error(`${c.id}: ${why}`))
        }
        timer = setTimeout(() => overrun(`no outcome within ${bounds.seconds} s: a hang`), bounds.seconds * 1000)
        sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss)
          if (peak - baseline > bounds.rssMiB * MIB) overrun(`resident memory grew by more than ${bounds.rssMiB} MiB`)
        }, 10)
        worker.once('message', (m: { ok: boolean; result?: CaseResult; error?: string }) => (m.ok ? resolve(m.result!) : reject(new Error(m.error))))
        worker.once('error', (error) => {
          this.#worker = undefined
          this.#ready = undefined
          reject(error)
        })
        worker.postMessage({ c, receivedAt: RECEIVED_AT.toISOString() })
      })
      peak = Math.max(peak, process.memoryUsage().rss)
      return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9, rssGrowthMiB: (peak - baseline) / MIB }
    } finally {
      clearTimeout(timer)
      clearInterval(sampler)
      this.#worker?.removeAllListeners('message').removeAllListeners('error')
    }
  }

  close(): Promise<void> {
    return this.#kill()
  }
}

function shape(f: Finding): ExpectedFinding {
  const out: ExpectedFinding = { code: f.code }
  if (f.row !== undefined) out.row = f.row
  if (f.column !== undefined) out.column = f.column
  if (f.rule !== undefined) out.rule = f.rule
  return out
}

/** The report's outcome against the manifest, the same whichever way the file came in. */
function expectOutcome(c: HostileCase, report: ValidationReport): void {
  expect(() => ValidationReportSchema.parse(report)).not.toThrow()
  expect({ status: report.status, codes: Object.keys(report.counts).sort() }).toEqual({ status: c.expect.status, codes: [...c.expect.codes].sort() })
  expect({ dataset: report.dataset, county: report.county, period: report.period }).toEqual({ dataset: c.dataset, county: c.county, period: c.period })
  // validation.md: a report lists at most 1000 findings in detail and always the count per code,
  // so what is counted is listed up to that many.
  const counted = Object.values(report.counts).reduce((sum, n) => sum + n, 0)
  expect(report.findings.length, 'findings listed in detail').toBe(Math.min(counted, 1000))
  expect(report.truncated).toBe(counted > report.findings.length)
  for (const f of report.findings) {
    expect(f.message.zh.length > 0 && f.message.en.length > 0, `message of ${f.code}`).toBe(true)
  }
  if (c.expect.findings !== undefined) expect(report.findings.map(shape)).toEqual(c.expect.findings)
  if (c.expect.rowsTotal !== undefined) expect(report.rows.total).toBe(c.expect.rowsTotal)
}

async function committedFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await committedFiles(path)))
    else out.push(relative(HOSTILE_DIR, path))
  }
  return out
}

describe('the hostile corpus', () => {
  it('lists every committed file in the manifest, builds every one, and uses every generator', async () => {
    const onDisk = (await committedFiles(HOSTILE_DIR)).filter((p) => p !== 'manifest.json').sort()
    const named = [...new Set(manifest.cases.flatMap((c) => (c.file === undefined ? [] : [c.file])))].sort()
    expect(onDisk).toEqual(named)
    expect(Object.keys(FILES).sort()).toEqual(named)
    const generators = new Set(manifest.cases.flatMap((c) => (c.generator === undefined ? [] : [c.generator])))
    expect([...generators].sort()).toEqual(Object.keys(GENERATORS).sort())
    for (const c of manifest.cases) expect(c.file === undefined, `${c.id}: a file or a generator, not both`).toBe(c.generator !== undefined)
  })

  it('holds at least 50 cases with unique ids, in a committed folder under 2 MB', async () => {
    expect(manifest.cases.length).toBeGreaterThanOrEqual(50)
    expect(new Set(manifest.cases.map((c) => c.id)).size).toBe(manifest.cases.length)
    let size = 0
    for (const path of await committedFiles(HOSTILE_DIR)) size += (await stat(join(HOSTILE_DIR, path))).size
    expect(size).toBeLessThan(2_000_000)
  })
})

describe('each case, decoded and validated as processUpload does', () => {
  const runner = new CaseRunner()
  afterAll(() => runner.close())

  it.each(manifest.cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const bounds = { ...DEFAULT_BOUNDS, ...c.bounds }
    const { result, seconds, rssGrowthMiB } = await runner.run(c, bounds).catch((error: unknown) => {
      overran.add(c.id)
      throw error
    })
    expectOutcome(c, result.report)
    // Rows reach the staging sink only while the file has no error: all of an accepted file's.
    if (c.expect.status === 'accepted') expect(result.records).toBe(result.report.rows.total)
    // Keys such as __proto__ and constructor in a JSON upload pollute nothing.
    expect(result.polluted).toBe(false)
    expect(seconds, 'settled within the hang guard').toBeLessThan(bounds.seconds)
    expect(rssGrowthMiB, 'resident memory growth (MiB)').toBeLessThan(bounds.rssMiB)
  }, 120_000)
})

describe('a subset uploaded through the local pipeline', () => {
  const subset = manifest.cases.filter((c) => c.pipeline === true)
  let pipeline: LocalPipeline
  let home: string

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'va-hostile-'))
    // Every upload "arrives" before the 2024Q2 deadline, so no late_submission warning.
    pipeline = await startLocalPipeline({ home, inMemoryDynamo: true, receivedAt: () => RECEIVED_AT })
  })
  afterAll(async () => {
    await pipeline?.close()
    await rm(home, { recursive: true, force: true })
  })

  const curatedKeys = async () => (await pipeline.deps.store.list(LOCAL_NAMES.lakeBucket, 'curated/')).map((o) => o.key).sort()

  it('holds at least 15 rejected cases, the key tricks among them, and one accepted control last', () => {
    const rejected = subset.filter((c) => c.expect.status === 'rejected')
    expect(rejected.length).toBeGreaterThanOrEqual(15)
    for (const key of ['uploads/522226/../522227/2024Q2/x.csv', 'uploads/522226/2024Q2/..%2Fx.csv', 'uploads/52222%36/2024Q2/x.csv', 'uploads/522226/2024Q2/sub/x.csv', 'uploads/522226/2024Q2/']) {
      expect(rejected.map((c) => c.key)).toContain(key)
    }
    expect(subset.at(-1)?.expect.status).toBe('accepted')
  })

  it.each(subset.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    if (overran.has(c.id)) throw new Error(`${c.id}: not uploaded, its direct run overran its guard (a hang here would stop the whole run)`)
    const body = c.file !== undefined ? await readFile(join(HOSTILE_DIR, c.file)) : generated(c.generator).bytes?.()
    if (body === undefined) throw new Error(`${c.id}: its generator has no in-memory bytes to upload`)
    const before = await curatedKeys()

    const verdict = pipeline.verdictFor(c.key)
    await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: c.key, Body: body }))
    const { submission, report } = await verdict
    expectOutcome(c, report)

    const recorded = await pipeline.deps.ledger.get(submission.county, submission.period, submission.submission_id)
    expect(recorded).toMatchObject({ object_key: c.key, status: c.expect.status, counts: report.counts, rows: report.rows })
    const stored = await pipeline.deps.store.getBytes(LOCAL_NAMES.lakeBucket, submission.report_key)
    expect(stored && ValidationReportSchema.parse(JSON.parse(Buffer.from(stored).toString('utf8')))).toEqual(report)

    const after = await curatedKeys()
    if (c.expect.status === 'rejected') {
      expect(recorded?.staged_keys).toEqual([])
      expect(after).toEqual(before)
    } else {
      const curated = lakeKeys.curated(report.dataset ?? '', parsePeriod(c.period ?? '')!, c.county ?? '')
      expect(after).toEqual([...new Set([...before, curated])].sort())
    }
  }, 120_000)
})

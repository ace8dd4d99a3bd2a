/**
 * The hostile corpus (test/fixtures/hostile/manifest.json): every case through the decoder and
 * validator exactly as processUpload calls them, with its exact outcome and a guard against a
 * hang or unbounded memory; then a subset through the local pipeline (S3 emulator →
 * processUpload), checking that each is recorded and that nothing of it reaches `curated/`.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationReportSchema, type Finding, type ValidationReport } from '../../schemas/findings.ts'
import { lakeKeys } from '../../functions/core/object-keys.ts'
import { parsePeriod } from '../../functions/core/period.ts'
import { LOCAL_NAMES } from '../../functions/local/emulators.ts'
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/local-pipeline.ts'
import { GuardedWorker } from '../support/guarded-worker.ts'
import { FILES, GENERATORS, HOSTILE_DIR, generated, loadManifest, type ExpectedFinding, type HostileCase } from '../support/hostile-corpus.ts'

const manifest = await loadManifest()
const RECEIVED_AT = new Date(manifest.receivedAt)
/** Cases whose direct run overran its guard: not uploaded, since the pipeline runs on this thread. */
const overran = new Set<string>()
/**
 * The guard for a case that states none: a hang or runaway memory, not a speed target. CPU
 * time, not wall time: the slowest case needs a few CPU seconds however loaded the machine is.
 */
const DEFAULT_BOUNDS = { cpuSeconds: 30, rssMiB: 300 }
/**
 * The last resort for a case that waits forever without using CPU (see guarded-worker.ts):
 * it stops the run, it judges nothing. Far above any case on the most loaded machine.
 */
const BACKSTOP_SECONDS = 900

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
  // Each case runs in a worker this thread watches: CPU time and memory, never the clock.
  const runner = new GuardedWorker<typeof import('../support/hostile-corpus.ts')>(new URL('../support/hostile-corpus.ts', import.meta.url).href, { backstopSeconds: BACKSTOP_SECONDS })
  afterAll(() => runner.close())

  it.each(manifest.cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const { bytesRead: maxBytesRead, ...guard } = { ...DEFAULT_BOUNDS, ...c.bounds }
    const { result, cpuSeconds, rssGrowthMiB } = await runner.run('validateCase', [c, RECEIVED_AT], guard).catch((error: unknown) => {
      overran.add(c.id)
      throw error
    })
    expectOutcome(c, result.report)
    // Rows reach the staging sink only while the file has no error: all of an accepted file's.
    if (c.expect.status === 'accepted') expect(result.records).toBe(result.report.rows.total)
    // Keys such as __proto__ and constructor in a JSON upload pollute nothing.
    expect(result.polluted).toBe(false)
    expect(cpuSeconds, 'CPU seconds, within the hang guard').toBeLessThan(guard.cpuSeconds)
    expect(rssGrowthMiB, 'resident memory growth (MiB)').toBeLessThan(guard.rssMiB)
    // A key in the wrong place, or a file over the size limit, is refused without reading it.
    const refusedUnread = c.expect.codes.includes('wrong_place') || c.expect.codes.includes('file_too_large')
    if (refusedUnread) expect(result.bytesRead, 'bytes read of a file refused before decoding').toBe(0)
    if (maxBytesRead !== undefined) expect(result.bytesRead, 'bytes of the file read before the verdict').toBeLessThanOrEqual(maxBytesRead)
  }, (BACKSTOP_SECONDS + 60) * 1000)
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
  }, BACKSTOP_SECONDS * 1000)
})

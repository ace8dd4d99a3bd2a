import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { planProvince, rng, villageQuarter, villageReportCsv } from '../../functions/demo/generate.ts'
import { LOCAL_NAMES, type EmulatorS3Record } from '../../functions/local/emulators.ts'
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/local-pipeline.ts'
import type { SubmissionRecord } from '../../functions/use-cases/ports.ts'

/**
 * Kills `va` for real: each upload is a child process started as the README starts it (tsx on
 * functions/cli/va.ts), SIGKILLed at a seeded random moment or left to finish, some of them two
 * at a time on one state. Then one more command (`va reconcile`) runs, and the state is compared
 * with a clean run of the same uploads, as S3 received them (same key, bytes, time received and
 * sequencer): records, current pointers, curated objects and reports byte for byte, the outbox.
 */

const REPO = new URL('../..', import.meta.url).pathname
const TSX = join(REPO, 'node_modules', '.bin', 'tsx')
const VA = join(REPO, 'functions', 'cli', 'va.ts')

export interface HarnessOptions {
  seed: number
  /** Uploads (distinct files; every third one a correction of an earlier county's report). */
  uploads: number
  /** Chance that a process is killed. */
  killRate: number
  /** Kill moments are drawn in [0, maxKillMs). */
  maxKillMs: number
  /** Uploads started at once on the same state. */
  parallel: number
  log?: (line: string) => void
}

export interface HarnessResult {
  seed: number
  uploads: number
  kills: number
  /** Uploads whose object reached the ingest bucket (acknowledged, or found there). */
  landed: number
  /** Landed uploads with no submission record after the next command. */
  lost: string[]
  /** Verdicts announced more than once in the outbox (a kill between telling and recording it). */
  duplicateVerdicts: number
  /** Differences from the clean run (empty: equal). */
  differences: string[]
  exitCodes: Record<string, number>
}

export interface VaRun {
  code: number | null
  signal: NodeJS.Signals | null
  out: string
  err: string
}

/** Runs `va` as a child process; `killAfterMs` SIGKILLs it then (if still running). */
export function runVa(argv: string[], cwd: string, env: Record<string, string>, killAfterMs?: number): { done: Promise<VaRun>; child: ChildProcess } {
  const child = spawn(TSX, [VA, ...argv], { cwd, env: { ...process.env, ...env, COLUMNS: '100' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
  const done = new Promise<VaRun>((resolve) => child.on('close', (code, signal) => {
    if (timer) clearTimeout(timer)
    resolve({ code, signal, out, err })
  }))
  return { done, child }
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

interface Upload { file: string; county: string; period: string; key: string; body: string; sha: string }

function plannedUploads(seed: number, n: number): Upload[] {
  const plan = planProvince({ seed, province: '52', townshipsPerCounty: 1, villagesPerTownship: 3 })
  const q = { year: 2024, quarter: 2 as const }
  const out: Upload[] = []
  for (let i = 0; i < n; i++) {
    // Every third upload corrects an earlier county's report (a new file name, a later time):
    // current pointers move; uploads of different counties are independent.
    const county = plan.counties[i % 3 === 2 ? (i - 2) % plan.counties.length : i % plan.counties.length]!
    const rows = county.villages.map((v) => villageQuarter(v, q, seed + i))
    const file = `报表-${i}.csv`
    const body = villageReportCsv(rows)
    out.push({ file, county: county.code, period: '2024Q2', key: `uploads/${county.code}/2024Q2/${file}`, body, sha: sha256(body) })
  }
  return out
}

/** Everything derived that a clean run must reproduce, as comparable text. */
async function snapshot(p: LocalPipeline, places: string[]): Promise<{ records: Map<string, SubmissionRecord>; lines: Map<string, string> }> {
  const records = new Map<string, SubmissionRecord>()
  const lines = new Map<string, string>()
  for (const place of places) {
    const [county, period] = place.split('/') as [string, string]
    const { submissions, current } = await p.deps.ledger.list(county, period)
    for (const s of submissions) {
      records.set(s.submission_id, s)
      lines.set(`record ${s.submission_id}`, JSON.stringify(Object.fromEntries(Object.entries(s).sort(([a], [b]) => a.localeCompare(b)))))
    }
    lines.set(`current ${place}`, JSON.stringify(current))
    const pointer = await p.deps.ledger.current(county, period, 'village_report')
    lines.set(`pointer ${place}`, JSON.stringify(pointer ?? null))
  }
  for (const prefix of ['curated/', 'staging/', 'reports/', 'raw/']) {
    for (const o of await p.deps.store.list(LOCAL_NAMES.lakeBucket, prefix)) {
      const bytes = await p.deps.store.getBytes(LOCAL_NAMES.lakeBucket, o.key)
      lines.set(`object ${o.key}`, bytes ? `${bytes.byteLength} bytes sha256 ${sha256(bytes)}` : 'missing')
    }
  }
  return { records, lines }
}

async function outboxIds(home: string): Promise<string[]> {
  const text = await readFile(join(home, 'outbox', 'verdicts.jsonl'), 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: { submission_id: string } }).message.submission_id)
}

/** One seeded round: uploads killed at random, the next command, then the comparison. */
export async function killRound(options: HarnessOptions): Promise<HarnessResult> {
  const log = options.log ?? (() => undefined)
  const random = rng(options.seed)
  const dir = await mkdtemp(join(tmpdir(), `va-kill-${options.seed}-`))
  const home = join(dir, 'state')
  const env = { VA_HOME: home, VA_LOCK_TIMEOUT_MS: '300000' }
  const uploads = plannedUploads(options.seed, options.uploads)
  for (const u of uploads) await writeFile(join(dir, u.file), u.body)
  const result: HarnessResult = { seed: options.seed, uploads: uploads.length, kills: 0, landed: 0, lost: [], duplicateVerdicts: 0, differences: [], exitCodes: {} }
  const acknowledged = new Set<string>()
  const count = (k: string) => (result.exitCodes[k] = (result.exitCodes[k] ?? 0) + 1)
  try {
    for (let i = 0; i < uploads.length; i += options.parallel) {
      const batch = uploads.slice(i, i + options.parallel)
      await Promise.all(batch.map(async (u) => {
        const kill = random() < options.killRate ? Math.floor(random() * options.maxKillMs) : undefined
        const { done } = runVa(['upload', u.file, '--county', u.county, '--period', u.period, '--json'], dir, env, kill)
        const r = await done
        if (r.signal === 'SIGKILL') {
          result.kills++
          count('killed')
          log(`seed ${options.seed}: killed va upload ${u.file} after ${kill} ms`)
        } else {
          count(String(r.code))
          if (r.code === 0 || r.code === 1) acknowledged.add(u.sha)
          else log(`seed ${options.seed}: va upload ${u.file} exit ${r.code}: ${r.err.trim().split('\n').at(-1)}`)
        }
      }))
    }
    // The next command: it owns the state, recovers and reconciles at its start.
    const next = await runVa(['reconcile', '--json'], dir, env).done
    count(`reconcile ${next.code}`)
    if (next.code !== 0) result.differences.push(`va reconcile exit ${next.code}: ${next.err.trim()}`)

    const killed = await startLocalPipeline({ home, reconcile: false })
    let expected: Awaited<ReturnType<typeof snapshot>>
    let actual: Awaited<ReturnType<typeof snapshot>>
    const places = [...new Set(uploads.map((u) => `${u.county}/${u.period}`))]
    try {
      actual = await snapshot(killed, places)
      const ingest = new Map<string, string>()
      for (const o of await killed.deps.store.list(LOCAL_NAMES.ingestBucket, 'uploads/')) {
        const bytes = await killed.deps.store.getBytes(LOCAL_NAMES.ingestBucket, o.key)
        if (bytes) ingest.set(o.key, sha256(bytes))
      }
      const recorded = new Set([...actual.records.values()].map((s) => s.sha256))
      for (const u of uploads) {
        const landed = acknowledged.has(u.sha) || ingest.get(u.key) === u.sha || recorded.has(u.sha)
        if (!landed) continue
        result.landed++
        if (!recorded.has(u.sha)) result.lost.push(u.key)
      }
    } finally {
      await killed.close()
    }

    // The clean run: the same uploads as S3 received them, one after the other, nothing killed.
    const cleanHome = join(dir, 'clean')
    await mkdir(cleanHome)
    const clean = await startLocalPipeline({ home: cleanHome, autoDeliver: false, reconcile: false })
    try {
      const byOrder = [...actual.records.values()].sort((a, b) => (a.order_key < b.order_key ? -1 : 1))
      for (const s of byOrder) {
        const u = uploads.find((x) => x.sha === s.sha256)
        if (!u) {
          result.differences.push(`record ${s.submission_id} holds bytes no upload sent`)
          continue
        }
        await clean.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: s.object_key, Body: u.body }))
        const record: EmulatorS3Record = { eventName: 'ObjectCreated:Put', eventTime: s.order_key.split('#')[0]!, s3: { bucket: { name: LOCAL_NAMES.ingestBucket }, object: { key: s.object_key, sequencer: s.sequencer } } }
        await clean.deliver(record)
      }
      expected = await snapshot(clean, places)
    } finally {
      await clean.close()
    }
    for (const [k, v] of expected.lines) if (actual.lines.get(k) !== v) result.differences.push(`${k}: clean ${v} / after kills ${actual.lines.get(k) ?? 'absent'}`)
    for (const k of actual.lines.keys()) if (!expected.lines.has(k)) result.differences.push(`${k}: only after kills`)

    const told = await outboxIds(home)
    const toldClean = await outboxIds(cleanHome)
    const unique = new Set(told)
    result.duplicateVerdicts = told.length - unique.size
    if (JSON.stringify([...unique].sort()) !== JSON.stringify([...new Set(toldClean)].sort())) result.differences.push(`outbox: told ${[...unique].sort().join(',')} / clean ${toldClean.sort().join(',')}`)
    return result
  } finally {
    if (result.differences.length === 0 && result.lost.length === 0) await rm(dir, { recursive: true, force: true })
    else log(`seed ${options.seed}: state kept at ${dir}`)
  }
}

import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DynamoSubmissionLedger, documentClient } from '../adapters/dynamo-submission-ledger.ts'
import { S3ObjectStore } from '../adapters/s3-object-store.ts'
import { processUpload, type UploadDeps, type Verdict } from '../use-cases/process-upload.ts'
import { verdictMessage } from '../core/verdict-message.ts'
import { LOCAL_NAMES, startDynamoEmulator, startS3Emulator, stateDirs, type DynamoEmulator, type EmulatorS3Record, type S3Emulator } from './emulators.ts'

/** Where the local state lives: `$VA_HOME`, else `.va/` in the directory the command started from. */
export function localHome(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env['VA_HOME'] || '.va')
}

/** The local HMAC key for head_id_hash: generated once, kept in the local state, never in code. */
export async function localIdHashKey(home: string): Promise<Uint8Array> {
  const dir = stateDirs(home).secrets
  const path = `${dir}/id-hash.key`
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex')
  } catch {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const key = randomBytes(32)
    await writeFile(path, key.toString('hex'), { mode: 0o600, flag: 'wx' }).catch(() => undefined)
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex')
  }
}

export interface LocalPipelineOptions {
  home: string
  /** Keep DynamoDB in memory (tests that need no persistence). */
  inMemoryDynamo?: boolean
  limits?: Partial<UploadDeps['limits']>
  /**
   * The time S3 "received" an object, for simulations (the demo replays past quarters as if
   * they arrived on time). Without it, the emulator's event time is used, as on AWS.
   */
  receivedAt?: (key: string) => Date | undefined
  /** Workers taking events off the local queue at once (default 1). */
  concurrency?: number
  /** Replaces parts of the use case's dependencies (fault-injection tests). */
  deps?: Partial<UploadDeps>
  /** False: events are only collected in `captured` (tests deliver them in their own order). */
  autoDeliver?: boolean
}

export interface LocalPipeline {
  home: string
  s3: S3Emulator
  dynamo: DynamoEmulator
  deps: UploadDeps
  /** Resolves with the verdict of the next upload of this key (rejects if it lands in the DLQ). */
  verdictFor(key: string): Promise<Verdict>
  /** Delivers an S3 record to the pipeline (again, as S3 may do), through the queue. */
  deliver(record: EmulatorS3Record): Promise<Verdict>
  /** Sends the dead-lettered events back through the queue; returns how many went. */
  redrive(): Promise<{ sent: number; failed: number }>
  /** The events waiting in the local dead-letter queue. */
  deadLetters(): Promise<{ file: string; record: EmulatorS3Record; error: string }[]>
  /** Events seen while `autoDeliver` is false. */
  captured: EmulatorS3Record[]
  /** Resolves when every event received so far is processed. */
  idle(): Promise<void>
  close(): Promise<void>
}

/** Like the SQS queue's redrive policy on AWS: after this many failed receives, to the DLQ. */
export const LOCAL_MAX_RECEIVE_COUNT = 3

/**
 * The whole upload pipeline in-process: the S3 emulator's object-created events for
 * `uploads/` and `registry/org_units/` in the ingest bucket drive the same use case the Lambda
 * handler calls, through a small queue: `concurrency` workers (1 by default), each event tried
 * up to LOCAL_MAX_RECEIVE_COUNT times, then kept in a dead-letter folder for `va redrive`.
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const dirs = stateDirs(options.home)
  await mkdir(dirs.tmp, { recursive: true })
  await mkdir(dirs.dlq, { recursive: true })
  const s3 = await startS3Emulator(dirs.s3)
  const dynamo = await startDynamoEmulator(options.inMemoryDynamo ? undefined : dirs.dynamo)
  const idKey = await localIdHashKey(options.home)
  const outbox = `${dirs.outbox}/verdicts.jsonl`
  await mkdir(dirs.outbox, { recursive: true })
  const deps: UploadDeps = {
    store: new S3ObjectStore(s3.client),
    ledger: new DynamoSubmissionLedger(documentClient(dynamo.client), LOCAL_NAMES.submissionsTable),
    buckets: { ingest: LOCAL_NAMES.ingestBucket, lake: LOCAL_NAMES.lakeBucket },
    idHashKey: async () => idKey,
    limits: { maxBytes: 200_000_000, maxRows: 2_000_000, deadlineDays: 10, ...options.limits },
    tmpDir: dirs.tmp,
    // The local stand-in for the verdict topic: one JSON line per verdict, with the county
    // as its message attribute, as a county's SNS filter policy would see it.
    notify: async ({ submission, report }) => {
      await appendFile(outbox, `${JSON.stringify(verdictMessage(submission, report))}\n`)
    },
    ...options.deps,
  }

  const waiters = new Map<string, { resolve: (v: Verdict) => void; reject: (e: unknown) => void }[]>()
  const settle = (key: string, outcome: { verdict?: Verdict; error?: unknown }) => {
    const list = waiters.get(key) ?? []
    waiters.delete(key)
    for (const w of list) (outcome.verdict ? w.resolve(outcome.verdict) : w.reject(outcome.error))
  }
  const concurrency = Math.max(1, options.concurrency ?? 1)
  let running = 0
  const backlog: (() => void)[] = []
  const inFlight = new Set<Promise<unknown>>()
  const slot = async () => {
    if (running < concurrency) {
      running++
      return
    }
    await new Promise<void>((resolve) => backlog.push(resolve))
  }
  const release = () => {
    const next = backlog.shift()
    if (next) next()
    else running--
  }

  const toEvent = (record: EmulatorS3Record) => ({
    bucket: record.s3.bucket.name,
    key: record.s3.object.key,
    sequencer: record.s3.object.sequencer,
    eventTime: options.receivedAt?.(record.s3.object.key) ?? new Date(record.eventTime),
    ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
    ...(record.userIdentity?.principalId ? { principal: record.userIdentity.principalId } : {}),
  })

  const deliver = (record: EmulatorS3Record): Promise<Verdict> => {
    const work = (async () => {
      await slot()
      try {
        let lastError: unknown
        for (let receive = 1; receive <= LOCAL_MAX_RECEIVE_COUNT; receive++) {
          try {
            const verdict = await processUpload(deps, toEvent(record))
            settle(record.s3.object.key, { verdict })
            return verdict
          } catch (e) {
            lastError = e
          }
        }
        const file = `${dirs.dlq}/${Date.now()}-${record.s3.object.sequencer}.json`
        await writeFile(file, JSON.stringify({ record, error: String((lastError as Error)?.stack ?? lastError) }, null, 2))
        settle(record.s3.object.key, { error: lastError })
        throw lastError
      } finally {
        release()
      }
    })()
    inFlight.add(work)
    work.then(() => inFlight.delete(work), () => inFlight.delete(work))
    return work
  }
  s3.onObjectCreated((record) => {
    const key = record.s3.object.key
    if (record.s3.bucket.name !== LOCAL_NAMES.ingestBucket) return
    if (!key.startsWith('uploads/') && !key.startsWith('registry/org_units/')) return
    if (options.autoDeliver === false) captured.push(record)
    else deliver(record).catch(() => undefined)
  })
  const captured: EmulatorS3Record[] = []

  const deadLetters = async () => {
    const files = (await readdir(dirs.dlq)).filter((f) => f.endsWith('.json')).sort()
    return Promise.all(files.map(async (f) => {
      const body = JSON.parse(await readFile(`${dirs.dlq}/${f}`, 'utf8')) as { record: EmulatorS3Record; error: string }
      return { file: `${dirs.dlq}/${f}`, ...body }
    }))
  }

  return {
    home: options.home,
    s3,
    dynamo,
    deps,
    verdictFor: (key) => new Promise((resolve, reject) => waiters.set(key, [...(waiters.get(key) ?? []), { resolve, reject }])),
    deliver,
    deadLetters,
    captured,
    redrive: async () => {
      let sent = 0
      let failed = 0
      for (const letter of await deadLetters()) {
        await rm(letter.file, { force: true })
        try {
          await deliver(letter.record)
          sent++
        } catch {
          failed++
        }
      }
      return { sent, failed }
    },
    idle: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight])
    },
    close: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight])
      await s3.close()
      await dynamo.close()
    },
  }
}

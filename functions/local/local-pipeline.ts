import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { access, constants, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import type { Readable } from 'node:stream'
import { describeError, PipelineError, StorageError } from '../core/errors.ts'
import { createValidateUploadHandler } from '../handlers/validate-upload.ts'
import { ledgerPlace, recordedVerdict, type UploadDeps, type UploadEvent, type Verdict } from '../use-cases/process-upload.ts'
import { reconcile, type ReconcileResult } from '../use-cases/reconcile.ts'
import { parseUploadKey } from '../core/object-keys.ts'
import { localContext, sqsS3Event } from './aws-events.ts'
import { connectDynamoEmulator, connectS3Emulator, LOCAL_NAMES, startDynamoEmulator, startS3Emulator, stateDirs, type DynamoEmulator, type EmulatorS3Record, type S3Emulator } from './emulators.ts'
import { LocalStateError, OwnerGoneError } from './local-errors.ts'
import { localObservability, localUploadDeps } from './local-runtime.ts'
import { quarantineTornFiles, type QuarantinedObject } from './s3rver-hardening.ts'
import { repairDamagedStore, type LevelRepair } from './level-store-check.ts'
import { acquireState, currentOwner, type Acquired } from './state-owner.ts'

export { localHome, localIdHashKey } from './local-runtime.ts'

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
  /** Reconcile the ingest bucket with the ledger when this process becomes the owner (default true). */
  reconcile?: boolean
  /** Only ownership will do: wait for any other process to end rather than attach to it. */
  ownerOnly?: boolean
  /** Told what start-up found (torn files quarantined, uploads recovered) and when it waits. */
  onNotice?: (line: string) => void
}

/** What an owner's start found and did before serving: nothing is recovered silently. */
export interface Recovery {
  quarantined: QuarantinedObject[]
  /** The DynamoDB emulator's store was damaged: copied aside as found, then repaired. */
  ledgerRepair?: LevelRepair
  /** Events of the local queue's journal delivered again (a process was killed with them). */
  requeued: number
  reconciled?: ReconcileResult
}

export interface LocalPipeline {
  home: string
  /**
   * `owner`: this process runs the emulators and the queue. `attached`: another process does
   * (its pid and endpoints in owner.json); S3 events of uploads go to that process's queue,
   * and this one reads their outcome from the shared ledger.
   */
  role: 'owner' | 'attached'
  /** What the owner's start recovered (owner only). */
  recovery?: Recovery
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
  /**
   * Puts a file at an ingest key and waits until the pipeline has recorded and told its verdict,
   * in this process's queue (owner) or the owner's (attached). Rejects with OwnerGoneError if the
   * owner ends meanwhile (open the pipeline again and call `awaitUpload` with the same `known`).
   */
  /** `metadata`: the object's user metadata (a targets file's `scope`). */
  upload(key: string, body: () => Readable | Uint8Array | string, size: number, known: ReadonlySet<string>, metadata?: Record<string, string>): Promise<Verdict>
  /** The submissions already recorded for a key: take them before `upload`, to tell the new one apart. */
  submissionsOf(key: string): Promise<Set<string>>
  /** Waits for a submission of the key that is not among `known` (after an owner went away). */
  awaitUpload(key: string, known: ReadonlySet<string>): Promise<Verdict>
  /** Sends every upload without a record through the pipeline again; repairs damaged curated objects. */
  reconcile(options?: { deep?: boolean }): Promise<ReconcileResult>
  close(): Promise<void>
}

/** Like the SQS queue's redrive policy on AWS: after this many failed receives, to the DLQ. */
export const LOCAL_MAX_RECEIVE_COUNT = 3

/** A small counting semaphore: `concurrency` workers take events off the local queue. */
function workers(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const backlog: (() => void)[] = []
  return async (task) => {
    if (running < concurrency) running++
    else await new Promise<void>((resolve) => backlog.push(resolve))
    try {
      return await task()
    } finally {
      const next = backlog.shift()
      if (next) next()
      else running--
    }
  }
}

/** Who waits for the verdict of which key: the next verdict (or failure) of the key settles them. */
class VerdictWaiters {
  private readonly waiting = new Map<string, { resolve: (v: Verdict) => void; reject: (e: unknown) => void }[]>()

  wait(key: string): Promise<Verdict> {
    return new Promise((resolve, reject) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), { resolve, reject }]))
  }

  settle(key: string, outcome: { verdict: Verdict } | { error: unknown }): void {
    const list = this.waiting.get(key) ?? []
    this.waiting.delete(key)
    for (const w of list) ('verdict' in outcome ? w.resolve(outcome.verdict) : w.reject(outcome.error))
  }
}

/** The local dead-letter queue: one JSON file per event that failed every receive. */
function deadLetterFolder(dir: string) {
  return {
    async park(record: EmulatorS3Record, error: unknown): Promise<void> {
      await writeFile(join(dir, `${Date.now()}-${record.s3.object.sequencer}.json`), JSON.stringify({ record, error: describeError(error) }, null, 2))
    },
    async list(): Promise<{ file: string; record: EmulatorS3Record; error: string }[]> {
      const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
      return Promise.all(files.map(async (f) => {
        const body = JSON.parse(await readFile(join(dir, f), 'utf8')) as { record: EmulatorS3Record; error: string }
        return { file: join(dir, f), ...body }
      }))
    },
  }
}

/**
 * The local queue on disk: each event the S3 emulator emits is written here (whole: aside,
 * then renamed) before the PUT is answered, and removed once its verdict is recorded or it is a
 * dead letter. A process killed with events in flight leaves their files; the next owner
 * delivers them again with their own time and sequencer, so their submissions are the same.
 */
interface Journal {
  add(record: EmulatorS3Record): boolean
  done(record: EmulatorS3Record): void
  pending(): Promise<EmulatorS3Record[]>
}

function journalFolder(dir: string): Journal {
  const file = (record: EmulatorS3Record) => join(dir, `${record.s3.object.sequencer}.json`)
  return {
    add(record) {
      // Synchronous: the emulator answers the PUT after its listeners return.
      try {
        mkdirSync(dir, { recursive: true })
        const tmp = `${file(record)}.tmp`
        writeFileSync(tmp, JSON.stringify(record))
        renameSync(tmp, file(record))
        return true
      } catch {
        // Not journaled (disk full, state gone): the event is still delivered now, and
        // reconciliation finds the object at the next start if this process dies first.
        return false
      }
    },
    done(record) {
      rmSync(file(record), { force: true })
    },
    async pending() {
      let names: string[]
      try {
        names = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
      } catch {
        return []
      }
      const records: EmulatorS3Record[] = []
      for (const name of names) {
        try {
          records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as EmulatorS3Record)
        } catch {
          // A torn entry: its object is in the ingest bucket, and reconciliation resends it.
          await rm(join(dir, name), { force: true })
        }
      }
      return records
    },
  }
}

type Receive = (record: EmulatorS3Record, count: number) => Promise<Verdict | { failed: unknown }>

/**
 * The validate function as the local queue invokes it: its handler (the same code as on Lambda)
 * with the SQS event AWS would send, then the verdict read back as the county reads it. A
 * failure the handler reported, or a verdict that cannot be read back, is a failed receive.
 */
function validateFunction(deps: UploadDeps, eventTime: (record: EmulatorS3Record) => Date): Receive {
  const failures = new Map<string, unknown>()
  const handler = createValidateUploadHandler({
    deps: () => deps,
    ...localObservability('validate-upload'),
    onFailure: (error, messageId) => failures.set(messageId, error),
  })
  return async (record, count) => {
    const event = sqsS3Event(record, eventTime(record), count)
    const messageId = String(event.Records[0]!['messageId'])
    const result = await handler(event as never, localContext('validate-upload'))
    if (result.batchItemFailures.length > 0) {
      const failed = failures.get(messageId) ?? new PipelineError('the validate function reported the upload as failed')
      failures.delete(messageId)
      return { failed }
    }
    const object = record.s3.object
    return recordedVerdict(deps, { bucket: record.s3.bucket.name, key: object.key, sequencer: object.sequencer, eventTime: eventTime(record), ...(object.versionId ? { versionId: object.versionId } : {}) })
      .catch((failed: unknown) => ({ failed }))
  }
}

/**
 * The local stand-in for the SQS queue: `concurrency` workers, each event received up to
 * LOCAL_MAX_RECEIVE_COUNT times, then parked as a dead letter; whoever waits for the key is told.
 */
function localQueue(receive: Receive, options: { concurrency: number; dlq: ReturnType<typeof deadLetterFolder>; waiters: VerdictWaiters; journal?: Journal }) {
  const slot = workers(Math.max(1, options.concurrency))
  const inFlight = new Set<Promise<unknown>>()
  const deliver = (record: EmulatorS3Record): Promise<Verdict> => {
    const work = slot(async () => {
      let lastError: unknown
      for (let count = 1; count <= LOCAL_MAX_RECEIVE_COUNT; count++) {
        const outcome = await receive(record, count).catch((failed: unknown) => ({ failed }))
        if (!('failed' in outcome)) {
          options.waiters.settle(record.s3.object.key, { verdict: outcome })
          options.journal?.done(record)
          return outcome
        }
        lastError = outcome.failed
      }
      // Whoever waits is told even when the dead letter cannot be written (a full or vanished
      // disk): no upload is left hanging. Its journal entry then stays for the next start.
      try {
        await options.dlq.park(record, lastError)
        options.journal?.done(record)
      } catch (parkError) {
        lastError = new StorageError(`${describeError(lastError)}; and its dead letter could not be written`, { cause: parkError })
      } finally {
        options.waiters.settle(record.s3.object.key, { error: lastError })
      }
      throw lastError
    })
    inFlight.add(work)
    work.then(() => inFlight.delete(work), () => inFlight.delete(work))
    return work
  }
  const idle = async () => {
    while (inFlight.size) await Promise.allSettled([...inFlight])
  }
  return { deliver, idle }
}

/** The state folder exists (or is made) and can be written: else a clear LocalStateError. */
async function usableHome(home: string): Promise<void> {
  try {
    await mkdir(home, { recursive: true })
    await access(home, constants.W_OK)
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'cannot be written by this user' : code === 'ENOSPC' ? 'cannot be created: the disk is full' : `cannot be used (${code ?? describeError(cause)})`
    throw new LocalStateError(`the local state ${home} ${why}`, { cause })
  }
}

/** The submission ids already recorded for an ingest key (to tell a new upload's apart). */
async function submissionsOf(deps: UploadDeps, key: string): Promise<Set<string>> {
  const { county, period } = ledgerPlace(parseUploadKey(key))
  const { submissions } = await deps.ledger.list(county, period)
  return new Set(submissions.filter((s) => s.object_key === key).map((s) => s.submission_id))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Waits for the verdict of a new upload of `key` from the shared state: the ledger (a told
 * submission not among `known`) or the dead-letter folder. If the owner ends meanwhile, says so
 * (OwnerGoneError): the caller opens the pipeline again, which recovers the upload.
 */
async function pollVerdict(home: string, deps: UploadDeps, dlq: ReturnType<typeof deadLetterFolder>, key: string, known: ReadonlySet<string>, ownerPid: number | undefined): Promise<Verdict> {
  const lettersBefore = new Set((await dlq.list().catch(() => [])).map((l) => l.file))
  const until = Date.now() + Number(process.env['VA_VERDICT_TIMEOUT_MS'] ?? 15 * 60_000)
  for (let wait = 50; Date.now() < until; wait = Math.min(wait * 1.5, 500)) {
    try {
      const { county, period } = ledgerPlace(parseUploadKey(key))
      const { submissions } = await deps.ledger.list(county, period)
      const mine = submissions.find((s) => s.object_key === key && !known.has(s.submission_id) && s.notified === true)
      if (mine) return await recordedVerdict(deps, { bucket: deps.buckets.ingest, key, sequencer: mine.sequencer, eventTime: new Date(mine.order_key.split('#')[0]!), ...(mine.version_id ? { versionId: mine.version_id } : {}) })
    } catch (e) {
      if (ownerPid !== undefined && (await currentOwner(home))?.pid !== ownerPid) throw new OwnerGoneError(`the process that owned the local state (pid ${ownerPid}) ended during the upload`, { cause: e })
      throw e
    }
    const letter = (await dlq.list().catch(() => [])).find((l) => !lettersBefore.has(l.file) && l.record.s3.object.key === key)
    if (letter) throw new PipelineError(`the pipeline could not process ${key}: ${letter.error} (kept as a dead letter: va redrive once the cause is fixed)`)
    if (ownerPid !== undefined && (await currentOwner(home))?.pid !== ownerPid) throw new OwnerGoneError(`the process that owned the local state (pid ${ownerPid}) ended during the upload`)
    await sleep(wait)
  }
  throw new StorageError(`no verdict for ${key} in time; the upload is kept, and the next command that owns the state reconciles it`)
}

/**
 * The whole upload pipeline in-process: the S3 emulator's object-created events for
 * `uploads/` and `registry/org_units/` in the ingest bucket go, wrapped in an SQS event exactly
 * as AWS shapes it, to the validate function's handler (the same code as on Lambda) through a
 * small queue: `concurrency` workers (1 by default), each event received up to
 * LOCAL_MAX_RECEIVE_COUNT times, then kept in a dead-letter folder for `va redrive`.
 *
 * One process owns a state folder (state-owner.ts): the first one starts the emulators, recovers
 * what a killed owner left (torn files quarantined, journaled events delivered again, the
 * ingest bucket reconciled with the ledger), then publishes where they listen. Any other process
 * on the same folder meanwhile attaches to them (`role: 'attached'`): its uploads are processed
 * by the owner's queue, and it reads their verdicts from the shared ledger and outbox.
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  await usableHome(options.home)
  const acquired = await acquireState(options.home, { ...(options.onNotice ? { onWait: options.onNotice } : {}), ...(options.ownerOnly ? { ownerOnly: true } : {}) })
  try {
    return acquired.role === 'owner' ? await startOwner(options, acquired) : await startAttached(options, acquired)
  } catch (e) {
    if (acquired.role === 'owner') await acquired.release()
    else await acquired.detach()
    throw e
  }
}

async function startOwner(options: LocalPipelineOptions, acquired: Extract<Acquired, { role: 'owner' }>): Promise<LocalPipeline> {
  const dirs = stateDirs(options.home)
  await mkdir(dirs.tmp, { recursive: true })
  await mkdir(dirs.dlq, { recursive: true })
  const quarantineDir = join(dirs.quarantine, new Date().toISOString().replace(/[:.]/g, ''))
  const quarantined = await quarantineTornFiles(dirs.s3, quarantineDir)
  for (const q of quarantined) options.onNotice?.(`quarantined s3://${q.bucket}/${q.key}: ${q.reason}; its files are kept at ${q.movedTo}`)
  const ledgerRepair = options.inMemoryDynamo ? undefined : await repairDamagedStore(dirs.dynamo, join(quarantineDir, 'dynamodb'))
  if (ledgerRepair) {
    const found = ledgerRepair.damage.map((d) => `${d.file}: ${d.problem}`).join('; ')
    options.onNotice?.(`the DynamoDB emulator's store was damaged (${found}); copied as found to ${ledgerRepair.copiedTo}; ${ledgerRepair.outcome === 'dropped' ? 'its damaged records were dropped' : 'LevelDB rebuilt it from every readable file'}, and the uploads they held are recorded again below`)
  }
  const s3 = await startS3Emulator(dirs.s3)
  let dynamo: DynamoEmulator
  try {
    dynamo = await startDynamoEmulator(options.inMemoryDynamo ? undefined : dirs.dynamo)
  } catch (e) {
    await s3.close()
    throw e
  }
  const deps: UploadDeps = { ...localUploadDeps({ home: options.home, s3: s3.client, dynamo: dynamo.client }, options.limits), ...options.deps }
  const eventTime = (record: EmulatorS3Record) => options.receivedAt?.(record.s3.object.key) ?? new Date(record.eventTime)
  const waiters = new VerdictWaiters()
  const dlq = deadLetterFolder(dirs.dlq)
  const journal = journalFolder(dirs.queue)
  const { deliver, idle } = localQueue(validateFunction(deps, eventTime), { concurrency: options.concurrency ?? 1, dlq, waiters, journal })
  const captured: EmulatorS3Record[] = []
  s3.onObjectCreated((record) => {
    const key = record.s3.object.key
    if (record.s3.bucket.name !== LOCAL_NAMES.ingestBucket) return
    if (!key.startsWith('uploads/') && !key.startsWith('registry/org_units/') && !key.startsWith('registry/targets/')) return
    if (options.autoDeliver === false) captured.push(record)
    else {
      journal.add(record)
      // The failure is kept as a dead letter and told to whoever waits for this key.
      deliver(record).catch(() => undefined)
    }
  })
  const resend = (event: UploadEvent) => deliver(asRecord(event))
  const runReconcile = async (deep = false) => reconcile({ ...deps, resend }, { now: new Date(), graceMs: 0, deep, pending: new Set((await journal.pending()).map((r) => r.s3.object.key)) })

  const recovery: Recovery = { quarantined, requeued: 0, ...(ledgerRepair ? { ledgerRepair } : {}) }
  try {
    if (options.autoDeliver !== false) {
      const pending = await journal.pending()
      recovery.requeued = pending.length
      await Promise.allSettled(pending.map((r) => deliver(r)))
      if (options.reconcile !== false) recovery.reconciled = await runReconcile()
    }
    await acquired.publish({ s3: s3.endpoint, dynamo: dynamo.endpoint })
  } catch (e) {
    await s3.close()
    await dynamo.close()
    throw e
  }
  const told = recovery.reconciled
  if (recovery.requeued || told?.resent.length || told?.repaired.length) {
    options.onNotice?.(`recovered the local state: ${recovery.requeued} queued upload(s) delivered again, ${told?.resent.length ?? 0} unrecorded upload(s) sent through the pipeline, ${told?.repaired.length ?? 0} curated object(s) repaired`)
  }
  for (const bad of told?.unrepairable ?? []) options.onNotice?.(`cannot repair ${bad}: its staged copy is gone too (va replay rebuilds it from the raw uploads)`)

  return {
    home: options.home,
    role: 'owner',
    recovery,
    s3,
    dynamo,
    deps,
    verdictFor: (key) => waiters.wait(key),
    deliver,
    deadLetters: () => dlq.list(),
    captured,
    redrive: () => redriveLetters(dlq, deliver),
    idle,
    submissionsOf: (key) => submissionsOf(deps, key),
    upload: async (key, body, size, _known, metadata) => {
      const processed = waiters.wait(key)
      await s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body(), ContentLength: size, ...(metadata ? { Metadata: metadata } : {}) }))
      return processed
    },
    awaitUpload: (key, known) => pollVerdict(options.home, deps, dlq, key, known, undefined),
    reconcile: (o) => runReconcile(o?.deep),
    close: async () => {
      try {
        await idle()
        await acquired.drain()
        await idle()
      } finally {
        await s3.close()
        await dynamo.close()
        await acquired.release()
      }
    },
  }
}

async function startAttached(options: LocalPipelineOptions, acquired: Extract<Acquired, { role: 'attached' }>): Promise<LocalPipeline> {
  const dirs = stateDirs(options.home)
  const s3 = connectS3Emulator(acquired.owner.s3)
  const dynamo = connectDynamoEmulator(acquired.owner.dynamo)
  const deps: UploadDeps = { ...localUploadDeps({ home: options.home, s3: s3.client, dynamo: dynamo.client }, options.limits), ...options.deps }
  const eventTime = (record: EmulatorS3Record) => options.receivedAt?.(record.s3.object.key) ?? new Date(record.eventTime)
  const waiters = new VerdictWaiters()
  const dlq = deadLetterFolder(dirs.dlq)
  // Deliveries this process makes itself (redrive, reconcile) run the same handler here.
  const { deliver, idle } = localQueue(validateFunction(deps, eventTime), { concurrency: options.concurrency ?? 1, dlq, waiters })
  const journal = journalFolder(dirs.queue)
  const ownerPid = acquired.owner.pid
  return {
    home: options.home,
    role: 'attached',
    s3,
    dynamo,
    deps,
    verdictFor: (key) => waiters.wait(key),
    deliver,
    deadLetters: () => dlq.list(),
    captured: [],
    redrive: () => redriveLetters(dlq, deliver),
    idle,
    submissionsOf: (key) => submissionsOf(deps, key),
    upload: async (key, body, size, known, metadata) => {
      await s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body(), ContentLength: size, ...(metadata ? { Metadata: metadata } : {}) })).catch(async (e: unknown) => {
        if ((await currentOwner(options.home))?.pid !== ownerPid) throw new OwnerGoneError(`the process that owned the local state (pid ${ownerPid}) ended during the upload`, { cause: e })
        throw e
      })
      return pollVerdict(options.home, deps, dlq, key, known, ownerPid)
    },
    awaitUpload: (key, known) => pollVerdict(options.home, deps, dlq, key, known, ownerPid),
    reconcile: async (o) => reconcile({ ...deps, resend: (event) => deliver(asRecord(event)) }, { now: new Date(), graceMs: 0, deep: o?.deep ?? false, pending: new Set((await journal.pending()).map((r) => r.s3.object.key)) }),
    close: async () => {
      try {
        await idle()
      } finally {
        await s3.close()
        await dynamo.close()
        await acquired.detach()
      }
    },
  }
}

/** An upload event as the emulator would have emitted it (for resends through the queue). */
function asRecord(event: UploadEvent): EmulatorS3Record {
  return {
    eventName: 'ObjectCreated:Put',
    eventTime: event.eventTime.toISOString(),
    s3: { bucket: { name: event.bucket }, object: { key: event.key, sequencer: event.sequencer, ...(event.versionId ? { versionId: event.versionId } : {}) } },
  }
}

async function redriveLetters(dlq: ReturnType<typeof deadLetterFolder>, deliver: (r: EmulatorS3Record) => Promise<Verdict>): Promise<{ sent: number; failed: number }> {
  let sent = 0
  let failed = 0
  for (const letter of await dlq.list()) {
    await rm(letter.file, { force: true })
    try {
      await deliver(letter.record)
      sent++
    } catch {
      // It is a dead letter again, with its new error.
      failed++
    }
  }
  return { sent, failed }
}

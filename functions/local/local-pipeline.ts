import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describeError, PipelineError } from '../core/errors.ts'
import { createValidateUploadHandler } from '../handlers/validate-upload.ts'
import { recordedVerdict, type UploadDeps, type Verdict } from '../use-cases/process-upload.ts'
import { localContext, sqsS3Event } from './aws-events.ts'
import { LOCAL_NAMES, startDynamoEmulator, startS3Emulator, stateDirs, type DynamoEmulator, type EmulatorS3Record, type S3Emulator } from './emulators.ts'
import { localObservability, localUploadDeps } from './local-runtime.ts'

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
function localQueue(receive: Receive, options: { concurrency: number; dlq: ReturnType<typeof deadLetterFolder>; waiters: VerdictWaiters }) {
  const slot = workers(Math.max(1, options.concurrency))
  const inFlight = new Set<Promise<unknown>>()
  const deliver = (record: EmulatorS3Record): Promise<Verdict> => {
    const work = slot(async () => {
      let lastError: unknown
      for (let count = 1; count <= LOCAL_MAX_RECEIVE_COUNT; count++) {
        const outcome = await receive(record, count)
        if (!('failed' in outcome)) {
          options.waiters.settle(record.s3.object.key, { verdict: outcome })
          return outcome
        }
        lastError = outcome.failed
      }
      await options.dlq.park(record, lastError)
      options.waiters.settle(record.s3.object.key, { error: lastError })
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

/**
 * The whole upload pipeline in-process: the S3 emulator's object-created events for
 * `uploads/` and `registry/org_units/` in the ingest bucket go, wrapped in an SQS event exactly
 * as AWS shapes it, to the validate function's handler (the same code as on Lambda) through a
 * small queue: `concurrency` workers (1 by default), each event received up to
 * LOCAL_MAX_RECEIVE_COUNT times, then kept in a dead-letter folder for `va redrive`.
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const dirs = stateDirs(options.home)
  await mkdir(dirs.tmp, { recursive: true })
  await mkdir(dirs.dlq, { recursive: true })
  const s3 = await startS3Emulator(dirs.s3)
  const dynamo = await startDynamoEmulator(options.inMemoryDynamo ? undefined : dirs.dynamo)
  const deps: UploadDeps = { ...localUploadDeps({ home: options.home, s3: s3.client, dynamo: dynamo.client }, options.limits), ...options.deps }
  const eventTime = (record: EmulatorS3Record) => options.receivedAt?.(record.s3.object.key) ?? new Date(record.eventTime)
  const waiters = new VerdictWaiters()
  const dlq = deadLetterFolder(dirs.dlq)
  const { deliver, idle } = localQueue(validateFunction(deps, eventTime), { concurrency: options.concurrency ?? 1, dlq, waiters })
  const captured: EmulatorS3Record[] = []
  s3.onObjectCreated((record) => {
    const key = record.s3.object.key
    if (record.s3.bucket.name !== LOCAL_NAMES.ingestBucket) return
    if (!key.startsWith('uploads/') && !key.startsWith('registry/org_units/')) return
    if (options.autoDeliver === false) captured.push(record)
    // The failure is kept as a dead letter and told to whoever waits for this key.
    else deliver(record).catch(() => undefined)
  })

  return {
    home: options.home,
    s3,
    dynamo,
    deps,
    verdictFor: (key) => waiters.wait(key),
    deliver,
    deadLetters: () => dlq.list(),
    captured,
    redrive: async () => {
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
    },
    idle,
    close: async () => {
      await idle()
      await s3.close()
      await dynamo.close()
    },
  }
}

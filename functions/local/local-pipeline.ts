import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DynamoSubmissionLedger, documentClient } from '../adapters/dynamo-submission-ledger.ts'
import { S3ObjectStore } from '../adapters/s3-object-store.ts'
import { processUpload, type UploadDeps, type Verdict } from '../use-cases/process-upload.ts'
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
}

export interface LocalPipeline {
  home: string
  s3: S3Emulator
  dynamo: DynamoEmulator
  deps: UploadDeps
  /** Resolves with the verdict of the next upload of this key. */
  verdictFor(key: string): Promise<Verdict>
  /** Delivers an S3 record to the pipeline again (duplicate delivery, as S3 may do). */
  deliver(record: EmulatorS3Record): Promise<Verdict>
  /** Resolves when every event received so far is processed. */
  idle(): Promise<void>
  close(): Promise<void>
}

/**
 * The whole upload pipeline in-process: the S3 emulator's object-created events for
 * `uploads/` and `registry/org_units/` in the ingest bucket drive the same use case the Lambda
 * handler calls, one at a time, as a queue would.
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const dirs = stateDirs(options.home)
  await mkdir(dirs.tmp, { recursive: true })
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
      const message = { attributes: { county: submission.county }, submission_id: submission.submission_id, object_key: submission.object_key, status: submission.status, dataset: report.dataset, rows: report.rows, counts: report.counts, report_key: submission.report_key }
      await appendFile(outbox, `${JSON.stringify(message)}\n`)
    },
  }

  const waiters = new Map<string, ((v: Verdict) => void)[]>()
  let chain: Promise<unknown> = Promise.resolve()
  const failures: unknown[] = []
  const deliver = (record: EmulatorS3Record): Promise<Verdict> => {
    const run = chain.then(() => processUpload(deps, {
      bucket: record.s3.bucket.name,
      key: record.s3.object.key,
      sequencer: record.s3.object.sequencer,
      eventTime: options.receivedAt?.(record.s3.object.key) ?? new Date(record.eventTime),
      ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
      ...(record.userIdentity?.principalId ? { principal: record.userIdentity.principalId } : {}),
    }))
    chain = run.catch((e) => failures.push(e))
    return run.then((verdict) => {
      const list = waiters.get(record.s3.object.key) ?? []
      waiters.delete(record.s3.object.key)
      for (const w of list) w(verdict)
      return verdict
    })
  }
  s3.onObjectCreated((record) => {
    const key = record.s3.object.key
    if (record.s3.bucket.name !== LOCAL_NAMES.ingestBucket) return
    if (!key.startsWith('uploads/') && !key.startsWith('registry/org_units/')) return
    deliver(record).catch(() => undefined)
  })

  return {
    home: options.home,
    s3,
    dynamo,
    deps,
    verdictFor: (key) => new Promise((res, rej) => {
      waiters.set(key, [...(waiters.get(key) ?? []), res])
      // A failure of the upload's processing is reported to the waiter instead of hanging.
      const check = setInterval(() => {
        if (failures.length) {
          clearInterval(check)
          rej(failures.shift())
        }
      }, 50)
      waiters.get(key)!.push(() => clearInterval(check))
    }),
    deliver,
    idle: async () => {
      await chain
    },
    close: async () => {
      await chain
      await s3.close()
      await dynamo.close()
    },
  }
}

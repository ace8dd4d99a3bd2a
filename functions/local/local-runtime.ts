import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Logger } from '@aws-lambda-powertools/logger'
import { Metrics } from '@aws-lambda-powertools/metrics'
import type { LogLevel } from '@aws-lambda-powertools/logger/types'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { S3Client } from '@aws-sdk/client-s3'
import { METRICS_NAMESPACE } from '../../schemas/metrics.ts'
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from '../../schemas/settings.ts'
import { createDuckDbQueryEngine, type DuckDbQueryEngine } from '../adapters/duckdb-query-engine.ts'
import { appraisalDeps, uploadDeps, type Publish } from '../composition/wiring.ts'
import { createAggregateQuarterHandler, type AggregateResult } from '../handlers/aggregate-quarter.ts'
import type { AggregateEvent } from '../../schemas/events.ts'
import { localContext } from './aws-events.ts'
import { StorageError } from '../core/errors.ts'
import type { UploadDeps } from '../use-cases/process-upload.ts'
import type { AppraisalDeps } from '../use-cases/run-appraisal.ts'
import { LOCAL_NAMES, stateDirs } from './emulators.ts'
import { syncLakeMirror } from './lake-mirror.ts'

/**
 * The composition root on a laptop: the same wiring as on AWS (composition/wiring.ts) over the
 * embedded emulators' clients, DuckDB instead of Athena, a key file instead of Secrets
 * Manager, and JSON-lines outboxes instead of the SNS topics.
 */

export { localHome } from './local-home.ts'

/** The local HMAC key for head_id_hash: generated once, kept in the local state, never in code. */
export async function localIdHashKey(home: string): Promise<Uint8Array> {
  const dir = stateDirs(home).secrets
  const path = join(dir, 'id-hash.key')
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new StorageError(`Cannot read the local ID-hash key ${path}`, { cause: error })
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    await writeFile(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another process made it first: both use the one on disk.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`Cannot write the local ID-hash key ${path}`, { cause: error })
  }
  return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex')
}

/** The local stand-in for an SNS topic: one JSON line per message, with its attributes. */
export function outboxPublisher(file: string): Publish {
  return async (message, attributes) => {
    await mkdir(join(file, '..'), { recursive: true })
    await appendFile(file, `${JSON.stringify({ message, attributes })}\n`)
  }
}

export const outboxFiles = (home: string) => ({
  verdicts: join(stateDirs(home).outbox, 'verdicts.jsonl'),
  appraisals: join(stateDirs(home).outbox, 'appraisals.jsonl'),
})

export interface LocalClients {
  home: string
  s3: S3Client
  dynamo: DynamoDBClient
}

export function localUploadDeps(c: LocalClients, limits: Partial<UploadLimits> = {}): UploadDeps {
  return uploadDeps({
    s3: c.s3,
    dynamo: c.dynamo,
    names: { ingestBucket: LOCAL_NAMES.ingestBucket, lakeBucket: LOCAL_NAMES.lakeBucket, submissionsTable: LOCAL_NAMES.submissionsTable },
    limits: { ...DEFAULT_UPLOAD_LIMITS, ...limits },
    scratchRoot: stateDirs(c.home).tmp,
    idHashKey: () => localIdHashKey(c.home),
    publishVerdict: outboxPublisher(outboxFiles(c.home).verdicts),
  })
}

/** The appraisal's dependencies locally: DuckDB over a mirror of the lake, kept in step before each run. */
export async function localAppraisalDeps(c: LocalClients, scoringOverrides?: string): Promise<AppraisalDeps & { engine: DuckDbQueryEngine }> {
  const dirs = stateDirs(c.home)
  const engine = await createDuckDbQueryEngine({ lakeDir: dirs.lakeMirror })
  const deps = appraisalDeps({
    s3: c.s3,
    dynamo: c.dynamo,
    names: { lakeBucket: LOCAL_NAMES.lakeBucket, submissionsTable: LOCAL_NAMES.submissionsTable, appraisalsTable: LOCAL_NAMES.appraisalsTable },
    engine,
    scratchRoot: dirs.tmp,
    ...(scoringOverrides === undefined ? {} : { scoringOverrides }),
    publishAppraisal: outboxPublisher(outboxFiles(c.home).appraisals),
    beforeQuery: async () => {
      await syncLakeMirror(deps.store, LOCAL_NAMES.lakeBucket, dirs.lakeMirror)
      await engine.refresh()
    },
  })
  return { ...deps, engine }
}

/**
 * The Logger and Metrics of a local function. Logs are off unless VA_LOG_LEVEL asks for them
 * (they would mix with the command's own output); CloudWatch metrics have no local reader, so
 * Powertools' own switch turns them off in the local process.
 */
export function localObservability(serviceName: string, env: Record<string, string | undefined> = process.env): { logger: Logger; metrics: Metrics } {
  process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true'
  const level = (env['VA_LOG_LEVEL'] ?? 'SILENT').toUpperCase() as LogLevel
  return {
    logger: new Logger({ serviceName, logLevel: level }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  }
}

/**
 * The aggregate function as the local runtime runs it: the same handler as on Lambda, called
 * with the event the schedule (or an operator) sends. `now` stands in for the clock (the demo
 * appraises past quarters as if on their day).
 */
export function aggregateFunction(deps: AppraisalDeps, now?: () => Date): (event: AggregateEvent) => Promise<AggregateResult> {
  const handler = createAggregateQuarterHandler({ deps: () => deps, ...localObservability('aggregate-quarter'), ...(now ? { now } : {}) })
  return (event) => handler(event, localContext('aggregate-quarter'))
}

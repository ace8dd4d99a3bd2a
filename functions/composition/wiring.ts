import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { nodeByteCodecs } from '../adapters/node-byte-codecs.ts'
import type { S3Client } from '@aws-sdk/client-s3'
import type { UploadLimits } from '../../schemas/settings.ts'
import { DynamoAppraisalStore } from '../adapters/dynamo-appraisal-store.ts'
import { DynamoRectificationStore } from '../adapters/dynamo-rectification-store.ts'
import { DynamoSubmissionLedger, documentClient } from '../adapters/dynamo-submission-ledger.ts'
import { hmacSha256Hex } from '../adapters/node-id-hash.ts'
import { readParquetRows } from '../adapters/parquet-read.ts'
import { S3ObjectStore } from '../adapters/s3-object-store.ts'
import { scratchFolder } from '../adapters/scratch-files.ts'
import type { AppraisalAnnouncement } from '../core/appraisal/appraisal-summary.ts'
import { loadScoringConfig, type LoadedScoringConfig } from '../core/appraisal/scoring-config.ts'
import { verdictMessage } from '../core/verdict-message.ts'
import type { QueryEngine } from '../use-cases/ports.ts'
import type { UploadDeps, Verdict } from '../use-cases/process-upload.ts'
import type { AppraisalDeps } from '../use-cases/run-appraisal.ts'
import type { PortalDeps } from '../use-cases/portal-api.ts'
import type { Presigner } from '../use-cases/ports.ts'
import defaultScoring from '../config/scoring/2024.3.json' with { type: 'json' }

/**
 * The one wiring of the pipeline's use cases, shared by every runtime: the Lambda handlers
 * (aws.ts), the local pipeline and `va` (local.ts). A runtime differs only in its clients'
 * endpoints, its query engine, where the ID-hash key comes from and where messages go.
 */

/** Publishes one message with string attributes (SNS on AWS, a JSON-lines outbox locally). */
export type Publish = (message: unknown, attributes: Record<string, string>, subject: string) => Promise<void>

export interface Names {
  ingestBucket: string
  lakeBucket: string
  submissionsTable: string
  appraisalsTable: string
}

export interface UploadWiring {
  s3: S3Client
  dynamo: DynamoDBClient
  names: Pick<Names, 'ingestBucket' | 'lakeBucket' | 'submissionsTable'>
  limits: UploadLimits
  /** Where uploads are unpacked and staged: /tmp on Lambda, the state's tmp folder locally. */
  scratchRoot: string
  /** The HMAC key for head_id_hash (Secrets Manager on AWS, a key file locally); fetched once. */
  idHashKey: () => Promise<Uint8Array>
  publishVerdict?: Publish
}

export function uploadDeps(w: UploadWiring): UploadDeps {
  let hasher: Promise<(value: string) => string> | undefined
  const deps: UploadDeps = {
    store: new S3ObjectStore(w.s3),
    ledger: new DynamoSubmissionLedger(documentClient(w.dynamo), w.names.submissionsTable),
    buckets: { ingest: w.names.ingestBucket, lake: w.names.lakeBucket },
    idHasher: () => (hasher ??= w.idHashKey().then(hmacSha256Hex).catch((e: unknown) => {
      hasher = undefined
      throw e
    })),
    limits: w.limits,
    codecs: nodeByteCodecs,
    scratch: scratchFolder(w.scratchRoot),
    readTable: readParquetRows,
  }
  const publish = w.publishVerdict
  if (publish) deps.notify = (verdict) => publishVerdict(publish, verdict)
  return deps
}

/** The verdict as a county's subscription sees it: the message, and its county as attribute. */
function publishVerdict(publish: Publish, { submission, report }: Verdict): Promise<void> {
  const { message, attributes } = verdictMessage(submission, report)
  return publish(message, attributes, `${submission.county} ${submission.period} ${submission.status}`)
}

/**
 * The scoring configuration: the bundled one with the province's overrides (JSON, from the
 * deployment's SCORING_OVERRIDES), hashed from its canonical JSON so that every runtime that
 * appraises a quarter with the same configuration stores the same hash.
 */
export function scoringConfig(overrides?: string): LoadedScoringConfig {
  return loadScoringConfig(JSON.stringify(defaultScoring), overrides === '' ? undefined : overrides)
}

export interface AppraisalWiring {
  s3: S3Client
  dynamo: DynamoDBClient
  names: Pick<Names, 'lakeBucket' | 'submissionsTable' | 'appraisalsTable'>
  engine: QueryEngine
  scratchRoot: string
  scoringOverrides?: string
  publishAppraisal?: Publish
  /** Local runs copy the lake's new objects where DuckDB reads them; Athena needs nothing. */
  beforeQuery?: () => Promise<void>
}

export function appraisalDeps(w: AppraisalWiring): AppraisalDeps {
  const db = documentClient(w.dynamo)
  const deps: AppraisalDeps = {
    engine: w.engine,
    store: new S3ObjectStore(w.s3),
    ledger: new DynamoSubmissionLedger(db, w.names.submissionsTable),
    appraisals: new DynamoAppraisalStore(db, w.names.appraisalsTable),
    // Rectification items share the appraisals table (dynamo-rectification-store.ts).
    rectifications: new DynamoRectificationStore(db, w.names.appraisalsTable),
    lakeBucket: w.names.lakeBucket,
    scoring: scoringConfig(w.scoringOverrides),
    scratch: scratchFolder(w.scratchRoot),
    readTable: readParquetRows,
  }
  const publish = w.publishAppraisal
  if (publish) deps.announce = (summary: AppraisalAnnouncement) => publish(summary, { period: summary.period }, `Appraisal ${summary.period} published`)
  if (w.beforeQuery) deps.beforeQuery = w.beforeQuery
  return deps
}

export interface PortalWiring {
  s3: S3Client
  dynamo: DynamoDBClient
  names: Names
  presigner: Presigner
  maxUploadBytes: number
  aggregate: PortalDeps['aggregate']
}

/** The portal API's dependencies: the same ledger, appraisal store and object store as the functions'. */
export function portalDeps(w: PortalWiring): PortalDeps {
  const db = documentClient(w.dynamo)
  return {
    ledger: new DynamoSubmissionLedger(db, w.names.submissionsTable),
    appraisals: new DynamoAppraisalStore(db, w.names.appraisalsTable),
    rectifications: new DynamoRectificationStore(db, w.names.appraisalsTable),
    store: new S3ObjectStore(w.s3),
    readTable: readParquetRows,
    presigner: w.presigner,
    buckets: { ingest: w.names.ingestBucket, lake: w.names.lakeBucket },
    maxUploadBytes: w.maxUploadBytes,
    aggregate: w.aggregate,
  }
}

import { tmpdir } from 'node:os'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SNSClient } from '@aws-sdk/client-sns'
import { Logger } from '@aws-lambda-powertools/logger'
import middy from '@middy/core'
import type { SQSBatchResponse } from 'aws-lambda'
import { S3NotificationSchema, SqsEventSchema } from '../../schemas/events.ts'
import { ValidateEnvSchema, parseEnv } from '../../schemas/env.ts'
import { DynamoSubmissionLedger, documentClient } from '../adapters/dynamo-submission-ledger.ts'
import { S3ObjectStore, s3ClientConfig } from '../adapters/s3-object-store.ts'
import { decodeEventKey } from '../core/object-keys.ts'
import { verdictMessage } from '../core/verdict-message.ts'
import { redactIdNumbers } from '../core/findings.ts'
import { snsPublisher } from '../adapters/sns-notifier.ts'
import { processUpload, type UploadDeps } from '../use-cases/process-upload.ts'

// Built once per cold start; a bad environment fails here, loudly, before any upload.
const env = parseEnv(ValidateEnvSchema, process.env)
const logger = new Logger({ serviceName: 'validate-upload' })
const secrets = new SecretsManagerClient({})
let idKey: Promise<Uint8Array> | undefined
const publish = env.VERDICT_TOPIC_ARN ? snsPublisher(new SNSClient({}), env.VERDICT_TOPIC_ARN) : undefined

const deps: UploadDeps = {
  store: new S3ObjectStore(new S3Client(s3ClientConfig())),
  ledger: new DynamoSubmissionLedger(documentClient(new DynamoDBClient({})), env.SUBMISSIONS_TABLE),
  buckets: { ingest: env.INGEST_BUCKET, lake: env.LAKE_BUCKET },
  idHashKey: () => (idKey ??= secrets.send(new GetSecretValueCommand({ SecretId: env.ID_HASH_SECRET_ARN })).then((r) => Buffer.from(r.SecretString ?? '', 'utf8'))),
  limits: { maxBytes: env.MAX_FILE_BYTES, maxRows: env.MAX_ROWS, deadlineDays: env.DEADLINE_DAYS },
  tmpDir: tmpdir(),
  ...(publish
    ? { notify: async ({ submission, report }) => {
        const { message, attributes } = verdictMessage(submission, report)
        await publish(message, attributes, `${submission.county} ${submission.period} ${submission.status}`)
      } }
    : {}),
}

/**
 * SQS batch of S3 notifications → one processUpload per record. A record that fails is
 * returned as a batch item failure so SQS retries it and, past maxReceiveCount, parks it in the
 * dead-letter queue; nothing is swallowed.
 */
export const handler = middy(async (event: unknown): Promise<SQSBatchResponse> => {
  const batch = SqsEventSchema.parse(event)
  const failures: { itemIdentifier: string }[] = []
  for (const message of batch.Records) {
    try {
      const body = S3NotificationSchema.parse(JSON.parse(message.body))
      for (const r of body.Records) {
        if (!r.eventName.startsWith('ObjectCreated:')) continue
        const verdict = await processUpload(deps, {
          bucket: r.s3.bucket.name,
          key: decodeEventKey(r.s3.object.key),
          sequencer: r.s3.object.sequencer,
          eventTime: new Date(r.eventTime),
          ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
          ...(r.userIdentity?.principalId ? { principal: r.userIdentity.principalId } : {}),
        })
        // Counts and codes only: a finding's value could hold personal data.
        logger.info('verdict', { submission_id: verdict.submission.submission_id, status: verdict.submission.status, counts: verdict.report.counts })
      }
    } catch (error) {
      // An object key may hold anything a county typed, an ID number included: never log one.
      const e = error as Error
      logger.error('upload failed; SQS will retry', {
        messageId: message.messageId,
        error: { name: e.name, message: redactIdNumbers(String(e.message)), stack: redactIdNumbers(String(e.stack ?? '')) },
      })
      failures.push({ itemIdentifier: message.messageId })
    }
  }
  return { batchItemFailures: failures }
})

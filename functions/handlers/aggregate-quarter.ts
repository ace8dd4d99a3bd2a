import { tmpdir } from 'node:os'
import { AthenaClient } from '@aws-sdk/client-athena'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { SNSClient } from '@aws-sdk/client-sns'
import { snsPublisher } from '../adapters/sns-notifier.ts'
import { Logger } from '@aws-lambda-powertools/logger'
import middy from '@middy/core'
import { AggregateEventSchema } from '../../schemas/events.ts'
import { AggregateEnvSchema, parseEnv } from '../../schemas/env.ts'
import { createAthenaQueryEngine } from '../adapters/athena-query-engine.ts'
import { DynamoAppraisalStore } from '../adapters/dynamo-appraisal-store.ts'
import { DynamoSubmissionLedger, documentClient } from '../adapters/dynamo-submission-ledger.ts'
import { S3ObjectStore, s3ClientConfig } from '../adapters/s3-object-store.ts'
import { loadScoringConfig } from '../core/appraisal/scoring-config.ts'
import { formatPeriod, quarterJustEnded } from '../core/period.ts'
import { runAppraisal, type AppraisalDeps } from '../use-cases/run-appraisal.ts'
import defaultScoring from '../config/scoring/2024.1.json' with { type: 'json' }

const env = parseEnv(AggregateEnvSchema, process.env)
const logger = new Logger({ serviceName: 'aggregate-quarter' })
const db = documentClient(new DynamoDBClient({}))
const announce = snsPublisher(new SNSClient({}), env.APPRAISAL_TOPIC_ARN)
const deps: AppraisalDeps = {
  engine: createAthenaQueryEngine({ client: new AthenaClient({}), workGroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE }),
  store: new S3ObjectStore(new S3Client(s3ClientConfig())),
  ledger: new DynamoSubmissionLedger(db, env.SUBMISSIONS_TABLE),
  appraisals: new DynamoAppraisalStore(db, env.APPRAISALS_TABLE),
  lakeBucket: env.LAKE_BUCKET,
  // The canonical JSON of the bundled configuration: hashed the same way by `va aggregate`.
  scoring: loadScoringConfig(JSON.stringify(defaultScoring), env.SCORING_OVERRIDES || undefined),
  tmpDir: tmpdir(),
  ...(env.APPRAISAL_TOPIC_ARN
    ? { announce: (summary) => announce(summary, { period: summary.period }, `Appraisal ${summary.period} published`) }
    : {}),
}

/**
 * The quarterly appraisal. The schedule (02:00 Asia/Shanghai on the 15th of Jan/Apr/Jul/Oct)
 * sends `{ "source": "schedule" }` and the quarter just ended is appraised; an operator may
 * send `{ "period": "2024Q2", "publish": true }`. Errors propagate: Lambda retries the async
 * invocation twice, then the on-failure destination parks the event in the schedule's DLQ.
 */
export const handler = middy(async (event: unknown) => {
  const input = AggregateEventSchema.parse(event ?? {})
  const now = new Date()
  const period = input.period ?? formatPeriod(quarterJustEnded(input.time ? new Date(input.time) : now))
  const result = await runAppraisal(deps, { period, now, publish: input.publish ?? false, by: input.source ?? 'schedule' })
  logger.info('appraisal stored', { period, counties: result.appraisal.counties.length, missing: result.missing_counties.length, run_id: result.run_id })
  return { period, counties: result.appraisal.counties.length, run_id: result.run_id }
})

import { tmpdir } from 'node:os'
import { AthenaClient } from '@aws-sdk/client-athena'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SNSClient } from '@aws-sdk/client-sns'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import * as z from 'zod/mini'
import '../../schemas/zod-english.ts'
import type { AggregateEnv, PortalApiEnv, ValidateEnv } from '../../schemas/env.ts'
import type { AggregateEvent } from '../../schemas/events.ts'
import { s3Presigner } from '../adapters/s3-presigner.ts'
import type { PortalDeps } from '../use-cases/portal-api.ts'
import { createAthenaQueryEngine } from '../adapters/athena-query-engine.ts'
import { s3ClientConfig } from '../adapters/s3-object-store.ts'
import { snsPublisher } from '../adapters/sns-notifier.ts'
import { ConfigurationError } from '../core/errors.ts'
import type { UploadDeps } from '../use-cases/process-upload.ts'
import type { AppraisalDeps } from '../use-cases/run-appraisal.ts'
import { appraisalDeps, portalDeps, uploadDeps } from './wiring.ts'

/**
 * The composition root on AWS: every dependency built from the parsed environment of the
 * function (schemas/env.ts), once per cold start. `va --target aws` builds the same from the
 * stack's outputs (functions/cli/targets.ts), so a manual run is wired as the scheduled one.
 */

export function awsUploadDeps(env: ValidateEnv): UploadDeps {
  const secrets = new SecretsManagerClient({})
  return uploadDeps({
    s3: new S3Client(s3ClientConfig()),
    dynamo: new DynamoDBClient({}),
    names: { ingestBucket: env.INGEST_BUCKET, lakeBucket: env.LAKE_BUCKET, submissionsTable: env.SUBMISSIONS_TABLE },
    limits: { maxBytes: env.MAX_FILE_BYTES, maxRows: env.MAX_ROWS, deadlineDays: env.DEADLINE_DAYS },
    scratchRoot: tmpdir(),
    idHashKey: async () => {
      const r = await secrets.send(new GetSecretValueCommand({ SecretId: env.ID_HASH_SECRET_ARN }))
      if (!r.SecretString) throw new ConfigurationError(`The secret ${env.ID_HASH_SECRET_ARN} holds no ID-hash key`)
      return Buffer.from(r.SecretString, 'utf8')
    },
    ...(env.VERDICT_TOPIC_ARN ? { publishVerdict: snsPublisher(new SNSClient({}), env.VERDICT_TOPIC_ARN) } : {}),
  })
}

export function awsAppraisalDeps(env: AggregateEnv): AppraisalDeps {
  // Every Athena query of a run settles by the run's deadline, set when the run starts and kept
  // below the function's timeout (the stack sets both), so a stuck query is stopped by us, not
  // cut off by Lambda.
  let deadline: number | undefined
  return appraisalDeps({
    s3: new S3Client(s3ClientConfig()),
    dynamo: new DynamoDBClient({}),
    names: { lakeBucket: env.LAKE_BUCKET, submissionsTable: env.SUBMISSIONS_TABLE, appraisalsTable: env.APPRAISALS_TABLE },
    engine: createAthenaQueryEngine({ client: new AthenaClient({}), workGroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, deadline: () => deadline }),
    scratchRoot: tmpdir(),
    scoringOverrides: env.SCORING_OVERRIDES,
    beforeQuery: async () => {
      deadline = Date.now() + env.QUERY_DEADLINE_SECONDS * 1000
    },
    ...(env.APPRAISAL_TOPIC_ARN ? { publishAppraisal: snsPublisher(new SNSClient({}), env.APPRAISAL_TOPIC_ARN) } : {}),
  })
}

/**
 * The portal API on AWS. Presigned requests are signed with the function's own role (so S3
 * checks the role's rights on the key); run and publish invoke the aggregate function
 * asynchronously, as the schedule does, with the signed-in identity as the event's source.
 */
export function awsPortalDeps(env: PortalApiEnv, region: string): PortalDeps {
  const s3 = new S3Client(s3ClientConfig())
  // Run and publish are the only routes that invoke: the Lambda client (~75 KB of code) is
  // loaded on the first of them, not at every cold start of the API.
  let lambda: Promise<{ client: LambdaClient; InvokeCommand: typeof import('@aws-sdk/client-lambda').InvokeCommand }> | undefined
  return portalDeps({
    s3,
    dynamo: new DynamoDBClient({}),
    names: { ingestBucket: env.INGEST_BUCKET, lakeBucket: env.LAKE_BUCKET, submissionsTable: env.SUBMISSIONS_TABLE, appraisalsTable: env.APPRAISALS_TABLE },
    presigner: s3Presigner(() => s3.config.credentials(), { region }),
    maxUploadBytes: env.MAX_FILE_BYTES,
    aggregate: async (event: AggregateEvent & { period: string; publish: boolean; source: string }) => {
      lambda ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => ({ client: new LambdaClient({}), InvokeCommand }))
      const { client, InvokeCommand } = await lambda
      await client.send(new InvokeCommand({ FunctionName: env.AGGREGATE_FUNCTION_NAME, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(event)) }))
      return { status: 'started' as const }
    },
  })
}

/** Parses a function's environment once; a bad deploy fails at cold start with every problem listed. */
export function parseEnv<S extends z.ZodMiniType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(env)
  if (!parsed.success) throw new ConfigurationError(`Invalid environment:\n${z.prettifyError(parsed.error)}`)
  return parsed.data
}

/**
 * Composes once. In Lambda (AWS_LAMBDA_FUNCTION_NAME is set) at once, at cold start, so a bad
 * deploy fails there, loudly, before any event; imported elsewhere (the local runtime, tests)
 * only when first used, so the module loads without an AWS environment.
 */
export function composeAtColdStart<T>(compose: () => T): () => T {
  let composed: T | undefined
  const get = () => (composed ??= compose())
  if (process.env['AWS_LAMBDA_FUNCTION_NAME']) get()
  return get
}

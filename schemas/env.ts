import * as z from 'zod'
import { UPLOAD_LIMITS } from './settings.ts'

/**
 * The environment of each Lambda function. The CDK stack sets exactly these keys (it imports
 * the key lists below) and each handler parses them once at cold start, so a bad deploy fails
 * loudly with `z.prettifyError` instead of at the first upload.
 */

export const ValidateEnvSchema = z.object({
  INGEST_BUCKET: z.string().min(3),
  LAKE_BUCKET: z.string().min(3),
  SUBMISSIONS_TABLE: z.string().min(1),
  /** Secrets Manager secret holding the HMAC key for head_id_hash (never in code or env). */
  ID_HASH_SECRET_ARN: z.string().min(1),
  MAX_FILE_BYTES: z.coerce.number().int().positive().default(UPLOAD_LIMITS.maxBytes),
  MAX_ROWS: z.coerce.number().int().positive().default(UPLOAD_LIMITS.maxRows),
  /** Days after the quarter's last day before late_submission (validation.md). */
  DEADLINE_DAYS: z.coerce.number().int().nonnegative().default(UPLOAD_LIMITS.deadlineDays),
  /** SNS topic for verdicts; empty when the stack has none. */
  VERDICT_TOPIC_ARN: z.string().default(''),
})
export type ValidateEnv = z.infer<typeof ValidateEnvSchema>

export const AggregateEnvSchema = z.object({
  LAKE_BUCKET: z.string().min(3),
  SUBMISSIONS_TABLE: z.string().min(1),
  APPRAISALS_TABLE: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  ATHENA_WORKGROUP: z.string().min(1),
  /** Province overrides of the scoring configuration, as JSON; empty for the defaults. */
  SCORING_OVERRIDES: z.string().default(''),
  APPRAISAL_TOPIC_ARN: z.string().default(''),
  /**
   * Seconds from the start of an invocation by which every Athena query of the run must have
   * settled (the engine's `deadline`); a query still running then is stopped. The stack sets it
   * below the function's timeout, so the stop is sent before Lambda ends the invocation.
   */
  QUERY_DEADLINE_SECONDS: z.coerce.number().int().positive().default(720),
})
export type AggregateEnv = z.infer<typeof AggregateEnvSchema>

export const PortalApiEnvSchema = z.object({
  INGEST_BUCKET: z.string().min(3),
  LAKE_BUCKET: z.string().min(3),
  SUBMISSIONS_TABLE: z.string().min(1),
  APPRAISALS_TABLE: z.string().min(1),
  /** The aggregate function, invoked asynchronously for run and publish (an appraisal outlasts API Gateway's 30 s). */
  AGGREGATE_FUNCTION_NAME: z.string().min(1),
  /** The largest upload a presigned POST is signed for (the same limit as file_too_large). */
  MAX_FILE_BYTES: z.coerce.number().int().positive().default(UPLOAD_LIMITS.maxBytes),
})
export type PortalApiEnv = z.infer<typeof PortalApiEnvSchema>

export const VALIDATE_ENV_KEYS = Object.keys(ValidateEnvSchema.shape) as (keyof ValidateEnv)[]
export const AGGREGATE_ENV_KEYS = Object.keys(AggregateEnvSchema.shape) as (keyof AggregateEnv)[]
export const PORTAL_API_ENV_KEYS = Object.keys(PortalApiEnvSchema.shape) as (keyof PortalApiEnv)[]

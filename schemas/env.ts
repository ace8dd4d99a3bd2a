import * as z from 'zod/mini'
import './zod-english.ts'
import { UPLOAD_LIMITS } from './settings.ts'

/**
 * The environment of each Lambda function. The CDK stack sets exactly these keys (it imports
 * the key lists below) and each handler parses them once at cold start, so a bad deploy fails
 * loudly with `z.prettifyError` instead of at the first upload. zod's mini build (functional
 * checks, no methods): what a handler loads at init stays small (bench/bundle.ts).
 */

const text = (min: number) => z.string().check(z.minLength(min))
const count = (fallback: number, least: 'positive' | 'nonnegative') =>
  z._default(z.coerce.number().check(z.int(), least === 'positive' ? z.positive() : z.nonnegative()), fallback)

export const ValidateEnvSchema = z.object({
  INGEST_BUCKET: text(3),
  LAKE_BUCKET: text(3),
  SUBMISSIONS_TABLE: text(1),
  /** Secrets Manager secret holding the HMAC key for head_id_hash (never in code or env). */
  ID_HASH_SECRET_ARN: text(1),
  MAX_FILE_BYTES: count(UPLOAD_LIMITS.maxBytes, 'positive'),
  MAX_ROWS: count(UPLOAD_LIMITS.maxRows, 'positive'),
  /** Days after the quarter's last day before late_submission (validation.md). */
  DEADLINE_DAYS: count(UPLOAD_LIMITS.deadlineDays, 'nonnegative'),
  /** SNS topic for verdicts; empty when the stack has none. */
  VERDICT_TOPIC_ARN: z._default(z.string(), ''),
})
export type ValidateEnv = z.infer<typeof ValidateEnvSchema>

export const AggregateEnvSchema = z.object({
  LAKE_BUCKET: text(3),
  SUBMISSIONS_TABLE: text(1),
  APPRAISALS_TABLE: text(1),
  GLUE_DATABASE: text(1),
  ATHENA_WORKGROUP: text(1),
  /** Province overrides of the scoring configuration, as JSON; empty for the defaults. */
  SCORING_OVERRIDES: z._default(z.string(), ''),
  APPRAISAL_TOPIC_ARN: z._default(z.string(), ''),
  /**
   * Seconds from the start of an invocation by which every Athena query of the run must have
   * settled (the engine's `deadline`); a query still running then is stopped. The stack sets it
   * below the function's timeout, so the stop is sent before Lambda ends the invocation.
   */
  QUERY_DEADLINE_SECONDS: count(720, 'positive'),
})
export type AggregateEnv = z.infer<typeof AggregateEnvSchema>

export const PortalApiEnvSchema = z.object({
  INGEST_BUCKET: text(3),
  LAKE_BUCKET: text(3),
  SUBMISSIONS_TABLE: text(1),
  APPRAISALS_TABLE: text(1),
  /** The aggregate function, invoked asynchronously for run and publish (an appraisal outlasts API Gateway's 30 s). */
  AGGREGATE_FUNCTION_NAME: text(1),
  /** The largest upload a presigned POST is signed for (the same limit as file_too_large). */
  MAX_FILE_BYTES: count(UPLOAD_LIMITS.maxBytes, 'positive'),
})
export type PortalApiEnv = z.infer<typeof PortalApiEnvSchema>

export const VALIDATE_ENV_KEYS = Object.keys(ValidateEnvSchema.shape) as (keyof ValidateEnv)[]
export const AGGREGATE_ENV_KEYS = Object.keys(AggregateEnvSchema.shape) as (keyof AggregateEnv)[]
export const PORTAL_API_ENV_KEYS = Object.keys(PortalApiEnvSchema.shape) as (keyof PortalApiEnv)[]

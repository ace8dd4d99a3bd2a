import { z } from 'zod'
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3'

/**
 * The events the functions receive. S3 notifications are checked against Powertools' own
 * schema of the record AWS sends (strict: the local pipeline builds the same shape).
 */

/** One S3 event notification record. */
export const S3EventRecordSchema = S3Schema.shape.Records.element
export type S3EventRecord = z.infer<typeof S3EventRecordSchema>

/**
 * The body of an SQS message from an S3 notification. S3 also sends a one-off `s3:TestEvent`
 * when the notification is set up: it has no records and is passed over.
 */
export const S3NotificationSchema = z.union([
  z.object({ Records: z.array(S3EventRecordSchema).min(1) }),
  z.object({ Event: z.literal('s3:TestEvent') }).transform(() => ({ Records: [] as S3EventRecord[] })),
])

/** What the scheduler (or an operator) sends the aggregate function. */
export const AggregateEventSchema = z.object({
  source: z.string().optional(),
  period: z.string().regex(/^\d{4}Q[1-4]$/).optional(),
  publish: z.boolean().optional(),
  time: z.string().optional(),
})
export type AggregateEvent = z.infer<typeof AggregateEventSchema>

/** What the daily schedule (or an operator, on demand) sends the reconcile function. */
export const ReconcileEventSchema = z.object({
  source: z.string().optional(),
  /** Also read every current curated object (default true: once a day is cheap). */
  deep: z.boolean().optional(),
  /** Leave objects younger than this to their own event, which may still be on its way (default 3600). */
  grace_seconds: z.number().int().nonnegative().optional(),
})
export type ReconcileEvent = z.infer<typeof ReconcileEventSchema>

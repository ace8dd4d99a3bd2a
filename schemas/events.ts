import * as z from 'zod/mini'
import './zod-english.ts'

/**
 * The events the functions receive. S3 notifications are checked against the record AWS
 * sends, as Powertools' parser describes it (`S3RecordSchema`, @aws-lambda-powertools/parser
 * 2.35, copied field for field: strict, the local pipeline builds the same shape). It is
 * written out here because the parser's modules `import { z } from 'zod'`, which brings zod's
 * whole namespace (every locale, ~370 KB) into each Lambda bundle; `import * as z` does not.
 * zod's mini build (functional checks): these schemas are parsed by handlers loaded at init.
 */
const S3Identity = z.object({ principalId: z.string() })

/** One S3 event notification record. */
export const S3EventRecordSchema = z.object({
  eventVersion: z.string(),
  eventSource: z.literal('aws:s3'),
  awsRegion: z.string(),
  eventTime: z.iso.datetime(),
  eventName: z.string(),
  userIdentity: S3Identity,
  requestParameters: z.object({ sourceIPAddress: z.union([z.ipv4(), z.literal('s3.amazonaws.com')]) }),
  responseElements: z.object({ 'x-amz-request-id': z.string(), 'x-amz-id-2': z.string() }),
  s3: z.object({
    s3SchemaVersion: z.string(),
    configurationId: z.string(),
    object: z.object({
      key: z.string(),
      size: z.optional(z.number()),
      urlDecodedKey: z.optional(z.string()),
      eTag: z.optional(z.string()),
      // Only in PUT and DELETE events.
      sequencer: z.optional(z.string()),
      versionId: z.optional(z.string()),
    }),
    bucket: z.object({ name: z.string(), ownerIdentity: S3Identity, arn: z.string() }),
  }),
  glacierEventData: z.optional(z.object({
    restoreEventData: z.object({ lifecycleRestorationExpiryTime: z.string(), lifecycleRestoreStorageClass: z.string() }),
  })),
})
export type S3EventRecord = z.infer<typeof S3EventRecordSchema>

/**
 * The body of an SQS message from an S3 notification. S3 also sends a one-off `s3:TestEvent`
 * when the notification is set up: it has no records and is passed over.
 */
export const S3NotificationSchema = z.union([
  z.object({ Records: z.array(S3EventRecordSchema).check(z.minLength(1)) }),
  z.pipe(z.object({ Event: z.literal('s3:TestEvent') }), z.transform(() => ({ Records: [] as S3EventRecord[] }))),
])

/** What the scheduler (or an operator) sends the aggregate function. */
export const AggregateEventSchema = z.object({
  source: z.optional(z.string()),
  period: z.optional(z.string().check(z.regex(/^\d{4}Q[1-4]$/))),
  publish: z.optional(z.boolean()),
  time: z.optional(z.string()),
})
export type AggregateEvent = z.infer<typeof AggregateEventSchema>

/** What the daily schedule (or an operator, on demand) sends the reconcile function. */
export const ReconcileEventSchema = z.object({
  source: z.optional(z.string()),
  /** Also read every current curated object (default true: once a day is cheap). */
  deep: z.optional(z.boolean()),
  /** Leave objects younger than this to their own event, which may still be on its way (default 3600). */
  grace_seconds: z.optional(z.number().check(z.int(), z.nonnegative())),
})
export type ReconcileEvent = z.infer<typeof ReconcileEventSchema>

import { z } from 'zod'

/** One S3 event notification record (the fields the pipeline reads). */
export const S3EventRecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string(),
  userIdentity: z.object({ principalId: z.string() }).partial().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      versionId: z.string().optional(),
      sequencer: z.string(),
      eTag: z.string().optional(),
    }),
  }),
})
export type S3EventRecord = z.infer<typeof S3EventRecordSchema>

/** The body of an SQS message from an S3 notification (S3 also sends a one-off `s3:TestEvent`). */
export const S3NotificationSchema = z.object({ Records: z.array(S3EventRecordSchema).default([]), Event: z.string().optional() })

export const SqsEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string(), body: z.string() })),
})

/** What the scheduler (or an operator) sends the aggregate function. */
export const AggregateEventSchema = z.object({
  source: z.string().optional(),
  period: z.string().regex(/^\d{4}Q[1-4]$/).optional(),
  publish: z.boolean().optional(),
  time: z.string().optional(),
})

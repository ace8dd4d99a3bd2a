import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import middy from '@middy/core'
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import { ValidateEnvSchema } from '../../schemas/env.ts'
import { S3NotificationSchema, type S3EventRecord } from '../../schemas/events.ts'
import { METRICS, METRICS_NAMESPACE, METRIC_SERVICES } from '../../schemas/metrics.ts'
import { awsUploadDeps, composeAtColdStart, parseEnv } from '../composition/aws.ts'
import { redactIdNumbers } from '../core/findings.ts'
import { decodeEventKey } from '../core/object-keys.ts'
import { processUpload, type UploadDeps, type UploadEvent, type Verdict } from '../use-cases/process-upload.ts'

export interface ValidateUploadRuntime {
  /** The use case's dependencies, composed once (at cold start on AWS). */
  deps: () => UploadDeps
  logger: Logger
  metrics: Metrics
  /** Told of every upload that fails (the local queue keeps the error with its dead letter). */
  onFailure?: (error: unknown, messageId: string) => void
}

/** An S3 notification record → the upload event of the use case (the key URL-decoded). */
export function uploadEventOf(r: S3EventRecord): UploadEvent {
  return {
    bucket: r.s3.bucket.name,
    key: decodeEventKey(r.s3.object.key),
    sequencer: r.s3.object.sequencer ?? '',
    eventTime: new Date(r.eventTime),
    ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
    ...(r.userIdentity?.principalId ? { principal: r.userIdentity.principalId } : {}),
  }
}

/**
 * The validate function: an SQS batch of S3 notifications, each record parsed by Powertools'
 * batch processor against the S3 notification schema and handed to processUpload. A record
 * that fails is reported as a batch item failure (all of them, when the whole batch fails,
 * rather than an exception: SQS treats both alike), so SQS retries it and, past maxReceiveCount,
 * parks it in the dead-letter queue; nothing is swallowed. The local pipeline calls the handler
 * this returns with events shaped as AWS shapes them (functions/local/aws-events.ts).
 */
export function createValidateUploadHandler(runtime: ValidateUploadRuntime) {
  const { logger, metrics } = runtime
  const processor = new BatchProcessor(EventType.SQS)

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    // The body is parsed here rather than by Powertools' batch parser, whose modules bring zod's
    // whole namespace (every locale, ~370 KB) into the bundle. A body that is not an S3
    // notification fails its record before any work, as the parser made it fail.
    const body = S3NotificationSchema.parse(JSON.parse(record.body))
    try {
      for (const r of body.Records) {
        if (!r.eventName.startsWith('ObjectCreated:')) continue
        const event = uploadEventOf(r)
        observe(runtime, event, await processUpload(runtime.deps(), event))
      }
    } catch (error) {
      // An object key may hold anything a county typed, an ID number included: never log one.
      const e = error instanceof Error ? error : new Error(String(error))
      logger.error('upload failed; SQS will retry', {
        messageId: record.messageId,
        error: { name: e.name, message: redactIdNumbers(e.message), cause: redactIdNumbers(String((e.cause as Error | undefined)?.message ?? '')), stack: redactIdNumbers(String(e.stack ?? '')) },
      })
      metrics.addMetric(METRICS.uploadFailures, MetricUnit.Count, 1)
      runtime.onFailure?.(error, record.messageId)
      throw error
    }
  }

  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
}

/** The verdict in the log (counts and codes only: a finding's value could hold personal data) and in the metrics. */
function observe({ logger, metrics }: ValidateUploadRuntime, event: UploadEvent, verdict: Verdict): void {
  const { submission, report } = verdict
  logger.info('verdict', { submission_id: submission.submission_id, status: submission.status, counts: report.counts })
  const byStatus = metrics.singleMetric()
  byStatus.addDimension('status', submission.status)
  byStatus.addMetric(METRICS.verdicts, MetricUnit.Count, 1)
  for (const [code, count] of Object.entries(report.counts)) {
    const byCode = metrics.singleMetric()
    byCode.addDimension('code', code)
    byCode.addMetric(METRICS.findings, MetricUnit.Count, count)
  }
  metrics.addMetric(METRICS.verdictLatency, MetricUnit.Seconds, Math.max(0, (Date.now() - event.eventTime.getTime()) / 1000))
}

const service = METRIC_SERVICES.validate
export const handler = createValidateUploadHandler({
  deps: composeAtColdStart(() => awsUploadDeps(parseEnv(ValidateEnvSchema, process.env))),
  logger: new Logger({ serviceName: service }),
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service }),
})

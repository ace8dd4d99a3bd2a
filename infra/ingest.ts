import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib'
import type { CfnResource } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as kms from 'aws-cdk-lib/aws-kms'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import type { ValidateEnv } from '../schemas/env.ts'
import { UPLOAD_LIMITS } from '../schemas/settings.ts'
import { PipelineFunction } from './pipeline-function.ts'
import type { Storage } from './storage.ts'

export interface IngestProps {
  storage: Storage
  key?: kms.Key
  /** Concurrency reserved for the validate function; none by default (see below). */
  reservedConcurrency?: number
}

/** The event source's ceiling on parallel validations when nothing is reserved. */
export const VALIDATE_MAX_CONCURRENCY = 8

/**
 * How many validations the queue's poller runs at once: 8, or with a reservation R two fewer
 * than R (at least 2, the event source's minimum), so that the poller is never throttled by the
 * reservation and a manual re-run still has room.
 */
export function pollerConcurrency(reserved: number | undefined): number {
  if (reserved === undefined) return VALIDATE_MAX_CONCURRENCY
  if (!Number.isInteger(reserved) || reserved < 2) {
    throw new Error(`validate reserved concurrency ${reserved}: at least 2 (the queue's poller runs at least 2 at once)`)
  }
  return Math.max(2, Math.min(VALIDATE_MAX_CONCURRENCY, reserved - 2))
}

/** The construct id of CDK's singleton function that configures bucket notifications at deploy time. */
export const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834'

/** Where S3 events come from (contract/interfaces.md, S3 layout). */
export const UPLOAD_PREFIXES = ['uploads/', 'registry/org_units/', 'registry/targets/'] as const

/**
 * Where the validate use case works in the lake, for every function that runs it (validate,
 * reconcile): the curated, staged and raw copies, and the reports. Registry and targets uploads
 * are reported under reports/registry/ and reports/targets/ (functions/core/object-keys.ts), and a
 * second delivery of an upload re-reads its stored report to answer again.
 */
export const VALIDATE_LAKE_PREFIXES = {
  work: ['curated/', 'staging/', 'raw/'],
  reports: ['reports/submissions/', 'reports/registry/', 'reports/targets/'],
} as const

/**
 * Sized from `npm run bench` (bench/results/baseline.json; 2 × AMD EPYC, one core used): a
 * 1M-row roster CSV is read, checked and staged in 8.7 s at a 180 MB peak, the 2M-row limit at
 * 232 MB, a 200k-row XLSX in 5.2 s at 166 MB; the slowest file within the limits, a 2M-row
 * XLSX, is estimated at ~50 s and ~400 MB. Three minutes leave three times that.
 */
export const VALIDATE_TIMEOUT = Duration.minutes(3)

/**
 * Uploads → S3 event → queue → validate function. The queue absorbs bursts at the deadline
 * and gives every upload a bounded number of tries before it lands in the dead-letter queue.
 */
export class Ingest extends Construct {
  readonly queue: sqs.Queue
  readonly deadLetterQueue: sqs.Queue
  readonly validate: PipelineFunction
  /** The logs of CDK's bucket-notification function, which would otherwise never expire. */
  readonly notificationsHandlerLogs: logs.LogGroup

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id)
    const { storage, key } = props
    const queueEncryption = key
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...queueEncryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    })
    // The numbers of the upload path, chosen together:
    // - validate timeout 3 min (VALIDATE_TIMEOUT): the largest file accepted (200 MB, 2 M rows)
    //   finishes in one invocation with threefold headroom (figures above).
    // - visibility timeout 18 min = 6 × the timeout: AWS's rule for SQS-triggered functions. The
    //   poller may retry an invocation (after throttling) while holding the message; a shorter
    //   timeout would hand the upload to a second worker while the first is still validating it.
    //   Every step of processUpload is idempotent, so that would cost work, not correctness.
    // - batch size 1 (below): a file is accepted or rejected whole, one upload is one invocation,
    //   and a failure retries that upload alone, never its neighbours in a batch.
    // - maxReceiveCount 5: a failed message comes back after the visibility timeout, so five
    //   receives are about two hours of tries: long enough to ride out a transient fault (S3 or
    //   DynamoDB throttling, a Secrets Manager blip, a bad deploy rolled back), short enough that
    //   an upload that fails every time (a crash, a timeout) is in the dead-letter queue the same
    //   day instead of cycling for the queue's 4-day retention; at most 5 × 3 min of compute is
    //   spent on it. The dead-letter queue keeps it 14 days for a replay.
    // - the event source's maximum concurrency 8 (below, pollerConcurrency): at most 8 uploads
    //   are validated at once, which protects the submissions table's and S3's request rates
    //   and keeps a deadline-day burst from starving the account's other functions; the queue
    //   holds the rest of the burst. Nothing is reserved by default: a reservation needs the
    //   account's quota 100 above it, which a new account does not have. With one
    //   (-c validateReservedConcurrency=10), the poller stays 2 below it, so it is never
    //   throttled and no receive is spent on a throttle.
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueEncryption,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(VALIDATE_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    })

    const destination = new UploadQueueDestination(this.queue, storage.ingestBucket, key)
    for (const prefix of UPLOAD_PREFIXES) {
      storage.ingestBucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, { prefix })
    }
    // CDK's deploy-time function that sets those notifications leaves its log group to Lambda,
    // which creates one that keeps everything forever; it logs to this one instead.
    this.notificationsHandlerLogs = new logs.LogGroup(this, 'NotificationsHandlerLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    })
    const handler = Stack.of(this).node.findChild(NOTIFICATIONS_HANDLER_ID).node.findChild('Resource') as CfnResource
    handler.addPropertyOverride('LoggingConfig', { LogGroup: this.notificationsHandlerLogs.logGroupName })

    const environment: Record<keyof ValidateEnv, string> = {
      INGEST_BUCKET: storage.ingestBucket.bucketName,
      LAKE_BUCKET: storage.lakeBucket.bucketName,
      SUBMISSIONS_TABLE: storage.submissionsTable.tableName,
      ID_HASH_SECRET_ARN: storage.idHashSecret.secretArn,
      MAX_FILE_BYTES: String(UPLOAD_LIMITS.maxBytes),
      MAX_ROWS: String(UPLOAD_LIMITS.maxRows),
      DEADLINE_DAYS: String(UPLOAD_LIMITS.deadlineDays),
      VERDICT_TOPIC_ARN: storage.verdictTopic.topicArn,
    }

    this.validate = new PipelineFunction(this, 'Validate', {
      entry: 'functions/handlers/validate-upload.ts',
      serviceName: 'validate-upload',
      description: 'Validates one county upload and records its verdict',
      // 1,769 MB is where Lambda gives one full vCPU; the check is single-threaded, so more
      // memory buys no speed, and the measured peaks (≤ 232 MB CSV, ~400 MB estimated for the
      // largest XLSX) fit four times over. /tmp holds the raw file (≤ 200 MB) and the staged
      // Parquet (~16% of a CSV's size): 1 GiB leaves room for both with a margin.
      memorySize: 1769,
      timeout: VALIDATE_TIMEOUT,
      ephemeralStorage: Size.mebibytes(1024),
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment,
    })

    this.validate.function.addEventSource(
      new SqsEventSource(this.queue, {
        // One upload per invocation: a file is accepted or rejected whole, and a failure
        // retries that upload alone.
        batchSize: 1,
        reportBatchItemFailures: true,
        // The ceiling on parallel validations, below any reservation (pollerConcurrency).
        maxConcurrency: pollerConcurrency(props.reservedConcurrency),
      }),
    )

    this.grantValidate(storage, key)
  }

  private grantValidate(storage: Storage, key: kms.Key | undefined): void {
    const fn = this.validate
    const ingest = storage.ingestBucket
    const lake = storage.lakeBucket
    const { work: lakeWorkPrefixes, reports: reportPrefixes } = VALIDATE_LAKE_PREFIXES

    fn.allow({
      sid: 'ReadUploads',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [ingest.arnForObjects('uploads/*'), ingest.arnForObjects('registry/*')],
    })
    fn.allow({
      sid: 'WriteLake',
      actions: ['s3:PutObject'],
      resources: [...lakeWorkPrefixes, ...reportPrefixes].map((p) => lake.arnForObjects(`${p}*`)),
    })
    fn.allow({
      sid: 'ReadLake',
      actions: ['s3:GetObject'],
      resources: [...lakeWorkPrefixes, ...reportPrefixes].map((p) => lake.arnForObjects(`${p}*`)),
    })
    fn.allow({
      sid: 'ListLake',
      actions: ['s3:ListBucket'],
      resources: [lake.bucketArn],
      conditions: { StringLike: { 's3:prefix': lakeWorkPrefixes.map((p) => `${p}*`) } },
    })
    fn.allow({
      sid: 'ClearStaging',
      actions: ['s3:DeleteObject'],
      resources: [lake.arnForObjects('staging/*')],
    })
    fn.allow({
      sid: 'SubmissionLedger',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
      resources: [storage.submissionsTable.tableArn, `${storage.submissionsTable.tableArn}/index/*`],
    })
    fn.allow({
      sid: 'ReadIdHashKey',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [storage.idHashSecret.secretArn],
    })
    fn.allow({
      sid: 'PublishVerdicts',
      actions: ['sns:Publish'],
      resources: [storage.verdictTopic.topicArn],
    })
    if (key) {
      // Decrypt: uploads, the secret, queue messages, table items. GenerateDataKey: lake
      // objects and topic messages written under the key.
      fn.allow({ sid: 'UseDataKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] })
    }
  }
}

/**
 * The S3 → SQS notification target. Not `s3n.SqsDestination`: with a customer managed key it
 * writes the bucket's ARN into the key policy while the bucket names the key, a dependency
 * cycle CloudFormation cannot deploy. Here the bucket condition sits on the queue policy, and
 * the key policy lets S3 use the key as AWS documents for encrypted notification queues.
 */
class UploadQueueDestination implements s3.IBucketNotificationDestination {
  private readonly queue: sqs.Queue

  constructor(queue: sqs.Queue, bucket: s3.Bucket, key: kms.Key | undefined) {
    this.queue = queue
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3UploadEvents',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(queue).account },
        },
      }),
    )
    // Only S3 acting for this account (confused-deputy guard). The bucket's ARN cannot be named
    // here: the bucket names the key, so the key policy naming the bucket would be a cycle; the
    // queue policy above holds S3 to this bucket.
    key?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3EventsToEncryptedQueue',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(queue).account } },
      }),
    )
  }

  bind(): s3.BucketNotificationDestinationConfig {
    // Depending on the queue includes its policy: S3 checks it when the notification is set.
    return { arn: this.queue.queueArn, type: s3.BucketNotificationDestinationType.QUEUE, dependencies: [this.queue] }
  }
}

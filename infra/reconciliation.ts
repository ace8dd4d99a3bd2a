import { Duration, Size, Stack, TimeZone } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as kms from 'aws-cdk-lib/aws-kms'
import * as scheduler from 'aws-cdk-lib/aws-scheduler'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import * as targets from 'aws-cdk-lib/aws-scheduler-targets'
import { Construct } from 'constructs'
import type { ValidateEnv } from '../schemas/env.ts'
import { METRIC_SERVICES } from '../schemas/metrics.ts'
import { UPLOAD_LIMITS } from '../schemas/settings.ts'
import { APPRAISAL_TIME_ZONE } from './analytics.ts'
import type { Analytics } from './analytics.ts'
import { UPLOAD_PREFIXES, VALIDATE_LAKE_PREFIXES } from './ingest.ts'
import { PipelineFunction } from './pipeline-function.ts'
import type { Storage } from './storage.ts'

/** Daily at 03:30 Beijing time, when no county is uploading and after the night's quarterly run. */
export const RECONCILE_SCHEDULE = 'cron(30 3 * * ? *)'
export const RECONCILE_SCHEDULE_NAME = 'daily-reconcile'
/**
 * When the check that a run happened is recorded: 12:00 Beijing time daily, past the run's
 * hour-long window (03:30–04:30) and the schedule's six hours of delivery retries.
 */
export const RECONCILE_CHECK_SCHEDULE = 'cron(0 12 * * ? *)'
export const RECONCILE_CHECK_SCHEDULE_NAME = 'daily-reconcile-check'

export interface ReconciliationProps {
  storage: Storage
  analytics: Analytics
  key?: kms.Key
}

/**
 * The daily reconciliation of the ingest bucket with the ledger (functions/handlers/
 * reconcile-ingest.ts): the upload path's safety net for events S3 or SQS lost, and for curated
 * objects left damaged. It runs the validate use case itself, so it holds the validate
 * function's permissions on the lake, the ledger, the secret and the topic, plus listing both
 * buckets. Scheduled in the stage's schedule group; an operator may invoke it any time.
 */
export class Reconciliation extends Construct {
  readonly reconcile: PipelineFunction
  readonly schedule: scheduler.Schedule
  readonly scheduleRole: iam.Role
  /** Runs the scheduler could not deliver, and runs that failed after Lambda's two retries. */
  readonly deadLetterQueue: sqs.Queue

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id)
    const { storage, analytics, key } = props
    const stack = Stack.of(this)
    // The validate function's environment: the same use case, composed the same way.
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
    this.reconcile = new PipelineFunction(this, 'Reconcile', {
      entry: 'functions/handlers/reconcile-ingest.ts',
      serviceName: METRIC_SERVICES.reconcile,
      description: 'Reconciles the ingest bucket with the submission ledger (daily)',
      // As the validate function: it may validate the largest upload itself.
      memorySize: 1769,
      // The longest Lambda allows; the run stops resending a minute before and reports, and
      // the next run goes on where it stopped.
      timeout: Duration.minutes(15),
      ephemeralStorage: Size.mebibytes(1024),
      // One run at a time is enough; two would only do the same idempotent work twice.
      environment,
    })
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...(key ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key } : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    })
    // As the quarterly run's: bound by hand with exactly sqs:SendMessage (CDK's SqsDestination
    // would add the queue's read actions and the key's whole encrypt/decrypt set).
    const deadLetters = this.deadLetterQueue
    this.reconcile.function.configureAsyncInvoke({ retryAttempts: 2, onFailure: { bind: () => ({ destination: deadLetters.queueArn }) } })
    this.reconcile.allow({ sid: 'ParkFailedRuns', actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn] })
    this.grant(storage, key)

    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: 'EventBridge Scheduler: invokes the reconcile function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': analytics.scheduleGroup.scheduleGroupArn } },
      }),
    })
    if (key) {
      this.scheduleRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SendToEncryptedDlq', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }))
    }
    this.schedule = new scheduler.Schedule(this, 'DailySchedule', {
      scheduleName: RECONCILE_SCHEDULE_NAME,
      scheduleGroup: analytics.scheduleGroup,
      description: 'Daily reconciliation of the ingest bucket with the submission ledger',
      schedule: scheduler.ScheduleExpression.expression(RECONCILE_SCHEDULE, TimeZone.of(APPRAISAL_TIME_ZONE)),
      // Any time in the night's hour will do.
      timeWindow: scheduler.TimeWindow.flexible(Duration.hours(1)),
      target: new targets.LambdaInvoke(this.reconcile.function, {
        role: this.scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'schedule' }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 5,
        maxEventAge: Duration.hours(6),
      }),
    })
    this.schedule.node.addDependency(analytics.scheduleGroup)
  }

  private grant(storage: Storage, key: kms.Key | undefined): void {
    const fn = this.reconcile
    const ingest = storage.ingestBucket
    const lake = storage.lakeBucket
    const { work: lakeWorkPrefixes, reports: reportPrefixes } = VALIDATE_LAKE_PREFIXES
    fn.allow({
      sid: 'ListUploads',
      actions: ['s3:ListBucket'],
      resources: [ingest.bucketArn],
      conditions: { StringLike: { 's3:prefix': UPLOAD_PREFIXES.map((p) => `${p}*`) } },
    })
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
    // Unconditioned: it looks at single curated and staged objects (HEAD), and S3 answers a
    // missing one with 404 only to a caller that may list the bucket (403 otherwise).
    fn.allow({ sid: 'ListLake', actions: ['s3:ListBucket'], resources: [lake.bucketArn] })
    fn.allow({
      sid: 'SubmissionLedger',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      resources: [storage.submissionsTable.tableArn, `${storage.submissionsTable.tableArn}/index/*`],
    })
    fn.allow({ sid: 'ReadIdHashKey', actions: ['secretsmanager:GetSecretValue'], resources: [storage.idHashSecret.secretArn] })
    fn.allow({ sid: 'PublishVerdicts', actions: ['sns:Publish'], resources: [storage.verdictTopic.topicArn] })
    if (key) fn.allow({ sid: 'UseDataKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] })
  }
}

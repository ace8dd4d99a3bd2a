import { join } from 'node:path'
import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib'
import * as athena from 'aws-cdk-lib/aws-athena'
import * as glue from 'aws-cdk-lib/aws-glue'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as kms from 'aws-cdk-lib/aws-kms'
import * as scheduler from 'aws-cdk-lib/aws-scheduler'
import * as targets from 'aws-cdk-lib/aws-scheduler-targets'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { TABLE_OF_DATASET } from '../schemas/datasets.ts'
import type { AggregateEnv } from '../schemas/env.ts'
import type { StageNames } from '../schemas/stage-names.ts'
import {
  COUNTY_APPRAISAL_COLUMNS,
  MONITORED_HOUSEHOLD_COLUMNS,
  ORG_UNIT_COLUMNS,
  PARTITION_KEYS,
  REGION_INDICATOR_GLUE_COLUMNS,
  RECTIFICATION_GLUE_COLUMNS,
  VILLAGE_REPORT_COLUMNS,
} from './glue-columns.ts'
import type { GlueColumn } from './glue-columns.ts'
import { PipelineFunction, REPO_ROOT } from './pipeline-function.ts'
import { readSavedQueries } from './saved-queries.ts'
import type { Storage } from './storage.ts'
import { RESULTS_PREFIX } from './storage.ts'

/** 02:00 Beijing time on the 15th of the month after each quarter: past the reporting deadline. */
export const APPRAISAL_SCHEDULE = 'cron(0 2 15 1,4,7,10 ? *)'
export const APPRAISAL_TIME_ZONE = 'Asia/Shanghai'
/** Names within the stage's schedule group, so the runbook can name them (README, Operations). */
export const APPRAISAL_SCHEDULE_NAME = 'quarterly-appraisal'

export const SAVED_QUERY_DIR = join(REPO_ROOT, 'functions/sql/saved')

/**
 * The aggregate function's timeout, Lambda's longest, and the deadline by which all of a run's
 * Athena queries (nine or more, one after another) must have settled: 3 minutes earlier, so a
 * query still running is stopped (StopQueryExecution) and the failure recorded before Lambda
 * ends the invocation, with room for the writes that follow the queries. Each query also keeps
 * its own 10-minute limit in the engine; before this deadline, one slow query could run the
 * function out of time with the query left running.
 */
export const AGGREGATE_TIMEOUT = Duration.minutes(15)
export const QUERY_DEADLINE = Duration.minutes(12)

/** A query that would scan more than this is cancelled: a whole country's quarter is far less. */
export const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
}

interface LakeTable {
  name: string
  prefix: string
  description: string
  columns: readonly GlueColumn[]
  partitioned: boolean
}

export const LAKE_TABLES: readonly LakeTable[] = [
  {
    name: TABLE_OF_DATASET.village_report,
    prefix: 'curated/village_report/',
    description: '村季度报表（已通过校验） / accepted quarterly village reports',
    columns: VILLAGE_REPORT_COLUMNS,
    partitioned: true,
  },
  {
    name: TABLE_OF_DATASET.monitored_households,
    prefix: 'curated/monitored_households/',
    description: '监测户名册（已通过校验） / accepted rosters of monitored households',
    columns: MONITORED_HOUSEHOLD_COLUMNS,
    partitioned: true,
  },
  {
    name: 'county_appraisals',
    prefix: 'analytics/county_appraisals/',
    description: '县级季度考核结果 / quarterly county appraisals',
    columns: COUNTY_APPRAISAL_COLUMNS,
    partitioned: true,
  },
  {
    name: 'region_indicators',
    prefix: 'analytics/region_indicators/',
    description: '乡镇、市、省汇总指标 / township, city and province roll-ups',
    columns: REGION_INDICATOR_GLUE_COLUMNS,
    partitioned: true,
  },
  {
    name: 'rectifications',
    prefix: 'analytics/rectifications/',
    description: '整改事项（考核发布时的状态） / rectification items as they stood at each publication',
    columns: RECTIFICATION_GLUE_COLUMNS,
    partitioned: true,
  },
  {
    name: 'org_units',
    prefix: 'curated/org_units/',
    description: '区划名册 / registry of places',
    columns: ORG_UNIT_COLUMNS,
    partitioned: false,
  },
]

export interface AnalyticsProps {
  storage: Storage
  /** The stage's Glue database, Athena workgroup and schedule group (schemas/stage-names.ts). */
  names: StageNames
  key?: kms.Key
  /** SCORING_OVERRIDES for the aggregate function: province overrides as JSON, '' for the defaults. */
  scoringOverrides: string
  /** Concurrency reserved for the aggregate function; none by default (see below). */
  reservedConcurrency?: number
}

/**
 * The lake as Athena sees it, the saved queries, and the quarterly appraisal that reads it.
 */
export class Analytics extends Construct {
  readonly database: glue.CfnDatabase
  readonly tables: glue.CfnTable[] = []
  readonly workGroup: athena.CfnWorkGroup
  readonly namedQueries: athena.CfnNamedQuery[] = []
  readonly aggregate: PipelineFunction
  readonly schedule: scheduler.Schedule
  readonly scheduleGroup: scheduler.ScheduleGroup
  readonly scheduleDeadLetterQueue: sqs.Queue
  readonly scheduleRole: iam.Role

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id)
    const { storage, key, names } = props
    const stack = Stack.of(this)
    const lakeUrl = `s3://${storage.lakeBucket.bucketName}`

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: names.glueDatabase, description: '乡村振兴衔接监测考核 / village appraisal lake' },
    })

    for (const table of LAKE_TABLES) {
      const location = `${lakeUrl}/${table.prefix}`
      // Partition projection: a new quarter is queryable the moment its files land, with no
      // crawler and no MSCK REPAIR. County is not a partition (contract/interfaces.md, Athena).
      const projection = table.partitioned
        ? {
            'projection.enabled': 'true',
            'projection.year.type': 'integer',
            'projection.year.range': '2021,2040',
            'projection.quarter.type': 'integer',
            'projection.quarter.range': '1,4',
            'storage.location.template': `${location}year=\${year}/quarter=\${quarter}/`,
          }
        : {}
      const cfnTable = new glue.CfnTable(this, `Table-${table.name}`, {
        catalogId: stack.account,
        databaseName: names.glueDatabase,
        tableInput: {
          name: table.name,
          description: table.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: { EXTERNAL: 'TRUE', classification: 'parquet', ...projection },
          partitionKeys: table.partitioned ? [...PARTITION_KEYS] : [],
          storageDescriptor: { ...PARQUET, location, columns: [...table.columns] },
        },
      })
      cfnTable.addResourceDependency(this.database)
      this.tables.push(cfnTable)
    }

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: names.athenaWorkGroup,
      description: 'village-appraisal: saved queries and the quarterly appraisal',
      state: 'ENABLED',
      // Lets the stack delete the workgroup even when it holds named queries and history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients cannot point results elsewhere or switch encryption off.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${storage.resultsBucket.bucketName}/${RESULTS_PREFIX}`,
          expectedBucketOwner: stack.account,
          encryptionConfiguration: key
            ? { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn }
            : { encryptionOption: 'SSE_S3' },
        },
      },
    })

    for (const query of readSavedQueries(SAVED_QUERY_DIR)) {
      const named = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: query.name,
        description: query.description,
        database: names.glueDatabase,
        workGroup: names.athenaWorkGroup,
        queryString: query.sql,
      })
      named.addResourceDependency(this.workGroup)
      named.addResourceDependency(this.database)
      this.namedQueries.push(named)
    }

    const environment: Record<keyof AggregateEnv, string> = {
      LAKE_BUCKET: storage.lakeBucket.bucketName,
      SUBMISSIONS_TABLE: storage.submissionsTable.tableName,
      APPRAISALS_TABLE: storage.appraisalsTable.tableName,
      GLUE_DATABASE: names.glueDatabase,
      ATHENA_WORKGROUP: names.athenaWorkGroup,
      SCORING_OVERRIDES: props.scoringOverrides,
      APPRAISAL_TOPIC_ARN: storage.appraisalTopic.topicArn,
      QUERY_DEADLINE_SECONDS: String(QUERY_DEADLINE.toSeconds()),
    }
    this.aggregate = new PipelineFunction(this, 'Aggregate', {
      entry: 'functions/handlers/aggregate-quarter.ts',
      serviceName: 'aggregate-quarter',
      description: 'Computes the quarterly county appraisal',
      // First guesses, revisited from the benchmarks: the work is in Athena, the function waits.
      memorySize: 1024,
      timeout: AGGREGATE_TIMEOUT,
      // Two runs of one quarter interleaving their writes (a re-run moves the earlier items to
      // history) would leave a mixed quarter. The schedule never overlaps itself: it invokes
      // once a quarter, and Lambda's retries of an asynchronous invocation follow the failed
      // attempt. An overlap needs a second, manual invocation during a run; -c
      // aggregateReservedConcurrency=1 rules that out where the account's quota allows a
      // reservation (a new account's does not), and `va aggregate --target aws` runs the use
      // case from the operator's machine, which no reservation of the function ever covered.
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment,
    })
    this.grantAggregate(storage, names, key)

    this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      ...(key
        ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }
        : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    })
    // The scheduler invokes the function asynchronously: its own dead-letter queue only holds
    // deliveries that failed. A run that fails inside the function, after Lambda's two retries,
    // lands in the same queue through the function's on-failure destination.
    // Bound by hand with exactly sqs:SendMessage: CDK's SqsDestination would also grant the
    // queue's read actions and the key's full encrypt/decrypt set (the role already holds the
    // GenerateDataKey and Decrypt that sending to the encrypted queue needs).
    const deadLetters = this.scheduleDeadLetterQueue
    this.aggregate.function.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: { bind: () => ({ destination: deadLetters.queueArn }) },
    })
    this.aggregate.allow({ sid: 'ParkFailedRuns', actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn] })
    // The stage's own group: two stages' schedules never share a name or a trust condition. It
    // holds nothing but schedules this stack defines, so it goes with the stack (CDK would
    // retain it, and the retained name would fail the next deploy of the stage).
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: names.scheduleGroup,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    // Our own role rather than the target's shared default: that one gets sqs:SendMessage on
    // the dead-letter queue but no use of its KMS key, so with a CMK failed runs would vanish.
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: 'EventBridge Scheduler: invokes the aggregate function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    })
    if (key) {
      this.scheduleRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'SendToEncryptedDlq', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
      )
    }
    this.schedule = new scheduler.Schedule(this, 'QuarterlySchedule', {
      scheduleName: APPRAISAL_SCHEDULE_NAME,
      scheduleGroup: this.scheduleGroup,
      description: 'Quarterly county appraisal (contract/appraisal.md)',
      schedule: scheduler.ScheduleExpression.expression(
        APPRAISAL_SCHEDULE,
        TimeZone.of(APPRAISAL_TIME_ZONE),
      ),
      // The appraisal is due at a fixed hour; spreading it over a window buys nothing here.
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(this.aggregate.function, {
        role: this.scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'schedule' }),
        deadLetterQueue: this.scheduleDeadLetterQueue,
        retryAttempts: 5,
        maxEventAge: Duration.hours(6),
      }),
    })
    // The schedule names its group by text; the group must exist first.
    this.schedule.node.addDependency(this.scheduleGroup)
  }

  private grantAggregate(storage: Storage, names: StageNames, key: kms.Key | undefined): void {
    const fn = this.aggregate
    const stack = Stack.of(this)
    const lake = storage.lakeBucket
    const results = storage.resultsBucket
    const glueArn = (resource: string, resourceName?: string): string =>
      stack.formatArn({ service: 'glue', resource, ...(resourceName ? { resourceName } : {}) })

    fn.allow({
      sid: 'RunQueries',
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: names.athenaWorkGroup })],
    })
    fn.allow({
      sid: 'ReadCatalog',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
      resources: [
        glueArn('catalog'),
        glueArn('database', names.glueDatabase),
        ...LAKE_TABLES.map((t) => glueArn('table', `${names.glueDatabase}/${t.name}`)),
      ],
    })
    // Athena reads the lake with the caller's credentials.
    fn.allow({
      sid: 'ReadLake',
      actions: ['s3:GetObject'],
      resources: [lake.arnForObjects('curated/*'), lake.arnForObjects('analytics/*')],
    })
    fn.allow({
      sid: 'ListLake',
      actions: ['s3:ListBucket'],
      resources: [lake.bucketArn],
      conditions: { StringLike: { 's3:prefix': ['curated/*', 'analytics/*'] } },
    })
    // Athena asks where a table's bucket is before it reads it, with the caller's credentials.
    fn.allow({ sid: 'LocateLake', actions: ['s3:GetBucketLocation'], resources: [lake.bucketArn] })
    fn.allow({
      sid: 'WriteAppraisals',
      actions: ['s3:PutObject'],
      resources: [lake.arnForObjects('analytics/*'), lake.arnForObjects('reports/appraisals/*')],
    })
    // What Athena's documentation lists for a caller's query results location: large results are
    // written by multipart upload, which Athena lists and completes or aborts as the caller.
    fn.allow({
      sid: 'QueryResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [results.arnForObjects(`${RESULTS_PREFIX}*`)],
    })
    fn.allow({
      sid: 'QueryResultsBucket',
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resources: [results.bucketArn],
    })
    fn.allow({
      sid: 'AppraisalStore',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
      ],
      resources: [storage.appraisalsTable.tableArn, `${storage.appraisalsTable.tableArn}/index/*`],
    })
    // Period locks live in the submissions table (contract/appraisal.md, Locking).
    fn.allow({
      sid: 'PeriodLocks',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      resources: [storage.submissionsTable.tableArn, `${storage.submissionsTable.tableArn}/index/*`],
    })
    fn.allow({
      sid: 'PublishAppraisals',
      actions: ['sns:Publish'],
      resources: [storage.appraisalTopic.topicArn],
    })
    if (key) {
      // Decrypt: lake objects, query results, table items. GenerateDataKey: objects, query
      // results and topic messages written under the key.
      fn.allow({ sid: 'UseDataKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] })
    }
  }
}

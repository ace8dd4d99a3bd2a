import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { APPRAISAL_COLUMNS } from '../../schemas/appraisal-columns.ts'
import { curatedColumns } from '../../schemas/curated-columns.ts'
import { MONITORED_HOUSEHOLDS, VILLAGE_REPORT } from '../../schemas/datasets.ts'
import { AGGREGATE_ENV_KEYS, VALIDATE_ENV_KEYS } from '../../schemas/env.ts'
import { INDICATOR_KEYS } from '../../schemas/scoring.ts'
import { UPLOAD_LIMITS } from '../../schemas/settings.ts'
import { BYTES_SCANNED_CUTOFF, SAVED_QUERY_DIR } from '../../infra/analytics.ts'
import { ESM_REQUIRE_BANNER } from '../../infra/pipeline-function.ts'
import { synthesized } from './synthesized.ts'
import { allow, flat, permissions, roleStatements, stringLikePrefix } from './template-helpers.ts'

// The default stack, synthesized once for the run with real esbuild bundling of both handlers.
const prod = synthesized('prod')
const { ids, resources } = prod
const template = prod.assertions

function ofType(type: string): [string, Record<string, unknown>][] {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === type)
    .map(([k, r]) => [k, r.Properties])
}

function props(logical: string): Record<string, unknown> {
  const resource = resources[logical]
  if (!resource) throw new Error(`no resource ${logical}`)
  return resource.Properties
}

describe('buckets', () => {
  it.each(['ingestBucket', 'lakeBucket', 'resultsBucket', 'accessLogBucket'] as const)(
    '%s is encrypted, blocks public access and denies non-TLS requests',
    (name) => {
      const bucketId = ids.storage[name]
      expect(props(bucketId)).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      })
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      })
    },
  )

  it.each(['ingestBucket', 'lakeBucket'] as const)('%s is versioned and logs access to the log bucket', (name) => {
    expect(props(ids.storage[name])).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: ids.storage.accessLogBucket } },
    })
  })

  it('never expires raw uploads', () => {
    const rules = (props(ids.storage.ingestBucket).LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules
    for (const rule of rules) {
      expect(rule).not.toHaveProperty('ExpirationInDays')
      expect(rule).not.toHaveProperty('NoncurrentVersionExpiration')
    }
  })

  it('expires Athena results after 30 days under results/', () => {
    expect(props(ids.storage.resultsBucket)).toMatchObject({
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([expect.objectContaining({ Prefix: 'results/', ExpirationInDays: 30, Status: 'Enabled' })]),
      },
    })
  })
})

describe('ingest queue', () => {
  it('has an encrypted dead-letter queue with 14-day retention after 5 receives', () => {
    const dlqId = ids.ingest.deadLetterQueue
    expect(props(dlqId)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 })
    expect(props(ids.ingest.queue)).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    })
  })

  it('keeps a message invisible for at least six validate timeouts', () => {
    const timeout = props(ids.ingest.validate.function).Timeout as number
    expect(timeout).toBe(180)
    expect(props(ids.ingest.queue).VisibilityTimeout as number).toBe(6 * timeout)
  })

  it.each([
    ['queue', 'queue'],
    ['dead-letter queue', 'deadLetterQueue'],
  ] as const)('the %s denies non-TLS requests', (_, name) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.ingest[name] }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    })
  })

  it('receives OBJECT_CREATED under uploads/, registry/org_units/ and registry/targets/ only', () => {
    const [notification, ...more] = ofType('Custom::S3BucketNotifications')
    expect(more).toHaveLength(0)
    const config = notification?.[1] as { BucketName: unknown; NotificationConfiguration: { QueueConfigurations: unknown[] } }
    expect(config.BucketName).toEqual({ Ref: ids.storage.ingestBucket })
    const queueArn = { 'Fn::GetAtt': [ids.ingest.queue, 'Arn'] }
    expect(config.NotificationConfiguration.QueueConfigurations).toEqual([
      { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } }, QueueArn: queueArn },
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'registry/org_units/' }] } },
        QueueArn: queueArn,
      },
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'registry/targets/' }] } },
        QueueArn: queueArn,
      },
    ])
    // Only S3, and only for this bucket, may send to the queue.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.ingest.queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 's3.amazonaws.com' },
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.storage.ingestBucket, 'Arn'] } } }),
          }),
        ]),
      },
    })
  })

  it('feeds the validate function one upload at a time with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.ingest.queue, 'Arn'] },
      FunctionName: { Ref: ids.ingest.validate.function },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: Match.anyValue() },
    })
  })
})

describe('functions', () => {
  it('validate: Node 22 on arm64, 1769 MB (one vCPU), 3 min, 1024 MiB /tmp, every ValidateEnv key', () => {
    const fn = props(ids.ingest.validate.function)
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'handlers/index.handler',
      MemorySize: 1769,
      Timeout: 180,
      EphemeralStorage: { Size: 1024 },
      LoggingConfig: { LogGroup: { Ref: ids.ingest.validate.logGroup } },
    })
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables
    expect(Object.keys(env).sort()).toEqual([...VALIDATE_ENV_KEYS, 'POWERTOOLS_SERVICE_NAME'].sort())
    expect(env).toMatchObject({
      INGEST_BUCKET: { Ref: ids.storage.ingestBucket },
      LAKE_BUCKET: { Ref: ids.storage.lakeBucket },
      SUBMISSIONS_TABLE: { Ref: ids.storage.submissionsTable },
      ID_HASH_SECRET_ARN: { Ref: ids.storage.idHashSecret },
      VERDICT_TOPIC_ARN: { Ref: ids.storage.verdictTopic },
    })
    // The limits a county is told about (validation.md) are the ones the function enforces.
    expect(env).toMatchObject({
      MAX_FILE_BYTES: String(UPLOAD_LIMITS.maxBytes),
      MAX_ROWS: String(UPLOAD_LIMITS.maxRows),
      DEADLINE_DAYS: String(UPLOAD_LIMITS.deadlineDays),
    })
  })

  it('aggregate: Node 22 on arm64, 1024 MB, 15 min, every AggregateEnv key', () => {
    const fn = props(ids.analytics.aggregate.function)
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 1024, Timeout: 900 })
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables
    expect(Object.keys(env).sort()).toEqual([...AGGREGATE_ENV_KEYS, 'POWERTOOLS_SERVICE_NAME'].sort())
    expect(env).toMatchObject({
      GLUE_DATABASE: 'village_appraisal',
      ATHENA_WORKGROUP: 'village_appraisal',
      APPRAISALS_TABLE: { Ref: ids.storage.appraisalsTable },
      APPRAISAL_TOPIC_ARN: { Ref: ids.storage.appraisalTopic },
    })
  })

  it('aggregate: a failed run is retried twice, then sent to the schedule dead-letter queue', () => {
    const fnId = ids.analytics.aggregate.function
    const configs = ofType('AWS::Lambda::EventInvokeConfig').filter(([, p]) => flat(p['FunctionName'] as never) === fnId)
    expect(configs).toHaveLength(1)
    expect(configs[0]![1]).toEqual({
      FunctionName: { Ref: fnId },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.analytics.scheduleDeadLetterQueue, 'Arn'] } } },
    })
  })

  it('no function keeps its logs forever: each logs to a log group of the stack with a retention, CDK\'s own included', () => {
    const functions = ofType('AWS::Lambda::Function')
    expect(functions.length).toBeGreaterThanOrEqual(4)
    for (const [logical, fn] of functions) {
      const group = (fn.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref
      expect(group, logical).toBeDefined()
      expect(resources[group!], logical).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 365 } })
    }
    expect(props(ids.cdk.notificationsHandler!)).toMatchObject({ LoggingConfig: { LogGroup: { Ref: ids.ingest.notificationsHandlerLogs } } })
  })

  it.each(['ingest', 'analytics'] as const)('%s: log group keeps a year of logs', (part) => {
    const fn = part === 'ingest' ? ids.ingest.validate : ids.analytics.aggregate
    expect(props(fn.logGroup)).toMatchObject({ RetentionInDays: 365 })
  })

  it.each(['validate', 'aggregate'] as const)('%s is bundled as split ESM (entry and chunks in handlers/, each with the createRequire banner) and the SQL files', (name) => {
    const fn = name === 'validate' ? ids.ingest.validate : ids.analytics.aggregate
    const key = (props(fn.function).Code as { S3Key: string }).S3Key
    const asset = join(prod.assembly, `asset.${key.replace(/\.zip$/, '')}`)
    const files = readdirSync(join(asset, 'handlers'))
    expect(files).toContain('index.mjs')
    expect(files.filter((f) => f !== 'index.mjs').every((f) => /^chunk-[A-Z0-9]+\.mjs$/.test(f))).toBe(true)
    for (const file of files) expect(readFileSync(join(asset, 'handlers', file), 'utf8').startsWith(ESM_REQUIRE_BANNER)).toBe(true)
    // The SQL files travel with the bundle, where functions/adapters/sql-files.ts looks for them.
    expect(existsSync(join(asset, 'sql', 'saved'))).toBe(true)
  })
})

describe('least privilege', () => {
  it('validate role holds exactly its statements', () => {
    const ingest = `${ids.storage.ingestBucket}.Arn`
    const lake = `${ids.storage.lakeBucket}.Arn`
    const submissions = `${ids.storage.submissionsTable}.Arn`
    const { statements, externalManagedPolicies } = roleStatements(template, ids.ingest.validate.role)
    expect(externalManagedPolicies).toEqual([])
    expect(permissions(statements)).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [`${ids.ingest.validate.logGroup}.Arn`]),
        ...allow(
          ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
          [`${ids.ingest.queue}.Arn`],
        ),
        ...allow(['s3:GetObject', 's3:GetObjectVersion'], [`${ingest}/uploads/*`, `${ingest}/registry/*`]),
        // reports/registry/: where registry verdicts go (functions/core/object-keys.ts); reports
        // are read back when S3 delivers the same upload twice.
        ...allow(
          ['s3:PutObject', 's3:GetObject'],
          ['curated', 'staging', 'raw', 'reports/submissions', 'reports/registry', 'reports/targets'].map((p) => `${lake}/${p}/*`),
        ),
        ...allow(['s3:ListBucket'], [lake], stringLikePrefix(['curated/*', 'staging/*', 'raw/*'])),
        ...allow(['s3:DeleteObject'], [`${lake}/staging/*`]),
        ...allow(
          ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
          [submissions, `${submissions}/index/*`],
        ),
        ...allow(['secretsmanager:GetSecretValue'], [ids.storage.idHashSecret]),
        ...allow(['sns:Publish'], [ids.storage.verdictTopic]),
      ].sort(),
    )
  })

  it('aggregate role holds exactly its statements', () => {
    const lake = `${ids.storage.lakeBucket}.Arn`
    const results = `${ids.storage.resultsBucket}.Arn`
    const appraisals = `${ids.storage.appraisalsTable}.Arn`
    const submissions = `${ids.storage.submissionsTable}.Arn`
    const arn = (service: string, resource: string): string => `arn:AWS::Partition:${service}:AWS::Region:AWS::AccountId:${resource}`
    const { statements, externalManagedPolicies } = roleStatements(template, ids.analytics.aggregate.role)
    expect(externalManagedPolicies).toEqual([])
    expect(permissions(statements)).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [`${ids.analytics.aggregate.logGroup}.Arn`]),
        ...allow(
          ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
          [arn('athena', 'workgroup/village_appraisal')],
        ),
        ...allow(
          ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
          [
            arn('glue', 'catalog'),
            arn('glue', 'database/village_appraisal'),
            ...['village_reports', 'monitored_households', 'county_appraisals', 'region_indicators', 'rectifications', 'org_units'].map((t) =>
              arn('glue', `table/village_appraisal/${t}`),
            ),
          ],
        ),
        ...allow(['s3:GetObject'], [`${lake}/curated/*`, `${lake}/analytics/*`]),
        ...allow(['s3:ListBucket'], [lake], stringLikePrefix(['curated/*', 'analytics/*'])),
        ...allow(['s3:GetBucketLocation'], [lake]),
        ...allow(['s3:PutObject'], [`${lake}/analytics/*`, `${lake}/reports/appraisals/*`]),
        ...allow(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], [`${results}/results/*`]),
        ...allow(['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], [results]),
        ...allow(
          [
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:Query',
            'dynamodb:BatchWriteItem',
            'dynamodb:DeleteItem',
          ],
          [appraisals, `${appraisals}/index/*`],
        ),
        ...allow(
          ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
          [submissions, `${submissions}/index/*`],
        ),
        ...allow(['sns:Publish'], [ids.storage.appraisalTopic]),
        // The on-failure destination (Lambda sends with the function's role): SendMessage only.
        ...allow(['sqs:SendMessage'], [`${ids.analytics.scheduleDeadLetterQueue}.Arn`]),
      ].sort(),
    )
  })

  it('no function or schedule role has a bare * resource', () => {
    for (const role of [ids.ingest.validate.role, ids.analytics.aggregate.role, ids.analytics.scheduleRole]) {
      const lines = permissions(roleStatements(template, role).statements)
      expect(lines.filter((l) => l.split(' ')[2] === '*')).toEqual([])
    }
  })

  it('the schedule role may invoke the aggregate function and fill its dead-letter queue, nothing else', () => {
    const fn = `${ids.analytics.aggregate.function}.Arn`
    expect(permissions(roleStatements(template, ids.analytics.scheduleRole).statements)).toEqual(
      [
        ...allow(['lambda:InvokeFunction'], [fn, `${fn}:*`]),
        ...allow(['sqs:SendMessage'], [`${ids.analytics.scheduleDeadLetterQueue}.Arn`]),
      ].sort(),
    )
  })
})

describe('county access (ABAC)', () => {
  it('lets a county write only under its own tag and read only its own reports', () => {
    const ingest = `${ids.storage.ingestBucket}.Arn`
    const lake = `${ids.storage.lakeBucket}.Arn`
    const { statements } = roleStatements(template, ids.access.countyUploaderRole)
    expect(permissions(statements)).toEqual(
      [
        ...allow(['s3:PutObject', 's3:AbortMultipartUpload'], [`${ingest}/uploads/\${aws:PrincipalTag/county}/*`]),
        ...allow(['s3:GetObject'], [`${lake}/reports/submissions/\${aws:PrincipalTag/county}/*`]),
        ...allow(['s3:ListBucket'], [lake], stringLikePrefix(['reports/submissions/${aws:PrincipalTag/county}/*'])),
        `Deny s3:PutObject ${ingest}/* if ${JSON.stringify({ Null: { 'aws:PrincipalTag/county': 'true' } })}`,
        `Deny s3:PutObject ${ingest}/* if ${JSON.stringify({ StringNotLike: { 'aws:PrincipalTag/county': '??????' } })}`,
      ].sort(),
    )
  })

  it('the role trusts this account, allows sts:TagSession, and only for the caller\'s own county', () => {
    const role = props(ids.access.countyUploaderRole)
    const [statement, ...more] = (role.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement
    expect(more).toEqual([])
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'aws:RequestTag/county': '${aws:PrincipalTag/county}' } },
    })
    expect(flat((statement?.Principal as { AWS: unknown }).AWS)).toBe('arn:AWS::Partition:iam::AWS::AccountId:root')
  })

  it('the registry admin may put registry and targets files and list and read their reports, nothing else', () => {
    const policy = props(ids.access.registryAdminPolicy)
    expect(permissions((policy.PolicyDocument as { Statement: never[] }).Statement)).toEqual(
      [
        ...allow(['s3:AbortMultipartUpload', 's3:PutObject'], [`${ids.storage.ingestBucket}.Arn/registry/org_units/*`, `${ids.storage.ingestBucket}.Arn/registry/targets/*`]),
        ...allow(['s3:GetObject'], [`${ids.storage.lakeBucket}.Arn/reports/registry/*`, `${ids.storage.lakeBucket}.Arn/reports/targets/*`]),
        ...allow(['s3:ListBucket'], [`${ids.storage.lakeBucket}.Arn`], stringLikePrefix(['reports/registry/*', 'reports/targets/*'])),
      ].sort(),
    )
  })
})

describe('secret and topics', () => {
  it('generates a 64-character HMAC key without punctuation', () => {
    expect(props(ids.storage.idHashSecret)).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    })
    expect(ofType('AWS::SecretsManager::RotationSchedule')).toEqual([])
  })

  it.each(['verdictTopic', 'appraisalTopic'] as const)('%s is encrypted and denies non-TLS publishing', (name) => {
    expect(flat(props(ids.storage[name]).KmsMasterKeyId)).toMatch(/alias\/aws\/sns$/)
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids.storage[name] }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    })
  })
})

describe('tables', () => {
  const common = {
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  }
  const gsi = (name: string, pk: string, sk: string): Record<string, unknown> => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' },
      { AttributeName: sk, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  })

  // Retained, and deletion-protected once the stack exists: retry-safe.test.ts.
  it('submissions: pk/sk, GSI by-county-dataset, PITR, retained', () => {
    const logical = ids.storage.submissionsTable
    expect(props(logical)).toMatchObject({
      ...common,
      TableName: 'submissions',
      GlobalSecondaryIndexes: [gsi('by-county-dataset', 'gsi1pk', 'gsi1sk')],
    })
    expect(resources[logical]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' })
  })

  it('appraisals: pk/sk, GSIs by-county and by-city, PITR, retained', () => {
    const logical = ids.storage.appraisalsTable
    expect(props(logical)).toMatchObject({
      ...common,
      TableName: 'appraisals',
      GlobalSecondaryIndexes: [gsi('by-county', 'county', 'period'), gsi('by-city', 'city_period', 'rank_key')],
    })
    expect(resources[logical]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' })
  })
})

describe('analytics', () => {
  it('runs the appraisal at 02:00 Beijing time on the 15th after each quarter, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 15 1,4,7,10 ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [ids.analytics.aggregate.function, 'Arn'] },
        Input: '{"source":"schedule"}',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.analytics.scheduleDeadLetterQueue, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
      },
    })
  })

  const lakeRef = (): { Ref: string } => ({ Ref: ids.storage.lakeBucket })
  const glueTable = (name: string): Record<string, unknown> => {
    const found = ofType('AWS::Glue::Table').find(([, p]) => (p.TableInput as { Name: string }).Name === name)
    if (!found) throw new Error(`no Glue table ${name}`)
    return found[1].TableInput as Record<string, unknown>
  }
  const columns = (name: string): { Name: string; Type: string; Comment?: string }[] =>
    (glueTable(name).StorageDescriptor as { Columns: { Name: string; Type: string; Comment?: string }[] }).Columns

  it('declares the database village_appraisal', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'village_appraisal' } })
  })

  it.each([
    ['village_reports', 'curated/village_report/'],
    ['monitored_households', 'curated/monitored_households/'],
    ['county_appraisals', 'analytics/county_appraisals/'],
    ['region_indicators', 'analytics/region_indicators/'],
    ['rectifications', 'analytics/rectifications/'],
  ])('%s: Parquet, partitioned by year and quarter, with partition projection', (name, prefix) => {
    const table = glueTable(name)
    expect(table).toMatchObject({
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [
        { Name: 'year', Type: 'int' },
        { Name: 'quarter', Type: 'int' },
      ],
      Parameters: {
        classification: 'parquet',
        'projection.enabled': 'true',
        'projection.year.type': 'integer',
        'projection.year.range': '2021,2040',
        'projection.quarter.type': 'integer',
        'projection.quarter.range': '1,4',
      },
      StorageDescriptor: {
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      },
    })
    const parameters = table.Parameters as Record<string, unknown>
    const descriptor = table.StorageDescriptor as { Location: unknown }
    expect(descriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', lakeRef(), `/${prefix}`]] })
    expect(parameters['storage.location.template']).toEqual({
      'Fn::Join': ['', ['s3://', lakeRef(), `/${prefix}year=\${year}/quarter=\${quarter}/`]],
    })
    for (const column of columns(name)) expect(column.Comment, column.Name).toBeTruthy()
  })

  it('org_units: Parquet under curated/org_units/, not partitioned', () => {
    const table = glueTable('org_units')
    expect(table.PartitionKeys ?? []).toEqual([])
    expect(Object.keys(table.Parameters as object).filter((k) => k.startsWith('projection.'))).toEqual([])
    expect(columns('org_units').map((c) => [c.Name, c.Type])).toEqual([
      ['code', 'string'],
      ['name', 'string'],
      ['level', 'string'],
      ['parent_code', 'string'],
      ['active', 'boolean'],
      ['province_code', 'string'],
    ])
  })

  it('village_reports: every contract column, typed and commented with its header and unit', () => {
    const cols = columns('village_reports')
    expect(cols.map((c) => c.Name)).toEqual(
      expect.arrayContaining([...VILLAGE_REPORT.columns.map((c) => c.key), 'county_code', 'city_code', 'submission_id', 'submitted_at']),
    )
    expect(cols).toEqual(
      expect.arrayContaining([
        { Name: 'population', Type: 'bigint', Comment: '总人口（人）' },
        { Name: 'linkage_funds_allocated', Type: 'double', Comment: '衔接资金下达（万元，本年累计）' },
        { Name: 'key_assisted', Type: 'boolean', Comment: '是否重点帮扶村' },
        { Name: 'submitted_at', Type: 'timestamp', Comment: expect.stringContaining('接收时间') },
      ]),
    )
  })

  it('monitored_households: head_id_hash instead of head_id_number, plus days_monitored', () => {
    const names = columns('monitored_households').map((c) => c.Name)
    expect(names).toEqual(expect.arrayContaining(['head_id_hash', 'days_monitored', 'identified_on', 'county_code']))
    expect(names).not.toContain('head_id_number')
    expect(names).toHaveLength(MONITORED_HOUSEHOLDS.columns.length + 7)
    expect(columns('monitored_households')).toEqual(
      expect.arrayContaining([{ Name: 'identified_on', Type: 'date', Comment: '识别纳入日期' }]),
    )
  })

  it('county_appraisals: result columns and one column per indicator, typed as the writer writes them', () => {
    const cols = columns('county_appraisals')
    const types = Object.fromEntries(cols.map((c) => [c.Name, c.Type]))
    expect(types).toMatchObject({
      county: 'string',
      name: 'string',
      city: 'string',
      province: 'string',
      score: 'double',
      grade: 'string',
      config_version: 'string',
      config_sha256: 'string',
      run_id: 'string',
      computed_at: 'timestamp',
      villages_reported: 'bigint',
      villages_expected: 'bigint',
      reporting_completeness: 'double',
      risk_elimination_rate: 'double',
      income_growth_yoy: 'double',
      fund_spending_rate: 'double',
      median_days_to_eliminate: 'double',
      no_data: 'string',
    })
    expect(cols.map((c) => c.Name)).toEqual(expect.arrayContaining([...INDICATOR_KEYS]))
    expect(cols).toHaveLength(13 + INDICATOR_KEYS.length + 1)
    // A Chinese part, a separator and an English part.
    for (const c of cols) expect(c.Comment, c.Name).toMatch(/[\u4e00-\u9fff].* \/ [A-Za-z]/)
  })

  const glueType = { string: 'string', bigint: 'bigint', double: 'double', boolean: 'boolean', date: 'date', timestamp: 'timestamp' }

  it.each([
    ['village_reports', 'village_report'],
    ['monitored_households', 'monitored_households'],
    ['org_units', 'org_units'],
  ] as const)('%s declares exactly the columns the curated writer writes', (table, dataset) => {
    expect(columns(table).map((c) => [c.Name, c.Type])).toEqual(
      curatedColumns(dataset).map((c) => [c.name, glueType[c.storage]]),
    )
  })

  // Ranks and counts arrive as Parquet INT64: declared `int`, Athena would fail on every file.
  it('county_appraisals declares exactly the columns the aggregate writer writes', () => {
    expect(columns('county_appraisals').map((c) => [c.Name, c.Type])).toEqual(
      APPRAISAL_COLUMNS.map((c) => [c.key, glueType[c.storage]]),
    )
  })

  it('enforces the workgroup configuration, encrypted results and a 10 GB scan cutoff', () => {
    expect(BYTES_SCANNED_CUTOFF).toBe(10 * 1024 ** 3)
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'village_appraisal',
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        EngineVersion: { SelectedEngineVersion: 'AUTO' },
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: ids.storage.resultsBucket }, '/results/']] },
        },
      },
    })
  })

  it('saves one named query per Athena SQL file, in the workgroup and database', () => {
    const files = existsSync(SAVED_QUERY_DIR) ? readdirSync(SAVED_QUERY_DIR) : []
    const athenaNames = new Set(
      files.filter((f) => f.endsWith('.sql') && !f.endsWith('.duckdb.sql')).map((f) => f.replace(/(\.athena)?\.sql$/, '')),
    )
    const queries = ofType('AWS::Athena::NamedQuery').map(([, p]) => p)
    expect(queries.map((q) => q.Name).sort()).toEqual([...athenaNames].sort())
    for (const q of queries) expect(q).toMatchObject({ Database: 'village_appraisal', WorkGroup: 'village_appraisal' })
    expect([...athenaNames]).toEqual(
      expect.arrayContaining(['ranking', 'red_flags', 'stuck_households', 'lagging_funds', 'qoq_movers']),
    )
  })
})

it('outputs every name `va --target aws` reads', () => {
  const outputs = Object.keys(template.toJSON().Outputs ?? {})
  expect(outputs).toEqual(
    expect.arrayContaining([
      'IngestBucketName',
      'LakeBucketName',
      'ResultsBucketName',
      'SubmissionsTableName',
      'AppraisalsTableName',
      'IngestQueueUrl',
      'DeadLetterQueueUrl',
      'AthenaWorkGroup',
      'GlueDatabase',
      'ValidateFunctionName',
      'AggregateFunctionName',
      'VerdictTopicArn',
      'CountyUploaderRoleArn',
    ]),
  )
})

it('outputs what the README\'s deploy and runbook commands read', () => {
  expect(Object.keys(template.toJSON().Outputs ?? {})).toEqual(
    expect.arrayContaining([
      'Stage',
      'AppraisalTopicArn',
      'ScheduleDeadLetterQueueUrl',
      'ReconcileDeadLetterQueueUrl',
      'RegistryAdminPolicyArn',
      'OpsTopicArn',
      'DashboardName',
    ]),
  )
})

it('cdk-nag AwsSolutions: no unacknowledged error or warning', () => {
  expect(prod.nag).toEqual([])
})

it('cdk-nag AwsSolutions: no unacknowledged finding either when the page is built and the stack pinned to a region (npx cdk synth after npm start), the page deployment included', () => {
  const pinned = synthesized('pageUsEast1')
  expect(Object.values(pinned.template['Resources'] as Record<string, { Type: string }>).filter((r) => r.Type === 'Custom::CDKBucketDeployment')).toHaveLength(1)
  expect(pinned.nag).toEqual([])
})

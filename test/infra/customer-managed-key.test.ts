import { App } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { AwsSolutionsChecks } from 'cdk-nag'
import { beforeAll, describe, expect, it } from 'vitest'
import { VillageAppraisalStack } from '../../infra/village-appraisal-stack.ts'
import { logicalId, permissions, roleStatements } from './template-helpers.ts'

// The same stack with one customer managed key. Bundling is skipped here (stack.test.ts
// covers it): this file is about where the key is used and who may use it.
let app: App
let stack: VillageAppraisalStack
let template: Template
let keyArn: { 'Fn::GetAtt': [string, 'Arn'] }
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>
const id = (construct: Parameters<typeof logicalId>[1]): string => logicalId(stack, construct)

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
  stack = new VillageAppraisalStack(app, 'VillageAppraisalCmkTest', { customerManagedKey: true, tablePrefix: 'test-' })
  // Template.fromStack also fails on a dependency cycle, which key policies naming buckets create.
  template = Template.fromStack(stack)
  resources = template.toJSON().Resources
  if (!stack.key) throw new Error('no key')
  keyArn = { 'Fn::GetAtt': [id(stack.key), 'Arn'] }
})

const props = (logical: string): Record<string, unknown> => {
  const resource = resources[logical]
  if (!resource) throw new Error(`no resource ${logical}`)
  return resource.Properties
}

it('creates one key, rotated and retained', () => {
  template.resourceCountIs('AWS::KMS::Key', 1)
  template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' })
})

describe('the key encrypts', () => {
  it.each(['ingestBucket', 'lakeBucket', 'resultsBucket'] as const)('bucket %s', (name) => {
    expect(props(id(stack.storage[name]))).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
        ],
      },
    })
  })

  it('but not the access-log bucket, which S3 log delivery requires to be SSE-S3', () => {
    expect(props(id(stack.storage.accessLogBucket))).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    })
  })

  it.each(['submissionsTable', 'appraisalsTable'] as const)('table %s (and keeps the prefix)', (name) => {
    expect(props(id(stack.storage[name]))).toMatchObject({
      TableName: name === 'submissionsTable' ? 'test-submissions' : 'test-appraisals',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
    })
  })

  it.each([
    ['ingest queue', () => stack.ingest.queue],
    ['ingest dead-letter queue', () => stack.ingest.deadLetterQueue],
    ['schedule dead-letter queue', () => stack.analytics.scheduleDeadLetterQueue],
  ])('%s', (_, queue) => {
    expect(props(id(queue()))).toMatchObject({ KmsMasterKeyId: keyArn })
  })

  it.each(['verdictTopic', 'appraisalTopic'] as const)('topic %s', (name) => {
    expect(props(id(stack.storage[name]))).toMatchObject({ KmsMasterKeyId: keyArn })
  })

  it('the ID-hash secret', () => {
    expect(props(id(stack.storage.idHashSecret))).toMatchObject({ KmsKeyId: keyArn })
  })

  it('Athena query results', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: keyArn } },
      },
    })
  })
})

describe('key permissions', () => {
  const kmsLines = (roleId: string): string[] =>
    permissions(roleStatements(template, roleId).statements).filter((l) => l.includes(' kms:'))
  const keyRef = (): string => `${id(stack.key!)}.Arn`

  it.each([
    ['validate', () => stack.ingest.validate.role],
    ['schedule', () => stack.analytics.scheduleRole],
  ])('%s role: kms:Decrypt and kms:GenerateDataKey on the key, nothing more', (_, role) => {
    expect(kmsLines(id(role()))).toEqual([`Allow kms:Decrypt ${keyRef()}`, `Allow kms:GenerateDataKey ${keyRef()}`])
  })

  // Its own statement (UseDataKey) is unchanged. The on-failure destination to the encrypted
  // schedule dead-letter queue adds a second one: SqsDestination's Queue.grantSendMessages grants
  // the key's whole encrypt/decrypt set, more than SendMessage needs (see nag-acknowledgements.ts).
  it('aggregate role: kms:Decrypt and kms:GenerateDataKey on the key, nothing more (enough to send to the encrypted dead-letter queue)', () => {
    const statements = roleStatements(template, id(stack.analytics.aggregate.role)).statements
    const kms = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')))
    expect(kms.map((s) => permissions([s]))).toEqual([[`Allow kms:Decrypt ${keyRef()}`, `Allow kms:GenerateDataKey ${keyRef()}`]])
    expect(kms.map((s) => (s as { Sid?: string }).Sid)).toEqual(['UseDataKey'])
  })

  it('county uploaders use the key only through S3', () => {
    const via = ` if ${JSON.stringify({ StringEquals: { 'kms:ViaService': 's3.AWS::Region.amazonaws.com' } })}`
    expect(kmsLines(id(stack.access.countyUploaderRole))).toEqual([
      `Allow kms:Decrypt ${keyRef()}${via}`,
      `Allow kms:GenerateDataKey ${keyRef()}${via}`,
    ])
  })

  it('S3 may use the key to send upload events to the encrypted queue', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 's3.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    })
  })
})

it('cdk-nag AwsSolutions: no unacknowledged error or warning with the key', () => {
  const report = new AwsSolutionsChecks(app).validateScope(app)
  const findings = report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)
  expect(findings).toEqual([])
})

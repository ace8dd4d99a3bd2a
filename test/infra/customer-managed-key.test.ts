import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { synthesized } from './synthesized.ts'
import { permissions, roleStatements } from './template-helpers.ts'

// The same stack with one customer managed key (synthesized once for the run, without
// bundling: stack.test.ts covers it): this file is about where the key is used and who may use it.
const cmk = synthesized('cmk')
const { ids, resources } = cmk
const template = cmk.assertions
const keyId = ids.key as string
const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] }

const props = (logical: string): Record<string, unknown> => {
  const resource = resources[logical]
  if (!resource) throw new Error(`no resource ${logical}`)
  return resource.Properties
}

it('creates one key, rotated and retained', () => {
  template.resourceCountIs('AWS::KMS::Key', 1)
  template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' })
})

describe('the key encrypts', () => {
  it.each(['ingestBucket', 'lakeBucket', 'resultsBucket'] as const)('bucket %s', (name) => {
    expect(props(ids.storage[name])).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
        ],
      },
    })
  })

  it('but not the access-log bucket, which S3 log delivery requires to be SSE-S3', () => {
    expect(props(ids.storage.accessLogBucket)).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    })
  })

  it.each(['submissionsTable', 'appraisalsTable'] as const)('table %s (and keeps its name)', (name) => {
    expect(props(ids.storage[name])).toMatchObject({
      TableName: name === 'submissionsTable' ? 'submissions' : 'appraisals',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
    })
  })

  it.each([
    ['ingest queue', () => ids.ingest.queue],
    ['ingest dead-letter queue', () => ids.ingest.deadLetterQueue],
    ['schedule dead-letter queue', () => ids.analytics.scheduleDeadLetterQueue],
  ])('%s', (_, queue) => {
    expect(props(queue())).toMatchObject({ KmsMasterKeyId: keyArn })
  })

  it.each(['verdictTopic', 'appraisalTopic'] as const)('topic %s', (name) => {
    expect(props(ids.storage[name])).toMatchObject({ KmsMasterKeyId: keyArn })
  })

  it('the ID-hash secret', () => {
    expect(props(ids.storage.idHashSecret)).toMatchObject({ KmsKeyId: keyArn })
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
  const keyRef = (): string => `${keyId}.Arn`

  it.each([
    ['validate', () => ids.ingest.validate.role],
    ['schedule', () => ids.analytics.scheduleRole],
  ])('%s role: kms:Decrypt and kms:GenerateDataKey on the key, nothing more', (_, role) => {
    expect(kmsLines(role())).toEqual([`Allow kms:Decrypt ${keyRef()}`, `Allow kms:GenerateDataKey ${keyRef()}`])
  })

  // Its own statement (UseDataKey) is unchanged. The on-failure destination to the encrypted
  // schedule dead-letter queue adds a second one: SqsDestination's Queue.grantSendMessages grants
  // the key's whole encrypt/decrypt set, more than SendMessage needs (see nag-acknowledgements.ts).
  it('aggregate role: kms:Decrypt and kms:GenerateDataKey on the key, nothing more (enough to send to the encrypted dead-letter queue)', () => {
    const statements = roleStatements(template, ids.analytics.aggregate.role).statements
    const kms = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')))
    expect(kms.map((s) => permissions([s]))).toEqual([[`Allow kms:Decrypt ${keyRef()}`, `Allow kms:GenerateDataKey ${keyRef()}`]])
    expect(kms.map((s) => (s as { Sid?: string }).Sid)).toEqual(['UseDataKey'])
  })

  it('county uploaders use the key only through S3', () => {
    const via = ` if ${JSON.stringify({ StringEquals: { 'kms:ViaService': 's3.AWS::Region.AWS::URLSuffix' } })}`
    expect(kmsLines(ids.access.countyUploaderRole)).toEqual([
      `Allow kms:Decrypt ${keyRef()}${via}`,
      `Allow kms:GenerateDataKey ${keyRef()}${via}`,
    ])
  })

  it('S3 may use the key to send upload events to the encrypted queue, only on behalf of this account', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 's3.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    })
  })

  it('no service principal may use the key without a source condition', () => {
    const policy = props(keyId).KeyPolicy as { Statement: { Principal?: { Service?: unknown }; Condition?: Record<string, Record<string, unknown>> }[] }
    const unconditioned = policy.Statement.filter(
      (st) => st.Principal?.Service !== undefined && !Object.values(st.Condition ?? {}).some((keys) => 'aws:SourceAccount' in keys || 'aws:SourceArn' in keys),
    )
    expect(unconditioned).toEqual([])
  })
})

it('cdk-nag AwsSolutions: no unacknowledged error or warning with the key', () => {
  expect(cmk.nag).toEqual([])
})

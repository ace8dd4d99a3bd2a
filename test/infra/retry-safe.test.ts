import { describe, expect, it } from 'vitest'
import { pollerConcurrency, VALIDATE_MAX_CONCURRENCY } from '../../infra/ingest.ts'
import { synthesized } from './synthesized.ts'
import type { Synthesized } from './synthesized.ts'
import { allow, namesClaimedBy, permissions, roleStatements } from './template-helpers.ts'

const prod = synthesized('prod')
const VARIANTS = [['prod', prod], ['cmk', synthesized('cmk')], ['dev', synthesized('dev')]] as const

const props = (s: Synthesized, logical: string): Record<string, unknown> => {
  const resource = s.resources[logical]
  if (!resource) throw new Error(`no resource ${logical}`)
  return resource.Properties
}

describe('a first deploy that fails and rolls back can be deployed again', () => {
  // CloudFormation deletes what a failed create made unless its DeletionPolicy is Retain; a
  // retained resource with a fixed name then fails the next try with "already exists".
  it.each(VARIANTS)('%s: no resource that claims a fixed name survives the rollback of its create', (_, s) => {
    const kept = Object.entries(s.resources)
      .filter(([, r]) => namesClaimedBy(r).length > 0 && r.DeletionPolicy === 'Retain')
      .map(([id, r]) => `${id}: ${namesClaimedBy(r).join(', ')}`)
    expect(kept).toEqual([])
  })

  it.each(VARIANTS)('%s: what holds data is retained on update and delete, and only there', (_, s) => {
    const { storage, ingest, analytics } = s.ids
    const holders = [
      storage.submissionsTable,
      storage.appraisalsTable,
      storage.ingestBucket,
      storage.lakeBucket,
      storage.resultsBucket,
      storage.idHashSecret,
      ingest.validate.logGroup,
      analytics.aggregate.logGroup,
      ...(s.ids.key ? [s.ids.key] : []),
    ]
    for (const holder of holders) {
      expect(s.resources[holder], holder).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' })
    }
    // Its name is generated, and the deploy's own requests may already have been logged into it,
    // which a rollback could not delete: kept.
    expect(s.resources[storage.accessLogBucket]).toMatchObject({ DeletionPolicy: 'Retain' })
    expect(namesClaimedBy(s.resources[storage.accessLogBucket]!)).toEqual([])
  })

  it.each(VARIANTS)('%s: the tables are created without deletion protection, which a rollback could not get past', (_, s) => {
    for (const table of [s.ids.storage.submissionsTable, s.ids.storage.appraisalsTable]) {
      expect(props(s, table).DeletionProtectionEnabled ?? false).toBe(false)
    }
  })

  it.each(VARIANTS)('%s: deletion protection is switched on for both tables, after every other resource exists', (_, s) => {
    const { tableProtection, storage, cdk } = s.ids
    const tables = [storage.submissionsTable, storage.appraisalsTable]
    // Everything but the protection itself (construct TableProtection) and the provider function it runs on.
    const others = Object.keys(s.resources).filter((id) => !id.startsWith('TableProtection') && id !== cdk.customResourceProvider)
    expect(others.length).toBeGreaterThan(40)
    expect(tableProtection.calls).toHaveLength(2)
    tableProtection.calls.forEach((call, i) => {
      const resource = s.resources[call]!
      const create = JSON.stringify(resource.Properties.Create)
      expect(create).toContain('"service\\":\\"DynamoDB\\",\\"action\\":\\"UpdateTable\\"')
      expect(create).toContain('\\"DeletionProtectionEnabled\\":true')
      expect(resource.Properties.Create).toEqual(resource.Properties.Update)
      expect(JSON.stringify(resource.Properties.Create)).toContain(JSON.stringify({ Ref: tables[i] }))
      expect(resource.Properties.Delete).toBeUndefined()
      expect(others.filter((o) => !resource.DependsOn!.includes(o))).toEqual([])
    })
  })

  it('the protection\'s role may write its own logs and switch protection on for the two tables, nothing else', () => {
    const { tableProtection, storage } = prod.ids
    expect(permissions(roleStatements(prod.assertions, tableProtection.role).statements)).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [`${tableProtection.logGroup}.Arn`]),
        ...allow(['dynamodb:UpdateTable'], [`${storage.submissionsTable}.Arn`, `${storage.appraisalsTable}.Arn`]),
      ].sort(),
    )
    const provider = props(prod, prod.ids.cdk.customResourceProvider!)
    expect(provider).toMatchObject({
      Role: { 'Fn::GetAtt': [tableProtection.role, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: tableProtection.logGroup } },
    })
    expect(props(prod, tableProtection.logGroup)).toMatchObject({ RetentionInDays: 365 })
  })
})

describe('reserved concurrency: none unless asked for, so a new account can deploy', () => {
  const fn = (s: Synthesized, which: 'validate' | 'aggregate'): Record<string, unknown> =>
    props(s, which === 'validate' ? s.ids.ingest.validate.function : s.ids.analytics.aggregate.function)
  const poller = (s: Synthesized): unknown =>
    Object.values(s.resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping')?.Properties.ScalingConfig

  it('by default neither function reserves any, and the queue\'s poller runs at most 8 validations at once', () => {
    expect(fn(prod, 'validate')).not.toHaveProperty('ReservedConcurrentExecutions')
    expect(fn(prod, 'aggregate')).not.toHaveProperty('ReservedConcurrentExecutions')
    expect(poller(prod)).toEqual({ MaximumConcurrency: VALIDATE_MAX_CONCURRENCY })
  })

  it('-c validateReservedConcurrency=10 -c aggregateReservedConcurrency=1 reserves 10 and 1, the poller staying 2 below', () => {
    const reserved = synthesized('options')
    expect(fn(reserved, 'validate')).toMatchObject({ ReservedConcurrentExecutions: 10 })
    expect(fn(reserved, 'aggregate')).toMatchObject({ ReservedConcurrentExecutions: 1 })
    expect(poller(reserved)).toEqual({ MaximumConcurrency: 8 })
    expect(reserved.nag).toEqual([])
  })

  it.each([
    [undefined, 8],
    [10, 8],
    [100, 8],
    [6, 4],
    [4, 2],
    [3, 2],
    [2, 2],
  ])('validate reservation %s: the poller runs at most %i', (reserved, expected) => {
    expect(pollerConcurrency(reserved)).toBe(expected)
  })

  it.each([1, 0, 2.5])('a validate reservation of %s is refused: the poller runs at least 2', (reserved) => {
    expect(() => pollerConcurrency(reserved)).toThrow(/at least 2/)
  })
})

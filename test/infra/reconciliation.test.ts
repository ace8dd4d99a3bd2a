import { Template } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { RECONCILE_SCHEDULE, RECONCILE_SCHEDULE_NAME } from '../../infra/reconciliation.ts'
import { METRIC_SERVICES, METRICS, METRICS_NAMESPACE } from '../../schemas/metrics.ts'
import { synthesized } from './synthesized.ts'
import { allow, permissions, roleStatements, stringLikePrefix } from './template-helpers.ts'

const prod = synthesized('prod')
const { ids } = prod
const template = Template.fromJSON({ Resources: prod.resources })
const props = (logical: string) => prod.resources[logical]!.Properties

describe('the reconcile function (daily, and on demand)', () => {
  it('is scheduled daily in the stage\'s schedule group, Beijing time, by a role only the group may assume', () => {
    expect(props(ids.reconciliation.schedule)).toMatchObject({
      Name: RECONCILE_SCHEDULE_NAME,
      ScheduleExpression: RECONCILE_SCHEDULE,
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [ids.reconciliation.reconcile.function, 'Arn'] }, Input: JSON.stringify({ source: 'schedule' }) },
    })
    const role = JSON.stringify(props(ids.reconciliation.scheduleRole))
    expect(role).toContain('scheduler.amazonaws.com')
    expect(role).toContain('aws:SourceArn')
  })

  it('holds exactly the validate use case\'s permissions, plus listing the uploads', () => {
    const ingest = `${ids.storage.ingestBucket}.Arn`
    const lake = `${ids.storage.lakeBucket}.Arn`
    const submissions = `${ids.storage.submissionsTable}.Arn`
    const { statements, externalManagedPolicies } = roleStatements(template, ids.reconciliation.reconcile.role)
    expect(externalManagedPolicies).toEqual([])
    expect(permissions(statements)).toEqual([
      ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [`${ids.reconciliation.reconcile.logGroup}.Arn`]),
      ...allow(['s3:ListBucket'], [ingest], stringLikePrefix(['uploads/*', 'registry/org_units/*', 'registry/targets/*'])),
      ...allow(['s3:GetObject', 's3:GetObjectVersion'], [`${ingest}/uploads/*`, `${ingest}/registry/*`]),
      ...allow(['s3:PutObject', 's3:GetObject'], ['curated', 'staging', 'raw', 'reports/submissions', 'reports/registry', 'reports/targets'].map((p) => `${lake}/${p}/*`)),
      ...allow(['s3:ListBucket'], [lake]),
      ...allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], [submissions, `${submissions}/index/*`]),
      ...allow(['secretsmanager:GetSecretValue'], [ids.storage.idHashSecret]),
      ...allow(['sns:Publish'], [ids.storage.verdictTopic]),
    ].sort())
  })

  it('alarms (UploadsReconciled) on its own metrics, with the service dimension it emits', () => {
    const components = ids.operations.components
    for (const [name, metric] of [['ReconciledUploads', METRICS.reconciledUploads], ['ReconcileFailures', METRICS.reconcileFailures]] as const) {
      expect(props(components[name]!)).toMatchObject({
        Namespace: METRICS_NAMESPACE, MetricName: metric, Dimensions: [{ Name: 'service', Value: METRIC_SERVICES.reconcile }], Threshold: 1, ActionsEnabled: false,
      })
    }
    expect(JSON.stringify(props(ids.operations.alarms.UploadsReconciled))).toContain(components['ReconcileErrors']!)
  })
})

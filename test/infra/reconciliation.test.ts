import { Template } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { RECONCILE_DUE_METRIC } from '../../infra/operations.ts'
import { RECONCILE_CHECK_SCHEDULE, RECONCILE_SCHEDULE, RECONCILE_SCHEDULE_NAME } from '../../infra/reconciliation.ts'
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
      ...allow(['sqs:SendMessage'], [`${ids.reconciliation.deadLetterQueue}.Arn`]),
    ].sort())
  })

  it('parks a run the scheduler could not deliver, and a run that failed after Lambda\'s two retries, in its own dead-letter queue', () => {
    const queue = { 'Fn::GetAtt': [ids.reconciliation.deadLetterQueue, 'Arn'] }
    expect((props(ids.reconciliation.schedule) as { Target: { DeadLetterConfig: unknown } }).Target.DeadLetterConfig).toEqual({ Arn: queue })
    const invokeConfig = Object.values(prod.resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && JSON.stringify(r.Properties).includes(ids.reconciliation.reconcile.function))
    expect(invokeConfig?.Properties).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: queue } } })
    expect(permissions(roleStatements(template, ids.reconciliation.scheduleRole).statements)).toEqual([
      ...allow(['lambda:InvokeFunction'], [`${ids.reconciliation.reconcile.function}.Arn`, `${ids.reconciliation.reconcile.function}.Arn:*`]),
      ...allow(['sqs:SendMessage'], [`${ids.reconciliation.deadLetterQueue}.Arn`]),
    ].sort())
  })

  it('alarms when it did not run: a check at 12:00 Beijing time records it was due, after the run\'s window and delivery retries, and the run reports within the 24 hours looked back', () => {
    const components = ids.operations.components
    const check = props(ids.operations.reconcileCheckSchedule) as { ScheduleExpression: string; ScheduleExpressionTimezone: string; Target: { Input: string; DeadLetterConfig: unknown } }
    expect([check.ScheduleExpression, check.ScheduleExpressionTimezone]).toEqual([RECONCILE_CHECK_SCHEDULE, 'Asia/Shanghai'])
    expect(JSON.parse(check.Target.Input)).toEqual({
      Namespace: METRICS_NAMESPACE,
      MetricData: [{ MetricName: RECONCILE_DUE_METRIC, Value: 1, Unit: 'Count', Dimensions: [{ Name: 'service', Value: METRIC_SERVICES.reconcile }] }],
    })
    expect(check.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [ids.reconciliation.deadLetterQueue, 'Arn'] } })
    expect(props(components['ReconcileDue']!)).toMatchObject({ MetricName: RECONCILE_DUE_METRIC, Dimensions: [{ Name: 'service', Value: METRIC_SERVICES.reconcile }], Period: 3600, Threshold: 1 })
    // The function emits ReconciledUploads on every run (0 on a good day): its sample count is "a run".
    expect(props(components['ReconcileRan']!)).toMatchObject({ MetricName: METRICS.reconciledUploads, Statistic: 'SampleCount', Period: 86_400, Threshold: 1 })
    const run = props(ids.reconciliation.schedule) as { ScheduleExpression: string; FlexibleTimeWindow: { MaximumWindowInMinutes: number }; Target: { RetryPolicy: { MaximumEventAgeInSeconds: number } } }
    const hourOf = (cron: string) => Number(cron.split(' ')[1]) + Number(cron.split(' ')[0]!.replace('cron(', '')) / 60
    const gapSeconds = (hourOf(RECONCILE_CHECK_SCHEDULE) - hourOf(run.ScheduleExpression)) * 3600
    const fn = props(ids.reconciliation.reconcile.function) as { Timeout: number }
    expect(gapSeconds).toBeGreaterThan(run.FlexibleTimeWindow.MaximumWindowInMinutes * 60 + run.Target.RetryPolicy.MaximumEventAgeInSeconds + fn.Timeout)
    expect(gapSeconds).toBeLessThan(86_400)
    const rule = JSON.stringify(props(ids.operations.alarms.UploadsReconciled))
    for (const name of ['ReconcileDeadLettered', 'ReconcileDue', 'ReconcileRan']) expect(rule).toContain(components[name]!)
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

import { App } from 'aws-cdk-lib'
import { describe, expect, it } from 'vitest'
import { APPRAISAL_SCHEDULE } from '../../infra/analytics.ts'
import { propsFromContext } from '../../infra/deployment.ts'
import { APPRAISAL_CHECK_SCHEDULE, APPRAISAL_DUE_METRIC, NOTIFYING_ALARMS } from '../../infra/operations.ts'
import { METRIC_SERVICES, METRICS, METRICS_NAMESPACE } from '../../schemas/metrics.ts'
import { synthesized } from './synthesized.ts'
import type { Synthesized } from './synthesized.ts'
import { allow, flat, permissions, roleStatements } from './template-helpers.ts'

const prod = synthesized('prod')
const cmk = synthesized('cmk')
const dev = synthesized('dev')
const { ids } = prod
const ops = ids.operations

const props = (s: Synthesized, logical: string): Record<string, unknown> => {
  const resource = s.resources[logical]
  if (!resource) throw new Error(`no resource ${logical}`)
  return resource.Properties
}
const alarm = (name: string): Record<string, unknown> => props(prod, ops.alarms[name as keyof typeof ops.alarms] ?? ops.components[name]!)
const topicRef = { Ref: ops.topic }

/** The metric an alarm watches, as { namespace, name, dimensions, statistic, period }. */
function watched(name: string): Record<string, unknown> {
  const a = alarm(name)
  return {
    namespace: a.Namespace,
    name: a.MetricName,
    dimensions: Object.fromEntries(((a.Dimensions ?? []) as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value])),
    statistic: a.Statistic,
    period: a.Period,
    threshold: a.Threshold,
    operator: a.ComparisonOperator,
    evaluationPeriods: a.EvaluationPeriods,
  }
}

const GTE = 'GreaterThanOrEqualToThreshold'

describe('the ops topic', () => {
  it('is named for the stage and encrypted with a key CloudWatch may use, for this account only', () => {
    expect(props(prod, ops.topic)).toMatchObject({ TopicName: 'village-appraisal-ops', KmsMasterKeyId: { 'Fn::GetAtt': [ops.topicKey, 'Arn'] } })
    expect(props(dev, dev.ids.operations.topic)).toMatchObject({ TopicName: 'village-appraisal-dev-ops' })
    // With the customer managed key, that key; the AWS managed SNS key would shut CloudWatch out.
    expect(cmk.ids.operations.topicKey).toBe(cmk.ids.key)
    for (const s of [prod, cmk]) {
      const policy = props(s, s.ids.operations.topicKey).KeyPolicy as { Statement: Record<string, unknown>[] }
      expect(policy.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Sid: 'CloudWatchAlarmsToOpsTopic',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      )
    }
  })

  it('takes CloudWatch alarms of this account, and nothing over plain HTTP', () => {
    const policy = Object.values(prod.resources).find(
      (r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics) === JSON.stringify([topicRef]),
    )!.Properties.PolicyDocument as { Statement: { Sid?: string; Effect: string; Condition?: unknown; Principal?: unknown }[] }
    const publish = policy.Statement.find((st) => st.Sid === 'CloudWatchAlarms')!
    expect(publish).toMatchObject({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } })
    expect(flat((publish.Condition as { ArnLike: { 'aws:SourceArn': unknown } }).ArnLike['aws:SourceArn'])).toBe(
      'arn:AWS::Partition:cloudwatch:AWS::Region:AWS::AccountId:alarm:*',
    )
    expect(publish.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } })
    expect(policy.Statement).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]))
  })

  it('-c opsEmail=<address> subscribes the on-call by e-mail', () => {
    const options = synthesized('options')
    options.assertions.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.org',
      TopicArn: { Ref: options.ids.operations.topic },
    })
    expect(Object.values(prod.resources).filter((r) => r.Type === 'AWS::SNS::Subscription')).toEqual([])
    expect(() => propsFromContext(new App({ context: { opsEmail: 'on call' } }))).toThrow(/e-mail address/)
  })
})

describe('alarms', () => {
  it('the five that notify are named for the stage and send ALARM (and OK, but for the missing run) to the ops topic', () => {
    expect(Object.keys(ops.alarms).sort()).toEqual([...NOTIFYING_ALARMS].sort())
    for (const name of NOTIFYING_ALARMS) {
      const a = alarm(name)
      expect(a.AlarmName, name).toBe(`VillageAppraisal-${name}`)
      expect(a.AlarmActions, name).toEqual([topicRef])
      expect(a.OKActions ?? [], name).toEqual(name === 'QuarterlyRunMissing' ? [] : [topicRef])
      expect(String(a.AlarmDescription), name).toContain(`Runbook: README, Operations, ${name}`)
    }
    for (const name of NOTIFYING_ALARMS) {
      expect(props(dev, dev.ids.operations.alarms[name])).toMatchObject({ AlarmName: `VillageAppraisal-dev-${name}` })
    }
  })

  it('the components feeding them notify no one themselves', () => {
    expect(Object.keys(ops.components).sort()).toEqual(
      ['AggregateErrors', 'AppraisalDue', 'AppraisalFailures', 'AppraisalSucceeded', 'QuarterlyRunDeadLettered', 'UploadFailures', 'ValidateErrors', 'ReconciledUploads', 'ReconcileFailures', 'ReconcileErrors', 'ReconcileDeadLettered', 'ReconcileDue', 'ReconcileRan'].sort(),
    )
    for (const [name, logical] of Object.entries(ops.components)) {
      const a = props(prod, logical)
      expect(a, name).toMatchObject({ ActionsEnabled: false })
      expect(a.AlarmActions ?? [], name).toEqual([])
      expect(a.OKActions ?? [], name).toEqual([])
    }
  })

  it('every alarm on the functions\' own metrics names the service dimension they always carry', () => {
    for (const name of Object.keys(ops.components)) {
      const w = watched(name)
      if (w.namespace !== METRICS_NAMESPACE) continue
      expect(Object.keys(w.dimensions as object), name).toEqual(['service'])
      expect(Object.values(METRIC_SERVICES), name).toContain((w.dimensions as { service: string }).service)
    }
  })

  it('DeadLetteredUploads: one message in the dead-letter queue', () => {
    expect(watched('DeadLetteredUploads')).toMatchObject({
      namespace: 'AWS/SQS',
      name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: { 'Fn::GetAtt': [ids.ingest.deadLetterQueue, 'QueueName'] } },
      statistic: 'Maximum',
      threshold: 1,
      operator: GTE,
    })
    expect(alarm('DeadLetteredUploads')).toMatchObject({ TreatMissingData: 'notBreaching' })
  })

  it('ValidateFailing: the validate function\'s errors, or three failed uploads within 15 minutes', () => {
    expect(watched('ValidateErrors')).toMatchObject({
      namespace: 'AWS/Lambda',
      name: 'Errors',
      dimensions: { FunctionName: { Ref: ids.ingest.validate.function } },
      threshold: 1,
      operator: GTE,
    })
    expect(watched('UploadFailures')).toMatchObject({
      namespace: METRICS_NAMESPACE,
      name: METRICS.uploadFailures,
      dimensions: { service: METRIC_SERVICES.validate },
      statistic: 'Sum',
      period: 900,
      threshold: 3,
      operator: GTE,
    })
    expect(flat(alarm('ValidateFailing').AlarmRule)).toBe(`(ALARM("${ops.components.ValidateErrors}.Arn") OR ALARM("${ops.components.UploadFailures}.Arn"))`)
  })

  it('OldestUploadAge: the oldest upload has waited an hour, for 15 minutes', () => {
    expect(watched('OldestUploadAge')).toMatchObject({
      namespace: 'AWS/SQS',
      name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: { 'Fn::GetAtt': [ids.ingest.queue, 'QueueName'] } },
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 3,
      threshold: 3600,
      operator: GTE,
    })
  })

  it('QuarterlyRunFailed: the aggregate function\'s errors, a reported failure, or a run in the schedule\'s dead-letter queue', () => {
    expect(watched('AggregateErrors')).toMatchObject({ namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: { Ref: ids.analytics.aggregate.function } } })
    expect(watched('AppraisalFailures')).toMatchObject({ namespace: METRICS_NAMESPACE, name: METRICS.appraisalFailures, dimensions: { service: METRIC_SERVICES.aggregate } })
    expect(watched('QuarterlyRunDeadLettered')).toMatchObject({
      name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: { 'Fn::GetAtt': [ids.analytics.scheduleDeadLetterQueue, 'QueueName'] } },
    })
    const c = ops.components
    expect(flat(alarm('QuarterlyRunFailed').AlarmRule)).toBe(
      `(ALARM("${c.AggregateErrors}.Arn") OR ALARM("${c.AppraisalFailures}.Arn") OR ALARM("${c.QuarterlyRunDeadLettered}.Arn"))`,
    )
  })

  it('QuarterlyRunMissing: the check says a run was due, and none succeeded in the 24 hours before', () => {
    const c = ops.components
    expect(flat(alarm('QuarterlyRunMissing').AlarmRule)).toBe(`(ALARM("${c.AppraisalDue}.Arn") AND (NOT (ALARM("${c.AppraisalSucceeded}.Arn"))))`)
    expect(watched('AppraisalSucceeded')).toMatchObject({
      namespace: METRICS_NAMESPACE,
      name: METRICS.appraisalRuns,
      dimensions: { service: METRIC_SERVICES.aggregate },
      period: 86_400,
      threshold: 1,
      operator: GTE,
    })
    expect(watched('AppraisalDue')).toMatchObject({ period: 3600, threshold: 1, operator: GTE })
  })

  it('the check schedule writes exactly the metric the AppraisalDue alarm watches', () => {
    const schedule = props(prod, ops.checkSchedule) as { Target: { Arn: unknown; Input: string; RoleArn: unknown; DeadLetterConfig: unknown }; GroupName: string }
    expect(schedule).toMatchObject({ ScheduleExpression: APPRAISAL_CHECK_SCHEDULE, ScheduleExpressionTimezone: 'Asia/Shanghai', GroupName: 'village-appraisal' })
    expect(flat(schedule.Target.Arn)).toBe('arn:AWS::Partition:scheduler:::aws-sdk:cloudwatch:putMetricData')
    const input = JSON.parse(schedule.Target.Input) as { Namespace: string; MetricData: { MetricName: string; Value: number; Dimensions: { Name: string; Value: string }[] }[] }
    const w = watched('AppraisalDue')
    expect(input.Namespace).toBe(w.namespace)
    expect(input.MetricData).toEqual([
      expect.objectContaining({
        MetricName: APPRAISAL_DUE_METRIC,
        Value: 1,
        Dimensions: Object.entries(w.dimensions as object).map(([Name, Value]) => ({ Name, Value })),
      }),
    ])
    expect(w.name).toBe(APPRAISAL_DUE_METRIC)
    // A check that cannot be delivered lands beside failed runs, and so still alarms.
    expect(schedule.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [ids.analytics.scheduleDeadLetterQueue, 'Arn'] } })
  })

  it('the check comes after every retry of the run, and within the 24 hours the success alarm looks back', () => {
    const hour = (cron: string): number => Number(cron.split(' ')[1])
    const [runDay, checkDay] = [APPRAISAL_SCHEDULE, APPRAISAL_CHECK_SCHEDULE].map((c) => c.split(' ').slice(2, 5).join(' '))
    expect(checkDay).toBe(runDay)
    const gap = (hour(APPRAISAL_CHECK_SCHEDULE) - hour(APPRAISAL_SCHEDULE)) * 3600
    const run = props(prod, ids.analytics.schedule) as { Target: { RetryPolicy: { MaximumEventAgeInSeconds: number } } }
    const fn = props(prod, ids.analytics.aggregate.function) as { Timeout: number }
    // Delivery retries, then the function with Lambda's two retries of an asynchronous invoke.
    expect(gap).toBeGreaterThan(run.Target.RetryPolicy.MaximumEventAgeInSeconds + 3 * fn.Timeout)
    expect(gap).toBeLessThan(Number(watched('AppraisalSucceeded').period))
  })

  it('the checks\' role may put metrics in the VillageAppraisal namespace and park a failed check in its run\'s dead-letter queue, nothing else', () => {
    const namespace = ` if ${JSON.stringify({ StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } })}`
    expect(permissions(roleStatements(prod.assertions, ops.checkRole).statements)).toEqual(
      [
        ...allow(['cloudwatch:PutMetricData'], ['*'], namespace),
        ...allow(['sqs:SendMessage'], [`${ids.analytics.scheduleDeadLetterQueue}.Arn`]),
        ...allow(['sqs:SendMessage'], [`${ids.reconciliation.deadLetterQueue}.Arn`]),
      ].sort(),
    )
    const trust = (props(prod, ops.checkRole).AssumeRolePolicyDocument as { Statement: { Condition: unknown }[] }).Statement[0]!
    expect(trust.Condition).toMatchObject({ StringEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.analytics.scheduleGroup, 'Arn'] } } })
  })
})

describe('the dashboard', () => {
  const body = flat(props(prod, ops.dashboard).DashboardBody)

  it('is named for the stage', () => {
    expect(props(prod, ops.dashboard)).toMatchObject({ DashboardName: 'VillageAppraisal' })
    expect(props(dev, dev.ids.operations.dashboard)).toMatchObject({ DashboardName: 'VillageAppraisal-dev' })
  })

  it.each([
    ['uploads by status', `"${METRICS_NAMESPACE}","${METRICS.verdicts}","service","${METRIC_SERVICES.validate}","status","accepted"`],
    ['uploads by status', `"${METRICS_NAMESPACE}","${METRICS.verdicts}","service","${METRIC_SERVICES.validate}","status","rejected"`],
    ['verdict latency', `"${METRICS_NAMESPACE}","${METRICS.verdictLatency}","service","${METRIC_SERVICES.validate}"`],
    ['findings by code', `SEARCH('{${METRICS_NAMESPACE},code,service} MetricName=\\"${METRICS.findings}\\" service=\\"${METRIC_SERVICES.validate}\\"'`],
    ['queue depth', '"AWS/SQS","ApproximateNumberOfMessagesVisible"'],
    ['age of the oldest upload', '"AWS/SQS","ApproximateAgeOfOldestMessage"'],
    ['Athena bytes scanned', `{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName=\\"ProcessedBytes\\" WorkGroup=\\"village_appraisal\\"`],
    ['quarterly runs', `"${METRICS_NAMESPACE}","${METRICS.appraisalRuns}","service","${METRIC_SERVICES.aggregate}"`],
    ['the on-call alarms', `"alarms":["${ops.alarms.DeadLetteredUploads}.Arn"`],
  ])('shows %s', (_, text) => {
    expect(body).toContain(text)
  })
})

import { ArnFormat, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as kms from 'aws-cdk-lib/aws-kms'
import * as scheduler from 'aws-cdk-lib/aws-scheduler'
import * as targets from 'aws-cdk-lib/aws-scheduler-targets'
import * as sns from 'aws-cdk-lib/aws-sns'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions'
import { Construct } from 'constructs'
import { METRIC_SERVICES, METRICS, METRICS_NAMESPACE } from '../schemas/metrics.ts'
import type { StageNames } from '../schemas/stage-names.ts'
import { APPRAISAL_SCHEDULE, APPRAISAL_TIME_ZONE } from './analytics.ts'
import type { Analytics } from './analytics.ts'
import type { Ingest } from './ingest.ts'
import { RECONCILE_CHECK_SCHEDULE, RECONCILE_CHECK_SCHEDULE_NAME, type Reconciliation } from './reconciliation.ts'

/**
 * Emitted by the stack's own check schedule (below), never by the functions: "a quarterly run was
 * due". Same namespace and `service` dimension as the aggregate function's metrics.
 */
export const APPRAISAL_DUE_METRIC = 'AppraisalDue'
/** Likewise "the daily reconciliation was due", with the reconcile function's `service` dimension. */
export const RECONCILE_DUE_METRIC = 'ReconcileDue'

/**
 * When the check runs: 10:00 Beijing time on the 15th after each quarter, eight hours after the
 * run (APPRAISAL_SCHEDULE, 02:00), past the schedule's six hours of delivery retries and the
 * function's own retries. A successful run emits AppraisalRuns; none in the 24 hours before the
 * check is a missing run.
 */
export const APPRAISAL_CHECK_SCHEDULE = 'cron(0 10 15 1,4,7,10 ? *)'
export const APPRAISAL_CHECK_SCHEDULE_NAME = 'quarterly-run-check'

/** The alarms that notify the ops topic, each with a runbook entry in the README (Operations). */
export const NOTIFYING_ALARMS = [
  'DeadLetteredUploads',
  'ValidateFailing',
  'OldestUploadAge',
  'QuarterlyRunFailed',
  'QuarterlyRunMissing',
  'UploadsReconciled',
] as const
export type NotifyingAlarm = (typeof NOTIFYING_ALARMS)[number]

export interface OperationsProps {
  names: StageNames
  ingest: Ingest
  analytics: Analytics
  reconciliation: Reconciliation
  key?: kms.Key
  /** Subscribed to the ops topic by e-mail (the address confirms once). Default: none. */
  opsEmail?: string
}

/**
 * The on-call view: alarms to the `ops` topic and a dashboard. Component alarms (no actions)
 * feed the composite ones that notify, so that one failure pages once.
 */
export class Operations extends Construct {
  readonly topic: sns.Topic
  readonly topicKey: kms.IKey
  readonly alarms = {} as Record<NotifyingAlarm, cloudwatch.AlarmBase>
  readonly components: cloudwatch.Alarm[] = []
  readonly dashboard: cloudwatch.Dashboard
  readonly checkSchedule: scheduler.Schedule
  readonly reconcileCheckSchedule: scheduler.Schedule
  readonly checkRole: iam.Role

  private readonly names: StageNames

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id)
    const { names, ingest, analytics } = props
    this.names = names
    const stack = Stack.of(this)

    // CloudWatch cannot publish to a topic under the AWS managed SNS key (its policy is fixed),
    // so the ops topic uses the stack's key, or a key of its own that lets CloudWatch in.
    this.topicKey =
      props.key ??
      new kms.Key(this, 'TopicKey', {
        description: 'village-appraisal: the ops topic (alarm notifications)',
        enableKeyRotation: true,
        // Encrypts only notifications in flight; nothing outlives the stack under it.
        removalPolicy: RemovalPolicy.DESTROY,
      })
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsToOpsTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    )
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: names.opsTopic,
      displayName: 'village-appraisal on-call',
      masterKey: this.topicKey,
      enforceSSL: true,
    })
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    )
    if (props.opsEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.opsEmail))

    this.checkRole = new iam.Role(this, 'CheckRole', {
      description: 'EventBridge Scheduler: records that a quarterly run was due',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': analytics.scheduleGroup.scheduleGroupArn } },
      }),
    })
    if (props.key) {
      this.checkRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'SendToEncryptedDlq', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.key.keyArn] }),
      )
    }
    this.checkSchedule = this.dueCheck('QuarterlyRunCheck', {
      scheduleName: APPRAISAL_CHECK_SCHEDULE_NAME,
      description: 'Records that the quarterly appraisal was due (alarm QuarterlyRunMissing)',
      cron: APPRAISAL_CHECK_SCHEDULE,
      metricName: APPRAISAL_DUE_METRIC,
      service: METRIC_SERVICES.aggregate,
      group: analytics.scheduleGroup,
      // A check that cannot be delivered is parked beside failed runs, and so still alarms.
      deadLetterQueue: analytics.scheduleDeadLetterQueue,
    })
    this.reconcileCheckSchedule = this.dueCheck('ReconcileRunCheck', {
      scheduleName: RECONCILE_CHECK_SCHEDULE_NAME,
      description: 'Records that the daily reconciliation was due (alarm UploadsReconciled)',
      cron: RECONCILE_CHECK_SCHEDULE,
      metricName: RECONCILE_DUE_METRIC,
      service: METRIC_SERVICES.reconcile,
      group: analytics.scheduleGroup,
      deadLetterQueue: props.reconciliation.deadLetterQueue,
    })

    this.alarmsFor(ingest, analytics)
    this.reconcileAlarms(props.reconciliation)
    this.dashboard = this.dashboardFor(ingest, analytics)
  }

  /**
   * A schedule that records, at a fixed time, that a run was due: a metric the functions never
   * emit, so that "due and no run succeeded" can alarm without alarming on a stage just deployed.
   */
  private dueCheck(id: string, o: { scheduleName: string; description: string; cron: string; metricName: string; service: string; group: scheduler.ScheduleGroup; deadLetterQueue: sqs.IQueue }): scheduler.Schedule {
    const schedule = new scheduler.Schedule(this, id, {
      scheduleName: o.scheduleName,
      scheduleGroup: o.group,
      description: o.description,
      schedule: scheduler.ScheduleExpression.expression(o.cron, TimeZone.of(APPRAISAL_TIME_ZONE)),
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.Universal({
        service: 'cloudwatch',
        action: 'putMetricData',
        role: this.checkRole,
        input: scheduler.ScheduleTargetInput.fromObject({
          Namespace: METRICS_NAMESPACE,
          MetricData: [{ MetricName: o.metricName, Value: 1, Unit: 'Count', Dimensions: [{ Name: 'service', Value: o.service }] }],
        }),
        // PutMetricData has no resource to name; the namespace condition is the boundary.
        policyStatements: [
          new iam.PolicyStatement({
            actions: ['cloudwatch:PutMetricData'],
            resources: ['*'],
            conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
          }),
        ],
        deadLetterQueue: o.deadLetterQueue,
        retryAttempts: 5,
        maxEventAge: Duration.hours(1),
      }),
    })
    schedule.node.addDependency(o.group)
    return schedule
  }

  private name(what: string): string {
    return `${this.names.alarmPrefix}-${what}`
  }

  /** A metric alarm that only feeds a composite: no actions of its own. */
  private component(id: string, props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'actionsEnabled'>): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, { ...props, alarmName: this.name(id), actionsEnabled: false })
    this.components.push(alarm)
    return alarm
  }

  private notify(id: NotifyingAlarm, alarm: cloudwatch.AlarmBase, options: { ok: boolean }): void {
    const action = new SnsAction(this.topic)
    alarm.addAlarmAction(action)
    if (options.ok) alarm.addOkAction(action)
    this.alarms[id] = alarm
  }

  private alarmsFor(ingest: Ingest, analytics: Analytics): void {
    const emf = (metricName: string, service: string, period: Duration, statistic = 'Sum'): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period, statistic })
    const fiveMinutes = Duration.minutes(5)
    const once = { threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD }
    const quiet = cloudwatch.TreatMissingData.NOT_BREACHING

    const deadLettered = new cloudwatch.Alarm(this, 'DeadLetteredUploads', {
      alarmName: this.name('DeadLetteredUploads'),
      alarmDescription: 'Uploads failed five times and wait in the dead-letter queue. Runbook: README, Operations, DeadLetteredUploads.',
      metric: ingest.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      ...once,
      treatMissingData: quiet,
    })
    this.notify('DeadLetteredUploads', deadLettered, { ok: true })

    const validateErrors = this.component('ValidateErrors', {
      alarmDescription: 'Component of ValidateFailing: the validate function crashed or timed out.',
      metric: ingest.validate.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      ...once,
      treatMissingData: quiet,
    })
    // Failures of single uploads are reported as batch item failures, not as function errors;
    // three in 15 minutes is the pipeline failing broadly (one upload that keeps failing retries
    // every 18 minutes and ends in the dead-letter queue, which alarms on its own).
    const uploadFailures = this.component('UploadFailures', {
      alarmDescription: 'Component of ValidateFailing: at least 3 uploads failed (threw) within 15 minutes.',
      metric: emf(METRICS.uploadFailures, METRIC_SERVICES.validate, Duration.minutes(15)),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: quiet,
    })
    const validateFailing = new cloudwatch.CompositeAlarm(this, 'ValidateFailing', {
      compositeAlarmName: this.name('ValidateFailing'),
      alarmDescription: 'The validate function is failing (errors or failed uploads). Runbook: README, Operations, ValidateFailing.',
      alarmRule: cloudwatch.AlarmRule.anyOf(validateErrors, uploadFailures),
    })
    this.notify('ValidateFailing', validateFailing, { ok: true })

    // Normal processing takes seconds to minutes; a deadline-day backlog of a whole province
    // drains within the hour at 8 at a time. An hour, for 15 minutes, is stuck or starved.
    const oldest = new cloudwatch.Alarm(this, 'OldestUploadAge', {
      alarmName: this.name('OldestUploadAge'),
      alarmDescription: 'The oldest upload has waited over an hour in the ingest queue. Runbook: README, Operations, OldestUploadAge.',
      metric: ingest.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: Duration.hours(1).toSeconds(),
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: quiet,
    })
    this.notify('OldestUploadAge', oldest, { ok: true })

    const aggregateErrors = this.component('AggregateErrors', {
      alarmDescription: 'Component of QuarterlyRunFailed: the aggregate function crashed, failed or timed out.',
      metric: analytics.aggregate.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      ...once,
      treatMissingData: quiet,
    })
    const appraisalFailures = this.component('AppraisalFailures', {
      alarmDescription: 'Component of QuarterlyRunFailed: a quarterly run reported its failure.',
      metric: emf(METRICS.appraisalFailures, METRIC_SERVICES.aggregate, fiveMinutes),
      ...once,
      treatMissingData: quiet,
    })
    const runDeadLettered = this.component('QuarterlyRunDeadLettered', {
      alarmDescription: 'Component of QuarterlyRunFailed: a run (or its check) waits in the schedule dead-letter queue.',
      metric: analytics.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      ...once,
      treatMissingData: quiet,
    })
    const runFailed = new cloudwatch.CompositeAlarm(this, 'QuarterlyRunFailed', {
      compositeAlarmName: this.name('QuarterlyRunFailed'),
      alarmDescription: 'The quarterly appraisal failed. Runbook: README, Operations, QuarterlyRunFailed.',
      alarmRule: cloudwatch.AlarmRule.anyOf(aggregateErrors, appraisalFailures, runDeadLettered),
    })
    this.notify('QuarterlyRunFailed', runFailed, { ok: true })

    // Missing: the check schedule says a run was due, and no run succeeded in the 24 hours before.
    // Default (sliding) evaluation windows: each looks back from the moment of evaluation.
    const due = this.component('AppraisalDue', {
      alarmDescription: 'Component of QuarterlyRunMissing: the check schedule recorded that a quarterly run was due (within the hour).',
      metric: emf(APPRAISAL_DUE_METRIC, METRIC_SERVICES.aggregate, Duration.hours(1)),
      ...once,
      treatMissingData: quiet,
    })
    const ran = this.component('AppraisalSucceeded', {
      alarmDescription: 'Component of QuarterlyRunMissing: in ALARM while a quarterly run succeeded within 24 hours (that is good).',
      metric: emf(METRICS.appraisalRuns, METRIC_SERVICES.aggregate, Duration.days(1)),
      ...once,
      treatMissingData: quiet,
    })
    const missing = new cloudwatch.CompositeAlarm(this, 'QuarterlyRunMissing', {
      compositeAlarmName: this.name('QuarterlyRunMissing'),
      alarmDescription: `No quarterly run succeeded in the 24 hours before the check (${APPRAISAL_CHECK_SCHEDULE} ${APPRAISAL_TIME_ZONE}; the run is ${APPRAISAL_SCHEDULE}). Runbook: README, Operations, QuarterlyRunMissing.`,
      alarmRule: cloudwatch.AlarmRule.allOf(
        cloudwatch.AlarmRule.fromAlarm(due, cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.not(cloudwatch.AlarmRule.fromAlarm(ran, cloudwatch.AlarmState.ALARM)),
      ),
    })
    // No OK action: the check's hour passes and the composite clears by itself, run or not.
    this.notify('QuarterlyRunMissing', missing, { ok: false })
  }

  /**
   * The daily reconciliation found uploads the event path had lost (and processed them), could
   * not resend or repair something, or failed. On a good day it finds nothing.
   */
  private reconcileAlarms(reconciliation: Reconciliation): void {
    const service = METRIC_SERVICES.reconcile
    const hour = Duration.hours(1)
    const once = { threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING }
    const emf = (metricName: string) => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period: hour, statistic: 'Sum' })
    const reconciled = this.component('ReconciledUploads', {
      alarmDescription: 'Component of UploadsReconciled: the reconciliation sent uploads without a submission record through the pipeline, or repaired curated objects.',
      metric: emf(METRICS.reconciledUploads),
      ...once,
    })
    const failures = this.component('ReconcileFailures', {
      alarmDescription: 'Component of UploadsReconciled: the reconciliation could not resend an upload or repair a curated object.',
      metric: emf(METRICS.reconcileFailures),
      ...once,
    })
    const errors = this.component('ReconcileErrors', {
      alarmDescription: 'Component of UploadsReconciled: the reconcile function crashed or timed out.',
      metric: reconciliation.reconcile.function.metricErrors({ period: hour, statistic: 'Sum' }),
      ...once,
    })
    const deadLettered = this.component('ReconcileDeadLettered', {
      alarmDescription: 'Component of UploadsReconciled: a reconciliation run (or its check) the scheduler could not deliver, or that failed after its retries, waits in its dead-letter queue.',
      metric: reconciliation.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      ...once,
    })
    // Missing, as for the quarterly run: the check says a run was due, and the function reported
    // no run (it emits ReconciledUploads on every run, 0 on a good day) in the 24 hours before.
    const due = this.component('ReconcileDue', {
      alarmDescription: 'Component of UploadsReconciled: the check schedule recorded that the daily reconciliation was due (within the hour).',
      metric: emf(RECONCILE_DUE_METRIC),
      ...once,
    })
    const ran = this.component('ReconcileRan', {
      alarmDescription: 'Component of UploadsReconciled: in ALARM while a reconciliation run reported within 24 hours (that is good).',
      metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: METRICS.reconciledUploads, dimensionsMap: { service }, period: Duration.days(1), statistic: 'SampleCount' }),
      ...once,
    })
    const missing = cloudwatch.AlarmRule.allOf(
      cloudwatch.AlarmRule.fromAlarm(due, cloudwatch.AlarmState.ALARM),
      cloudwatch.AlarmRule.not(cloudwatch.AlarmRule.fromAlarm(ran, cloudwatch.AlarmState.ALARM)),
    )
    const alarm = new cloudwatch.CompositeAlarm(this, 'UploadsReconciled', {
      compositeAlarmName: this.name('UploadsReconciled'),
      alarmDescription: 'The daily reconciliation found lost uploads or damaged curated objects, failed, or did not run. Runbook: README, Operations, UploadsReconciled.',
      alarmRule: cloudwatch.AlarmRule.anyOf(reconciled, failures, errors, deadLettered, missing),
    })
    this.notify('UploadsReconciled', alarm, { ok: true })
  }

  private dashboardFor(ingest: Ingest, analytics: Analytics): cloudwatch.Dashboard {
    const hour = Duration.hours(1)
    const service = METRIC_SERVICES.validate
    const verdicts = (status: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRICS.verdicts,
        dimensionsMap: { service, status },
        period: hour,
        statistic: 'Sum',
        label: status,
      })
    const latency = (statistic: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRICS.verdictLatency,
        dimensionsMap: { service },
        period: hour,
        statistic,
        label: statistic,
      })
    const search = (query: string, label: string, period: Duration): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({ expression: `SEARCH('${query}', 'Sum', ${period.toSeconds()})`, usingMetrics: {}, label, period })
    const aggregateMetric = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: METRIC_SERVICES.aggregate },
        period: Duration.days(1),
        statistic: 'Sum',
        label: metricName,
      })

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: this.names.dashboard, defaultInterval: Duration.days(14) })
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'On-call alarms (runbook: README, Operations)', alarms: NOTIFYING_ALARMS.map((a) => this.alarms[a]), width: 24, height: 3 }),
    )
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Uploads by status (per hour)', left: [verdicts('accepted'), verdicts('rejected')], stacked: true, width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Verdict latency, S3 receipt to verdict (seconds)', left: ['p50', 'p90', 'Maximum'].map(latency), width: 12 }),
    )
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Findings by code (per hour)',
        left: [search(`{${METRICS_NAMESPACE},code,service} MetricName="${METRICS.findings}" service="${service}"`, 'findings', hour)],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures: uploads that threw, function errors',
        left: [
          new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: METRICS.uploadFailures, dimensionsMap: { service }, period: Duration.minutes(15), statistic: 'Sum', label: 'upload failures' }),
          ingest.validate.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum', label: 'validate errors' }),
          analytics.aggregate.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum', label: 'aggregate errors' }),
        ],
        width: 12,
      }),
    )
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: [
          ingest.queue.metricApproximateNumberOfMessagesVisible({ label: 'waiting', statistic: 'Maximum' }),
          ingest.queue.metricApproximateNumberOfMessagesNotVisible({ label: 'being validated', statistic: 'Maximum' }),
          ingest.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'dead-lettered', statistic: 'Maximum' }),
          analytics.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'failed quarterly runs', statistic: 'Maximum' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of the oldest upload waiting (seconds)',
        left: [ingest.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label: 'oldest' })],
        leftAnnotations: [{ value: Duration.hours(1).toSeconds(), label: 'OldestUploadAge alarm' }],
        width: 12,
      }),
    )
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Athena bytes scanned, workgroup ${this.names.athenaWorkGroup} (per day)`,
        left: [search(`{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="ProcessedBytes" WorkGroup="${this.names.athenaWorkGroup}"`, 'bytes scanned', Duration.days(1))],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Quarterly runs: due, succeeded, failed (per day)',
        left: [aggregateMetric(APPRAISAL_DUE_METRIC), aggregateMetric(METRICS.appraisalRuns), aggregateMetric(METRICS.appraisalFailures)],
        width: 12,
      }),
    )
    return dashboard
  }
}

import type { CfnElement, Stack } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'
import type { VillageAppraisalStack } from '../../infra/village-appraisal-stack.ts'

/**
 * The logical ids of the constructs the infra tests name, taken from the stack object while it
 * is synthesized (test/infra/synthesize-once.ts) and stored beside its template, so that a test
 * reads `ids.storage.ingestBucket` instead of building the stack again.
 */
export function stackIds(stack: VillageAppraisalStack) {
  const id = (construct: IConstruct): string => {
    const child = construct.node.defaultChild ?? construct
    return (stack as Stack).getLogicalId(child as CfnElement)
  }
  const { storage, ingest, analytics, access, operations, tableProtection, reconciliation } = stack
  const child = (name: string): string | undefined => {
    const found = stack.node.tryFindChild(name)
    return found ? id(found) : undefined
  }
  const fn = (f: { function: IConstruct; role: IConstruct; logGroup: IConstruct }) => ({
    function: id(f.function),
    role: id(f.role),
    logGroup: id(f.logGroup),
  })
  return {
    stackName: stack.stackName,
    key: stack.key ? id(stack.key) : undefined,
    storage: {
      accessLogBucket: id(storage.accessLogBucket),
      ingestBucket: id(storage.ingestBucket),
      ingestBucketPolicy: id(storage.ingestBucket.policy as IConstruct),
      lakeBucket: id(storage.lakeBucket),
      resultsBucket: id(storage.resultsBucket),
      submissionsTable: id(storage.submissionsTable),
      appraisalsTable: id(storage.appraisalsTable),
      verdictTopic: id(storage.verdictTopic),
      appraisalTopic: id(storage.appraisalTopic),
      idHashSecret: id(storage.idHashSecret),
    },
    ingest: {
      queue: id(ingest.queue),
      deadLetterQueue: id(ingest.deadLetterQueue),
      validate: fn(ingest.validate),
      notificationsHandlerLogs: id(ingest.notificationsHandlerLogs),
    },
    analytics: {
      aggregate: fn(analytics.aggregate),
      scheduleDeadLetterQueue: id(analytics.scheduleDeadLetterQueue),
      scheduleRole: id(analytics.scheduleRole),
      workGroup: id(analytics.workGroup),
      schedule: id(analytics.schedule),
      scheduleGroup: id(analytics.scheduleGroup),
      database: id(analytics.database),
    },
    reconciliation: {
      reconcile: fn(reconciliation.reconcile),
      schedule: id(reconciliation.schedule),
      scheduleRole: id(reconciliation.scheduleRole),
      deadLetterQueue: id(reconciliation.deadLetterQueue),
    },
    access: {
      countyUploaderRole: id(access.countyUploaderRole),
      countyUploaderPolicy: id(access.countyUploaderPolicy),
      registryAdminPolicy: id(access.registryAdminPolicy),
    },
    operations: {
      topic: id(operations.topic),
      topicKey: id(operations.topicKey),
      alarms: Object.fromEntries(Object.entries(operations.alarms).map(([name, alarm]) => [name, id(alarm)])) as Record<
        keyof typeof operations.alarms,
        string
      >,
      components: Object.fromEntries(operations.components.map((alarm) => [alarm.node.id, id(alarm)])),
      dashboard: id(operations.dashboard),
      checkSchedule: id(operations.checkSchedule),
      reconcileCheckSchedule: id(operations.reconcileCheckSchedule),
      checkRole: id(operations.checkRole),
    },
    tableProtection: {
      role: id(tableProtection.role),
      logGroup: id(tableProtection.logGroup),
      calls: tableProtection.calls.map((c) => id(c.node.findChild('Resource'))),
      policies: tableProtection.calls.map((c) => id(c.node.findChild('CustomResourcePolicy'))),
    },
    portal: stack.portal
      ? {
          api: fn(stack.portal.apiFunction),
          siteBucket: id(stack.portal.siteBucket),
          distribution: id(stack.portal.distribution),
          userPool: stack.portal.userPool ? id(stack.portal.userPool) : undefined,
        }
      : undefined,
    /** CDK's singleton functions: the S3 notification handler and the AwsCustomResource provider. */
    cdk: {
      notificationsHandler: child('BucketNotificationsHandler050a0587b7544547bf325f094a3db834'),
      customResourceProvider: child('AWS679f53fac002430cb0da5b7982bd2287'),
    },
  }
}

export type StackIds = ReturnType<typeof stackIds>

import { Stack, Validations } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'
import type { AccessPolicies } from './access-policies.ts'
import type { Analytics } from './analytics.ts'
import { NOTIFICATIONS_HANDLER_ID, VALIDATE_LAKE_PREFIXES, type Ingest } from './ingest.ts'
import type { Operations } from './operations.ts'
import type { Portal } from './portal.ts'
import type { Reconciliation } from './reconciliation.ts'
import type { Storage } from './storage.ts'

/** The parts of the stack whose findings are acknowledged (not the stack's module: it calls this one). */
export type AcknowledgedStack = Stack & { storage: Storage; ingest: Ingest; analytics: Analytics; access: AccessPolicies; operations: Operations; reconciliation: Reconciliation; portal?: Portal | undefined }

/**
 * Every cdk-nag (AwsSolutions) finding this stack accepts, each on the narrowest construct and
 * with its reason. cdk-nag 3 acknowledges one finding id at a time, so a new wildcard grant
 * elsewhere is still reported until someone adds it here with a reason.
 */
export function acknowledgeNagFindings(stack: AcknowledgedStack): void {
  const { storage, ingest, analytics, access, operations, reconciliation } = stack
  const ingestBucket = storage.ingestBucket
  const lake = storage.lakeBucket

  const prefixReason =
    'Object-prefix wildcard: the grant is scoped to one key prefix of one bucket, which is the ' +
    'narrowest S3 resource that still covers objects whose names are only known at run time.'
  const indexReason =
    'The table/index/* wildcard covers only this table\'s own global secondary indexes, which the ' +
    'queries need and which cannot be listed by ARN before they exist.'

  // What the validate use case reads and writes, for both functions that run it (validate, reconcile).
  const validatePrefixes = [
    ingestBucket.arnForObjects('uploads/*'),
    ingestBucket.arnForObjects('registry/*'),
    ...[...VALIDATE_LAKE_PREFIXES.work, ...VALIDATE_LAKE_PREFIXES.reports].map((p) => lake.arnForObjects(`${p}*`)),
  ]
  const validateRole = ingest.validate.role
  acknowledgeResources(validateRole, prefixReason, validatePrefixes)
  acknowledgeResources(validateRole, indexReason, [`${storage.submissionsTable.tableArn}/index/*`])

  // The reconcile function runs the validate use case: the same prefixes.
  const reconcileRole = reconciliation.reconcile.role
  acknowledgeResources(reconcileRole, prefixReason, validatePrefixes)
  acknowledgeResources(reconcileRole, indexReason, [`${storage.submissionsTable.tableArn}/index/*`])
  acknowledgeResources(
    reconciliation.scheduleRole,
    'lambda:InvokeFunction on <function ARN>:* is what Function.grantInvoke writes for the ' +
      'scheduler target (versions and aliases of this one function); no other function is reachable.',
    [`${reconciliation.reconcile.function.functionArn}:*`],
  )

  const aggregateRole = analytics.aggregate.role
  acknowledgeResources(aggregateRole, prefixReason, [
    lake.arnForObjects('curated/*'),
    lake.arnForObjects('analytics/*'),
    lake.arnForObjects('reports/appraisals/*'),
    storage.resultsBucket.arnForObjects('results/*'),
  ])
  acknowledgeResources(aggregateRole, indexReason, [
    `${storage.appraisalsTable.tableArn}/index/*`,
    `${storage.submissionsTable.tableArn}/index/*`,
  ])

  acknowledgeResources(
    analytics.scheduleRole,
    'lambda:InvokeFunction on <function ARN>:* is what Function.grantInvoke writes for the ' +
      'scheduler target (versions and aliases of this one function); no other function is reachable.',
    [`${analytics.aggregate.function.functionArn}:*`],
  )

  acknowledgeResources(
    operations.checkRole,
    'cloudwatch:PutMetricData has no resource-level permissions (IAM takes only *); the statement is held ' +
      'to the VillageAppraisal namespace by its cloudwatch:namespace condition.',
    ['*'],
  )

  acknowledgeResources(
    access.countyUploaderPolicy,
    'ABAC: the wildcard is under the prefix of the caller\'s own county, ${aws:PrincipalTag/county}; ' +
      'file names are the county\'s own choice (contract/interfaces.md).',
    [
      ingestBucket.arnForObjects('uploads/${aws:PrincipalTag/county}/*'),
      lake.arnForObjects('reports/submissions/${aws:PrincipalTag/county}/*'),
    ],
  )
  acknowledgeResources(access.registryAdminPolicy, prefixReason, [
    ingestBucket.arnForObjects('registry/org_units/*'),
    ingestBucket.arnForObjects('registry/targets/*'),
    lake.arnForObjects('reports/registry/*'),
    lake.arnForObjects('reports/targets/*'),
  ])

  const portal = stack.portal
  if (portal) acknowledgePortal(portal, stack, prefixReason, indexReason)

  for (const fn of [ingest.validate.function, analytics.aggregate.function, reconciliation.reconcile.function, ...(portal ? [portal.apiFunction.function] : [])]) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 on purpose: the bundle targets node22 and the project\'s toolchain (Node 20/22, ' +
        'vitest 4, @middy/core 6) is tested on it. Move to NODEJS_24_X together with the toolchain.',
    })
  }

  Validations.of(storage.idHashSecret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The secret is the HMAC key behind head_id_hash. Rotating it would change every stored ' +
      'head_id_hash and break matching of households across quarters.',
  })

  Validations.of(analytics.scheduleDeadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself the dead-letter queue of the quarterly schedule\'s target.',
  })
  Validations.of(reconciliation.deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself the dead-letter queue of the daily reconciliation (its schedule\'s target and the function\'s failed runs).',
  })

  // CDK's singleton that configures S3 bucket notifications at deploy time; its role is not
  // configurable through the L2 and only writes the handler's own logs with the managed policy.
  const notificationsHandler = stack.node.tryFindChild(NOTIFICATIONS_HANDLER_ID)
  if (notificationsHandler) {
    Validations.of(notificationsHandler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'CDK\'s own deploy-time handler for S3 bucket notifications; the managed policy only lets it ' +
        'write its own logs, and its role is not configurable through the L2.',
    })
  }
}

function acknowledgePortal(portal: Portal, stack: AcknowledgedStack, prefixReason: string, indexReason: string): void {
  const { storage } = stack
  acknowledgeResources(portal.apiFunction.role, `${prefixReason} The API signs upload and evidence slots whose policy narrows each to one key and one length (or a range up to 20 MB with one content type).`, [
    storage.ingestBucket.arnForObjects('uploads/*'),
    storage.ingestBucket.arnForObjects('registry/org_units/*'),
    storage.ingestBucket.arnForObjects('registry/targets/*'),
    storage.lakeBucket.arnForObjects('reports/*'),
    storage.lakeBucket.arnForObjects('analytics/region_indicators/*'),
    storage.lakeBucket.arnForObjects('rectification/*'),
  ])
  acknowledgeResources(portal.apiFunction.role, indexReason, [`${storage.appraisalsTable.tableArn}/index/*`])
  const site = portal.distribution
  Validations.of(site).acknowledge({ id: 'AwsSolutions-CFR1', reason: 'The portal serves every county of the province from wherever its clerks are; sign-in, not geography, decides access.' })
  Validations.of(site).acknowledge({
    id: 'AwsSolutions-CFR2',
    reason: 'No WAF web ACL by default (it is charged per month and per request): the API is throttled at its stage and every route needs a verified JWT; a province attaches its own web ACL if it wants one.',
  })
  Validations.of(site).acknowledge({
    id: 'AwsSolutions-CFR3',
    reason: 'CloudFront standard logs need an ACL-enabled bucket, which the stack does not keep; the API has its own access log (route, status, time), and the static page carries no data.',
  })
  Validations.of(site).acknowledge({
    id: 'AwsSolutions-CFR4',
    reason: 'The default *.cloudfront.net certificate cannot be held to TLS 1.2 by the distribution; a province that adds its own domain and certificate gets TLSv1.2_2021 (set on the distribution).',
  })
  // CDK's singleton that copies the built page into the site bucket at deploy time (only when
  // functions/portal/dist was built before synth); its role and runtime are not configurable.
  const deployer = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))
  if (deployer) {
    const reason = 'CDK\'s own deploy-time copier of the built page (aws-s3-deployment): its role reads the CDK asset bucket and writes only the site bucket, and invalidates the distribution; the grants and runtime are written by the L2 and not configurable.'
    for (const id of [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]', 'AwsSolutions-IAM5[Action::s3:GetObject*]', 'AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions-IAM5[Action::s3:Abort*]', 'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      // The CDK asset bucket as the stack names it: placeholders without an environment, the
      // partition and region written out when `cdk synth` gives the stack its region.
      `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(`arn:${stack.partition}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`))}]`,
      `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(portal.siteBucket.arnForObjects('*')))}]`,
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
    ]) Validations.of(deployer).acknowledge({ id, reason })
  }
  if (portal.userPool) {
    Validations.of(portal.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'The Plus feature plan (threat protection) is charged per active user; MFA is required and accounts are created by the province only. A province can switch the plan on.',
    })
  }
}

/** Acknowledges AwsSolutions-IAM5 for exactly these resources on `scope` and below. */
function acknowledgeResources(scope: IConstruct, reason: string, resources: readonly string[]): void {
  const stack = Stack.of(scope)
  for (const resource of resources) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`, reason })
  }
}

/**
 * The finding id cdk-nag derives from a resolved CloudFormation value (its
 * flattenCfnReference): Fn::Join concatenated, Ref as <Id>, GetAtt as <Id.Attr>, ${x} as <x>.
 */
function flatten(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>')
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>
    if (Array.isArray(v['Fn::Join'])) {
      const [delimiter, items] = v['Fn::Join'] as [string, unknown[]]
      return items.map(flatten).join(delimiter)
    }
    if ('Fn::Sub' in v) return flatten(v['Fn::Sub'])
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [resource, attribute] = v['Fn::GetAtt'] as [unknown, unknown]
      return `<${flatten(resource)}.${flatten(attribute)}>`
    }
    if ('Fn::ImportValue' in v) return flatten(v['Fn::ImportValue'])
    if ('Ref' in v) return `<${flatten(v.Ref)}>`
  }
  return JSON.stringify(value)
}

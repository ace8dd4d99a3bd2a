import { Annotations, CfnOutput, RemovalPolicy, Stack, Token } from 'aws-cdk-lib'
import type { StackProps } from 'aws-cdk-lib'
import * as kms from 'aws-cdk-lib/aws-kms'
import type { Construct } from 'constructs'
import { AccessPolicies } from './access-policies.ts'
import { stageNames } from '../schemas/stage-names.ts'
import type { StageNames } from '../schemas/stage-names.ts'
import { Analytics } from './analytics.ts'
import { Ingest } from './ingest.ts'
import { acknowledgeNagFindings } from './nag-acknowledgements.ts'
import { Operations } from './operations.ts'
import { Reconciliation } from './reconciliation.ts'
import { Portal, PORTAL_DIST } from './portal.ts'
import { Storage } from './storage.ts'
import { TableProtection } from './table-protection.ts'

export interface VillageAppraisalStackProps extends StackProps {
  /** One KMS key (rotated yearly) for buckets, tables, queues, topics and the secret. Default false. */
  customerManagedKey?: boolean
  /**
   * The stage this stack is (schemas/stage-names.ts): `prod` (the default) keeps the contract's
   * names; any other stage puts its name into every name, so stages share an account.
   */
  stage?: string
  /**
   * Concurrency reserved for the validate function. Default: none, so that the stack deploys on
   * an account whose Lambda quota is the new-account minimum (reserving needs the quota to stay
   * at least 100 above the sum of reservations). The queue's poller is bounded either way.
   */
  validateReservedConcurrency?: number | undefined
  /** Concurrency reserved for the aggregate function (1: one run at a time). Default: none. */
  aggregateReservedConcurrency?: number | undefined
  /** E-mail address subscribed to the ops topic (alarms). Default: none; subscribe later. */
  opsEmail?: string | undefined
  /** SCORING_OVERRIDES of the aggregate function (province overrides, JSON). Default: none. */
  scoringOverrides?: string
  /** The portal's issuer: the province's own OIDC issuer and audience; default the stack's Cognito user pool. */
  oidc?: { issuer: string; audience: string } | undefined
  /** The built portal page to deploy (default functions/portal/dist when it was built before synth). */
  portalSite?: string
}

/**
 * Feature flags this stack is written against. Set on the stack itself so that `cdk synth`
 * and the tests (which build their own App without cdk.json) synthesize the same template.
 */
const FEATURE_FLAGS: Readonly<Record<string, boolean>> = {
  // Access-log delivery by bucket policy instead of the legacy LogDeliveryWrite ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:enablePartitionLiterals': true,
  '@aws-cdk/aws-kms:aliasNameRef': true,
  '@aws-cdk/aws-kms:applyImportedAliasPermissionsToPrincipal': true,
  '@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope': true,
  '@aws-cdk/core:checkSecretUsage': true,
}

export class VillageAppraisalStack extends Stack {
  readonly names: StageNames
  private readonly scoringOverrides: string
  readonly key?: kms.Key
  readonly storage: Storage
  readonly ingest: Ingest
  readonly analytics: Analytics
  readonly access: AccessPolicies
  readonly operations: Operations
  readonly reconciliation: Reconciliation
  readonly tableProtection: TableProtection
  readonly portal?: Portal

  constructor(scope: Construct, id: string, props: VillageAppraisalStackProps = {}) {
    super(scope, id, props)
    this.scoringOverrides = props.scoringOverrides ?? ''
    for (const [flag, value] of Object.entries(FEATURE_FLAGS)) this.node.setContext(flag, value)
    this.names = stageNames(props.stage)
    const names = this.names

    if (props.customerManagedKey) {
      this.key = new kms.Key(this, 'DataKey', {
        description: 'village-appraisal: buckets, tables, queues, topics and the ID-hash secret',
        enableKeyRotation: true,
        // Every retained bucket, table and secret is unreadable without it. Scheduled for deletion
        // only by the rollback of the create that made it, when nothing is encrypted under it yet.
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      })
    }
    const key = this.key

    this.storage = new Storage(this, 'Storage', { ...(key ? { key } : {}), names })
    this.ingest = new Ingest(this, 'Ingest', {
      storage: this.storage,
      ...(key ? { key } : {}),
      ...(props.validateReservedConcurrency === undefined ? {} : { reservedConcurrency: props.validateReservedConcurrency }),
    })
    this.analytics = new Analytics(this, 'Analytics', {
      storage: this.storage,
      names,
      ...(key ? { key } : {}),
      scoringOverrides: this.scoringOverrides,
      ...(props.aggregateReservedConcurrency === undefined ? {} : { reservedConcurrency: props.aggregateReservedConcurrency }),
    })
    this.reconciliation = new Reconciliation(this, 'Reconciliation', { storage: this.storage, analytics: this.analytics, ...(key ? { key } : {}) })
    this.access = new AccessPolicies(this, 'Access', { storage: this.storage, ...(key ? { key } : {}) })
    this.operations = new Operations(this, 'Operations', {
      names,
      ingest: this.ingest,
      analytics: this.analytics,
      reconciliation: this.reconciliation,
      ...(key ? { key } : {}),
      ...(props.opsEmail ? { opsEmail: props.opsEmail } : {}),
    })

    // Cognito user pools and CloudFront's origin access control are not offered in the China
    // regions: a stack pinned there is built without the portal (README, "The portal on AWS").
    const region = Stack.of(this).region
    if (!Token.isUnresolved(region) && region.startsWith('cn-')) {
      Annotations.of(this).addInfo('The portal is left out in the China regions (no Cognito user pools, no CloudFront origin access control there).')
    } else {
      this.portal = new Portal(this, 'Portal', {
        storage: this.storage,
        analytics: this.analytics,
        names,
        ...(key ? { key } : {}),
        ...(props.oidc ? { oidc: props.oidc } : {}),
        siteSource: props.portalSite ?? PORTAL_DIST,
      })
    }

    this.tableProtection = new TableProtection(this, 'TableProtection', {
      tables: [this.storage.submissionsTable, this.storage.appraisalsTable],
    })

    this.outputs()
    // Last of all: deletion protection of the tables is switched on once everything else exists,
    // so that a failed first deploy can still roll back its tables (table-protection.ts).
    this.tableProtection.comesLast(this)
    acknowledgeNagFindings(this)
  }

  /** Everything `va --target aws` reads from the stack (contract/interfaces.md, `va`). */
  private outputs(): void {
    const { storage, ingest, analytics, access, operations, names } = this
    const out: Record<string, [string, string]> = {
      Stage: [names.stage, 'Stage (schemas/stage-names.ts): prod keeps the contract\'s names'],
      IngestBucketName: [storage.ingestBucket.bucketName, 'Uploads and registry (versioned)'],
      LakeBucketName: [storage.lakeBucket.bucketName, 'Curated data, analytics and reports'],
      ResultsBucketName: [storage.resultsBucket.bucketName, 'Athena query results'],
      SubmissionsTableName: [storage.submissionsTable.tableName, 'Submission ledger and period locks'],
      AppraisalsTableName: [storage.appraisalsTable.tableName, 'Quarterly appraisals'],
      IngestQueueUrl: [ingest.queue.queueUrl, 'S3 upload events'],
      DeadLetterQueueUrl: [ingest.deadLetterQueue.queueUrl, 'Upload events that failed five times'],
      AthenaWorkGroup: [names.athenaWorkGroup, 'Athena workgroup'],
      GlueDatabase: [names.glueDatabase, 'Glue database'],
      ValidateFunctionName: [ingest.validate.function.functionName, 'Validate function'],
      AggregateFunctionName: [analytics.aggregate.function.functionName, 'Aggregate function'],
      ReconcileFunctionName: [this.reconciliation.reconcile.function.functionName, 'Reconcile function (daily; invoke on demand)'],
      VerdictTopicArn: [storage.verdictTopic.topicArn, 'Verdicts, with message attribute county'],
      AppraisalTopicArn: [storage.appraisalTopic.topicArn, 'Published appraisals'],
      // va --target aws composes the aggregate function from these outputs, overrides included
      // (CloudFormation has no empty output: {} stands for none).
      ScoringOverrides: [this.scoringOverrides || '{}', 'SCORING_OVERRIDES of the aggregate function'],
      ScheduleDeadLetterQueueUrl: [analytics.scheduleDeadLetterQueue.queueUrl, 'Quarterly runs that failed after their retries'],
      ReconcileDeadLetterQueueUrl: [this.reconciliation.deadLetterQueue.queueUrl, 'Daily reconciliations that failed after their retries'],
      CountyUploaderRoleArn: [access.countyUploaderRole.roleArn, 'Assume with the session tag county=<code>'],
      RegistryAdminPolicyArn: [access.registryAdminPolicy.managedPolicyArn, 'Attach to provincial and city administrators'],
      OpsTopicArn: [operations.topic.topicArn, 'Alarm notifications: subscribe the on-call'],
      DashboardName: [operations.dashboard.dashboardName, 'CloudWatch dashboard of the stage'],
    }
    for (const [id, [value, description]] of Object.entries(out)) new CfnOutput(this, id, { value, description })
  }
}

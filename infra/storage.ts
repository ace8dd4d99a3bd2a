import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as kms from 'aws-cdk-lib/aws-kms'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import * as sns from 'aws-cdk-lib/aws-sns'
import { Construct } from 'constructs'
import type { StageNames } from '../schemas/stage-names.ts'

export interface StorageProps {
  /** The customer managed key, when the stack has one; AWS-managed encryption otherwise. */
  key?: kms.Key
  /** The stage's table and topic names (schemas/stage-names.ts). */
  names: StageNames
}

/** Prefix of the Athena query results; the lifecycle rule and the workgroup both use it. */
export const RESULTS_PREFIX = 'results/'

/**
 * Everything that holds state: buckets, tables, topics and the ID-hash secret. All of it is
 * retained on stack deletion: raw uploads, the submission ledger and the HMAC key cannot be
 * recreated (contract/README.md: "Nothing a county uploads is ever lost"). What holds data is
 * retained on update and delete but not kept after the rollback of the create that made it
 * (RETAIN_ON_UPDATE_OR_DELETE, CloudFormation's RetainExceptOnCreate): a first deploy that fails
 * leaves nothing behind to collide with the next try.
 */
export class Storage extends Construct {
  readonly accessLogBucket: s3.Bucket
  readonly ingestBucket: s3.Bucket
  readonly lakeBucket: s3.Bucket
  readonly resultsBucket: s3.Bucket
  readonly submissionsTable: dynamodb.Table
  readonly appraisalsTable: dynamodb.Table
  readonly verdictTopic: sns.Topic
  readonly appraisalTopic: sns.Topic
  readonly idHashSecret: secretsmanager.Secret

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id)
    const { key, names } = props

    // S3 server access logs can only be delivered to a bucket with SSE-S3, whatever the others use.
    // Plain RETAIN: logs of the deploy's own requests may land in it within minutes, and a
    // rollback cannot delete a bucket that is not empty (its name is generated, so an orphan
    // never blocks the next deploy).
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(730) }],
    })

    // Non-TLS requests are denied on every bucket (enforceSSL, minimumTLSVersion). Encryption at
    // rest is the buckets' default encryption, which applies to every PutObject that names none.
    const bucketEncryption: Pick<s3.BucketProps, 'encryption' | 'encryptionKey' | 'bucketKeyEnabled'> = key
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true }
      : { encryption: s3.BucketEncryption.S3_MANAGED }
    const common: s3.BucketProps = {
      ...bucketEncryption,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // aws-cdk-lib's classes declare optional members as `T | undefined`, which its own interfaces do not under exactOptionalPropertyTypes.
      serverAccessLogsBucket: this.accessLogBucket as s3.IBucket,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    }
    const abortUploads: s3.LifecycleRule = { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }

    // Raw uploads never expire, current or noncurrent: every version is evidence of what a
    // county sent (contract/interfaces.md, S3 layout).
    this.ingestBucket = new s3.Bucket(this, 'IngestBucket', {
      ...common,
      versioned: true,
      serverAccessLogsPrefix: 'ingest/',
      lifecycleRules: [abortUploads],
    })

    this.lakeBucket = new s3.Bucket(this, 'LakeBucket', {
      ...common,
      versioned: true,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        abortUploads,
        // staging/ holds a file between validation and promotion; anything left there is a crash's debris.
        { id: 'expire-staging', prefix: 'staging/', expiration: Duration.days(7) },
        // Everything derived can be rebuilt from the raw uploads, so old versions need not live forever.
        { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(90) },
      ],
    })

    // No object is ever stored unencrypted: default encryption covers every PutObject that names
    // no encryption, which is what the pipeline, `va upload` and the console send. What a request
    // can still do is name another one (SSE-S3 when the stack's key is on; SSE-KMS or DSSE-KMS
    // when it is off), so a put whose x-amz-server-side-encryption header is not the bucket's own
    // algorithm is refused. Only a put that carries the header: `StringNotEquals` holds when the
    // key is absent (a negated operator), and so does `StringNotEqualsIfExists`, so either alone
    // would refuse every default-encryption put; `Null: false` limits the Deny to requests with
    // the header. Which KMS key a put names is not checked here. Requests and verdicts:
    // test/infra/county-access.test.ts.
    const approvedEncryption = key ? 'aws:kms' : 'AES256'
    for (const bucket of [this.ingestBucket, this.lakeBucket]) {
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyOtherEncryption',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutObject'],
          resources: [bucket.arnForObjects('*')],
          conditions: {
            Null: { 's3:x-amz-server-side-encryption': 'false' },
            StringNotEquals: { 's3:x-amz-server-side-encryption': approvedEncryption },
          },
        }),
      )
    }

    this.resultsBucket = new s3.Bucket(this, 'AthenaResultsBucket', {
      ...common,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [abortUploads, { id: 'expire-query-results', prefix: RESULTS_PREFIX, expiration: Duration.days(30) }],
    })

    const tableEncryption = key
      ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
      : { encryption: dynamodb.TableEncryption.AWS_MANAGED }
    const tableCommon = {
      ...tableEncryption,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Retained on update and delete, deleted only by the rollback of the create that made it,
      // so that a failed first deploy can be deployed again under the same fixed names. Deletion
      // protection is switched on after the rest of the stack exists (table-protection.ts).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    }

    this.submissionsTable = new dynamodb.Table(this, 'SubmissionsTable', {
      ...tableCommon,
      tableName: names.submissionsTable,
    })
    this.submissionsTable.addGlobalSecondaryIndex({
      indexName: 'by-county-dataset',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    })

    this.appraisalsTable = new dynamodb.Table(this, 'AppraisalsTable', {
      ...tableCommon,
      tableName: names.appraisalsTable,
    })
    // History of one county across quarters (contract/interfaces.md, DynamoDB).
    this.appraisalsTable.addGlobalSecondaryIndex({
      indexName: 'by-county',
      partitionKey: { name: 'county', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'period', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    })
    // A city's ranking for a quarter, without a scan.
    this.appraisalsTable.addGlobalSecondaryIndex({
      indexName: 'by-city',
      partitionKey: { name: 'city_period', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'rank_key', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    })

    // Without a CMK the topics use the AWS managed SNS key: encrypted at rest, and publishers
    // need no KMS permission of their own.
    const topicKey = key ?? kms.Alias.fromAliasName(this, 'AwsManagedSnsKey', 'alias/aws/sns')

    // Every verdict carries the message attribute `county`, so a county's subscription takes a
    // filter policy such as { "county": ["522226"] } and hears only its own uploads.
    // Named, so that a county's subscription names a topic that outlives any redeploy.
    this.verdictTopic = new sns.Topic(this, 'VerdictTopic', {
      topicName: names.verdictTopic,
      displayName: 'village-appraisal verdicts',
      masterKey: topicKey,
      enforceSSL: true,
    })
    this.appraisalTopic = new sns.Topic(this, 'AppraisalTopic', {
      topicName: names.appraisalTopic,
      displayName: 'village-appraisal appraisals published',
      masterKey: topicKey,
      enforceSSL: true,
    })

    this.idHashSecret = new secretsmanager.Secret(this, 'IdHashSecret', {
      description: 'HMAC key for head_id_hash (monitored_households). Never rotate: see nag-acknowledgements.ts.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      // Losing the key would orphan every stored head_id_hash.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    })
    // The key is set on the resource, not through the L2's encryptionKey: that one also writes a
    // key-policy statement for kms:ViaService secretsmanager.<region>.amazonaws.com, a literal
    // that is wrong in the China regions (.amazonaws.com.cn). Nothing needs it: the validate
    // role holds kms:Decrypt on the key itself, and the key policy leaves the rest to IAM.
    if (key) (this.idHashSecret.node.defaultChild as secretsmanager.CfnSecret).kmsKeyId = key.keyArn
  }
}

import { Stack } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as kms from 'aws-cdk-lib/aws-kms'
import { Construct } from 'constructs'
import type { Storage } from './storage.ts'

/**
 * The IAM policy variable every county permission hangs on. CDK passes the string through
 * untouched (it builds an Fn::Join, not an Fn::Sub), and IAM substitutes it per request.
 */
export const COUNTY_TAG = '${aws:PrincipalTag/county}'

export interface AccessPoliciesProps {
  storage: Storage
  key?: kms.Key
}

/**
 * Who outside the pipeline may write what (contract/README.md: "A county can write only its
 * own uploads"). One policy serves all ~2,800 counties through attribute-based access control:
 * the county is a tag on the caller, not a policy per county.
 */
export class AccessPolicies extends Construct {
  readonly countyUploaderPolicy: iam.ManagedPolicy
  readonly countyUploaderRole: iam.Role
  readonly registryAdminPolicy: iam.ManagedPolicy

  constructor(scope: Construct, id: string, props: AccessPoliciesProps) {
    super(scope, id)
    const { storage, key } = props
    const ingest = storage.ingestBucket
    const lake = storage.lakeBucket
    // S3's endpoint in this region: s3.<region>.amazonaws.com, and s3.<region>.amazonaws.com.cn in
    // the China regions (AWS::URLSuffix resolves per partition at deploy time).
    const s3ViaService = { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` } }

    const countyStatements = [
      new iam.PolicyStatement({
        sid: 'UploadOwnCounty',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [ingest.arnForObjects(`uploads/${COUNTY_TAG}/*`)],
      }),
      new iam.PolicyStatement({
        sid: 'ReadOwnReports',
        actions: ['s3:GetObject'],
        resources: [lake.arnForObjects(`reports/submissions/${COUNTY_TAG}/*`)],
      }),
      new iam.PolicyStatement({
        sid: 'ListOwnReports',
        actions: ['s3:ListBucket'],
        resources: [lake.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`reports/submissions/${COUNTY_TAG}/*`] } },
      }),
      // Without the tag the variable would resolve to nothing; deny outright rather than rely
      // on every Allow failing to match.
      new iam.PolicyStatement({
        sid: 'DenyUntaggedUpload',
        effect: iam.Effect.DENY,
        actions: ['s3:PutObject'],
        resources: [ingest.arnForObjects('*')],
        conditions: { Null: { 'aws:PrincipalTag/county': 'true' } },
      }),
      // IAM accepts an empty tag value, which would make the prefix `uploads//`: a county code
      // is six characters, anything else is refused (the pipeline checks that they are digits).
      new iam.PolicyStatement({
        sid: 'DenyMalformedCountyTag',
        effect: iam.Effect.DENY,
        actions: ['s3:PutObject'],
        resources: [ingest.arnForObjects('*')],
        conditions: { StringNotLike: { 'aws:PrincipalTag/county': '??????' } },
      }),
    ]
    if (key) {
      countyStatements.push(
        new iam.PolicyStatement({
          sid: 'UseBucketKeyThroughS3',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [key.keyArn],
          conditions: s3ViaService,
        }),
      )
    }
    this.countyUploaderPolicy = new iam.ManagedPolicy(this, 'CountyUploader', {
      description: 'A county uploads under uploads/<its county>/ and reads its own validation reports',
      statements: countyStatements,
    })

    // How a county user gets here: the user (an IAM user or an Identity Center user) carries the
    // principal tag county=<6 digits> and calls sts:AssumeRole with the session tag
    // county=<the same 6 digits>, e.g.
    //   aws sts assume-role --role-arn <CountyUploaderRoleArn> --role-session-name 522226 \
    //     --tags Key=county,Value=522226
    // The caller's own identity policy must allow sts:AssumeRole and sts:TagSession on this
    // role. The trust policy accepts the session tag only when it equals the caller's own tag,
    // so a user of county A cannot assume the role as county B, and a call without the tag is
    // refused. The role itself must never carry a `county` tag: it would apply to every session.
    this.countyUploaderRole = new iam.Role(this, 'CountyUploaderRole', {
      description: 'Assumed by county staff with the session tag county=<county code>',
      assumedBy: new iam.AccountPrincipal(Stack.of(this).account)
        .withConditions({ StringEquals: { 'aws:RequestTag/county': '${aws:PrincipalTag/county}' } })
        .withSessionTags(),
      managedPolicies: [this.countyUploaderPolicy],
    })

    const registryStatements = [
      new iam.PolicyStatement({
        sid: 'UploadRegistry',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        // The province's targets files too (rectification.md, "Targets"; `va upload --targets`).
        resources: [ingest.arnForObjects('registry/org_units/*'), ingest.arnForObjects('registry/targets/*')],
      }),
      // The verdict on a registry or targets upload is written under reports/registry/ or reports/targets/ (not per county).
      new iam.PolicyStatement({
        sid: 'ReadRegistryReports',
        actions: ['s3:GetObject'],
        resources: [lake.arnForObjects('reports/registry/*'), lake.arnForObjects('reports/targets/*')],
      }),
      // Report names carry the submission id, which the administrator learns by listing them.
      new iam.PolicyStatement({
        sid: 'ListRegistryReports',
        actions: ['s3:ListBucket'],
        resources: [lake.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['reports/registry/*', 'reports/targets/*'] } },
      }),
    ]
    if (key) {
      registryStatements.push(
        new iam.PolicyStatement({
          sid: 'UseBucketKeyThroughS3',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [key.keyArn],
          conditions: s3ViaService,
        }),
      )
    }
    this.registryAdminPolicy = new iam.ManagedPolicy(this, 'RegistryAdmin', {
      description: 'A provincial or city administrator uploads the org_units registry and reads its reports',
      statements: registryStatements,
    })
  }
}

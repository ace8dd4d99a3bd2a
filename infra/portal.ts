import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib'
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as cognito from 'aws-cdk-lib/aws-cognito'
import type * as kms from 'aws-cdk-lib/aws-kms'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment'
import { Construct } from 'constructs'
import { PORTAL_API_ENV_KEYS, type PortalApiEnv } from '../schemas/env.ts'
import { PORTAL_API_ROUTES } from '../schemas/portal-routes.ts'
import { portalContentSecurityPolicy, UPLOAD_LIMITS } from '../schemas/settings.ts'
import type { StageNames } from '../schemas/stage-names.ts'
import type { Analytics } from './analytics.ts'
import { PipelineFunction, REPO_ROOT } from './pipeline-function.ts'
import type { Storage } from './storage.ts'

/** Where the front end builds the page (esbuild, functions/portal/src → dist). */
export const PORTAL_DIST = join(REPO_ROOT, 'functions/portal/dist')

export interface PortalProps {
  storage: Storage
  analytics: Analytics
  names: StageNames
  key?: kms.Key
  /** An external OpenID Connect issuer (-c oidcIssuer=… -c oidcAudience=…) instead of the stack's Cognito user pool. */
  oidc?: { issuer: string; audience: string }
  /** The built page to upload to the site bucket; left out when the folder was not built before synth. */
  siteSource?: string
}

/**
 * The portal on AWS (contract/portal.md): the page as static files in a private bucket behind
 * CloudFront (origin access control, a strict CSP, no third-party requests), the HTTP API on
 * the same CloudFront distribution under /api/* (so the page needs no CORS for it), API Gateway's
 * JWT authorizer in front of one Lambda over the same use cases as the CLI, and the issuer: a
 * Cognito user pool with the custom attributes county, city, province and admin, or the
 * province's own OIDC issuer.
 */
export class Portal extends Construct {
  readonly siteBucket: s3.Bucket
  readonly distribution: cloudfront.Distribution
  readonly api: apigw.HttpApi
  readonly apiFunction: PipelineFunction
  readonly userPool?: cognito.UserPool
  readonly userPoolClient?: cognito.UserPoolClient
  readonly issuer: string
  readonly audience: string = ''
  readonly accessLogs: logs.LogGroup

  constructor(scope: Construct, id: string, props: PortalProps) {
    super(scope, id)
    const { storage, analytics, key } = props
    const stack = Stack.of(this)

    if (props.oidc) {
      this.issuer = props.oidc.issuer
      this.audience = props.oidc.audience
    } else {
      this.userPool = new cognito.UserPool(this, 'Users', {
        // Accounts are given by the province (README, "Portal accounts"), never self-made.
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        customAttributes: {
          county: new cognito.StringAttribute({ minLen: 6, maxLen: 6, mutable: true }),
          city: new cognito.StringAttribute({ minLen: 4, maxLen: 4, mutable: true }),
          province: new cognito.StringAttribute({ minLen: 2, maxLen: 2, mutable: true }),
          admin: new cognito.BooleanAttribute({ mutable: true }),
        },
        passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      })
      this.issuer = `https://cognito-idp.${stack.region}.${Aws.URL_SUFFIX}/${this.userPool.userPoolId}`
    }

    this.siteBucket = new s3.Bucket(this, 'SiteBucket', {
      // CloudFront's origin access control reads it; S3-managed keys need no key policy for that.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: storage.accessLogBucket as s3.IBucket,
      serverAccessLogsPrefix: 'site/',
      versioned: true,
      // The page is rebuilt from the repository at every deploy.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    })

    const environment: Record<keyof PortalApiEnv, string> = {
      INGEST_BUCKET: storage.ingestBucket.bucketName,
      LAKE_BUCKET: storage.lakeBucket.bucketName,
      SUBMISSIONS_TABLE: storage.submissionsTable.tableName,
      APPRAISALS_TABLE: storage.appraisalsTable.tableName,
      AGGREGATE_FUNCTION_NAME: analytics.aggregate.function.functionName,
      MAX_FILE_BYTES: String(UPLOAD_LIMITS.maxBytes),
    }
    if (Object.keys(environment).sort().join() !== [...PORTAL_API_ENV_KEYS].sort().join()) throw new Error('the portal API environment and PortalApiEnvSchema differ')
    this.apiFunction = new PipelineFunction(this, 'ApiFunction', {
      entry: 'functions/handlers/portal-api.ts',
      serviceName: 'portal-api',
      description: 'The portal HTTP API (contract/portal.md)',
      memorySize: 512,
      // API Gateway gives up after 30 s; run and publish are handed to the aggregate function.
      timeout: Duration.seconds(29),
      environment,
    })
    this.grantApi(storage, analytics, key)

    this.accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE })
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `${props.names.stackName}-portal`,
      description: 'village-appraisal portal API',
      createDefaultStage: true,
      disableExecuteApiEndpoint: false,
    })
    const stage = this.api.defaultStage!.node.defaultChild as apigw.CfnStage
    stage.accessLogSettings = {
      destinationArn: this.accessLogs.logGroupArn,
      // No identity in the access log: the route, the status, the time (portal.md: refusals logged without personal data).
      format: JSON.stringify({ requestId: '$context.requestId', route: '$context.routeKey', status: '$context.status', latency: '$context.integrationLatency', time: '$context.requestTime' }),
    }
    stage.defaultRouteSettings = { throttlingBurstLimit: 100, throttlingRateLimit: 50 }

    const csp = portalContentSecurityPolicy([`https://${storage.ingestBucket.bucketRegionalDomainName}`])
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    })
    // The page routes in the browser: a path without a file extension is the page itself. Only
    // on the site's behaviour, so the API's own 403 and 404 reach the page unchanged.
    const pageRoutes = new cloudfront.Function(this, 'PageRoutes', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline("function handler(event) { var r = event.request; if (r.uri.indexOf('.') === -1) { r.uri = '/index.html'; } return r; }"),
    })
    this.distribution = new cloudfront.Distribution(this, 'Site', {
      comment: 'village-appraisal portal',
      defaultRootObject: 'index.html',
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket as s3.IBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: pageRoutes, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new origins.HttpOrigin(`${this.api.apiId}.execute-api.${stack.region}.${Aws.URL_SUFFIX}`),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    })

    if (this.userPool) {
      const site = `https://${this.distribution.distributionDomainName}/`
      this.userPoolClient = this.userPool.addClient('Page', {
        // A browser page keeps no secret: authorization code with PKCE through the hosted sign-in.
        generateSecret: false,
        authFlows: { userSrp: true },
        oAuth: { flows: { authorizationCodeGrant: true }, scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE], callbackUrls: [site], logoutUrls: [site] },
        preventUserExistenceErrors: true,
        idTokenValidity: Duration.hours(1),
        accessTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(1),
      })
      this.audience = this.userPoolClient.userPoolClientId
      this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix: `va-${props.names.stage}-${Aws.ACCOUNT_ID}` } })
    }

    // Every route behind the JWT authorizer: API Gateway verifies the token (issuer, audience,
    // expiry, signature) before the function runs; the function reads only its claims.
    const authorizer = new HttpJwtAuthorizer('Jwt', this.issuer, { jwtAudience: [this.audience] })
    const integration = new HttpLambdaIntegration('Handler', this.apiFunction.function)
    for (const [method, path] of PORTAL_API_ROUTES) {
      this.api.addRoutes({ path, methods: [apigw.HttpMethod[method]], integration, authorizer })
    }

    // The browser posts uploads straight to the ingest bucket (presigned POST). CORS is not what
    // guards it (the signed policy is), and naming the distribution here would make a cycle.
    storage.ingestBucket.addCorsRule({ allowedMethods: [s3.HttpMethods.POST], allowedOrigins: ['*'], allowedHeaders: ['*'], maxAge: 3000 })
    // Evidence of a rectification response goes to the lake the same way (rectification.md).
    storage.lakeBucket.addCorsRule({ allowedMethods: [s3.HttpMethods.POST], allowedOrigins: ['*'], allowedHeaders: ['*'], maxAge: 3000 })

    if (props.siteSource && existsSync(join(props.siteSource, 'index.html'))) {
      new s3deploy.BucketDeployment(this, 'Page', {
        sources: [s3deploy.Source.asset(props.siteSource)],
        destinationBucket: this.siteBucket as s3.IBucket,
        distribution: this.distribution,
        distributionPaths: ['/*'],
        memoryLimit: 256,
        // The copier's own function logs to a group of the stack with a retention, like every function here.
        logGroup: new logs.LogGroup(this, 'PageDeploymentLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.DESTROY }),
      })
    }

    new CfnOutput(stack, 'PortalUrl', { value: `https://${this.distribution.distributionDomainName}/`, description: 'The portal' })
    new CfnOutput(stack, 'PortalApiUrl', { value: this.api.apiEndpoint, description: 'The portal HTTP API (also under /api/ of the portal)' })
    new CfnOutput(stack, 'PortalIssuer', { value: this.issuer, description: 'The OpenID Connect issuer the API trusts' })
    new CfnOutput(stack, 'PortalAudience', { value: this.audience, description: 'The audience (client id) the API trusts' })
    if (this.userPool) new CfnOutput(stack, 'PortalUserPoolId', { value: this.userPool.userPoolId, description: 'Cognito user pool of portal accounts' })
  }

  /** Exactly what the API's use cases touch; the tests hold the role to this list. */
  private grantApi(storage: Storage, analytics: Analytics, key?: kms.Key): void {
    const fn = this.apiFunction
    const ingest = storage.ingestBucket
    const lake = storage.lakeBucket
    // A presigned POST is S3 acting on the signer's rights: the role may put exactly where slots
    // are handed out (the policy in each slot narrows it to one key and one length).
    fn.allow({ sid: 'SignUploadSlots', actions: ['s3:PutObject'], resources: [ingest.arnForObjects('uploads/*'), ingest.arnForObjects('registry/org_units/*'), ingest.arnForObjects('registry/targets/*')] })
    // Evidence slots (rectification/<county>/<item_id>/<file>): the slot's policy narrows it to one key, ≤ 20 MB, one content type.
    fn.allow({ sid: 'SignEvidenceSlots', actions: ['s3:PutObject'], resources: [lake.arnForObjects('rectification/*')] })
    // Reports, workbooks, the HTML report, the region roll-ups and evidence files: read and presigned for download.
    fn.allow({ sid: 'ReadReports', actions: ['s3:GetObject'], resources: [lake.arnForObjects('reports/*'), lake.arnForObjects('analytics/region_indicators/*'), lake.arnForObjects('rectification/*')] })
    // Without ListBucket a missing report answers 403, which the API could not tell from a refusal.
    fn.allow({ sid: 'ListReports', actions: ['s3:ListBucket'], resources: [lake.bucketArn], conditions: { StringLike: { 's3:prefix': ['reports/*', 'analytics/region_indicators/*', 'rectification/*'] } } })
    fn.allow({ sid: 'ReadSubmissions', actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [storage.submissionsTable.tableArn] })
    // The API writes only period locks (unlock); their items' keys start LOCK#.
    fn.allow({
      sid: 'UnlockPeriods',
      actions: ['dynamodb:UpdateItem'],
      resources: [storage.submissionsTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOCK#*'] } },
    })
    // Rectification items share the appraisals table (dynamo-rectification-store.ts): the API
    // writes their partitions only (item, quarter and province pointers), conditionally, never deletes.
    fn.allow({
      sid: 'WriteRectificationItems',
      actions: ['dynamodb:PutItem'],
      resources: [storage.appraisalsTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RECT#*', 'RECTQ#*', 'RECTP#*'] } },
    })
    fn.allow({ sid: 'ReadAppraisals', actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [storage.appraisalsTable.tableArn, `${storage.appraisalsTable.tableArn}/index/*`] })
    fn.allow({ sid: 'RunAppraisal', actions: ['lambda:InvokeFunction'], resources: [analytics.aggregate.function.functionArn] })
    if (key) fn.allow({ sid: 'UseDataKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] })
  }
}

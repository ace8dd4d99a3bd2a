import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { PORTAL_API_ROUTES } from '../../schemas/portal-routes.ts'
import { IamSimulator } from './iam-simulator.ts'
import { synthesized } from './synthesized.ts'

// The portal on AWS (contract/portal.md, "On AWS"), read from the stacks synthesized once for the
// run: the issuer, the JWT authorizer on every route, the private site behind CloudFront with its
// CSP, and what the API's role may do, decided by the IAM simulator on the synthesized policies.
const prod = synthesized('prod')
const cmk = synthesized('cmk')
const oidc = synthesized('oidc')
const template = prod.assertions
const portal = prod.ids.portal!
const sim = new IamSimulator(prod.template)
const TLS = { 'aws:SecureTransport': true, 's3:TlsVersion': 1.3 }

describe('the portal issuer', () => {
  it('is a Cognito user pool with the custom attributes county, city, province and admin, MFA required, no self sign-up', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'county', AttributeDataType: 'String', StringAttributeConstraints: { MinLength: '6', MaxLength: '6' } }),
        Match.objectLike({ Name: 'city', AttributeDataType: 'String' }),
        Match.objectLike({ Name: 'province', AttributeDataType: 'String' }),
        Match.objectLike({ Name: 'admin', AttributeDataType: 'Boolean' }),
      ]),
    })
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false, AllowedOAuthFlows: ['code'] })
  })

  it('is the province\'s own OIDC issuer with -c oidcIssuer and -c oidcAudience, and then there is no user pool', () => {
    oidc.assertions.resourceCountIs('AWS::Cognito::UserPool', 0)
    oidc.assertions.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://sso.example.gov.cn/realms/guizhou', Audience: ['va-portal'] },
    })
  })
})

describe('the portal API', () => {
  it('has exactly the contract\'s routes, each behind the JWT authorizer', () => {
    const routes = Object.values(prod.resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties as { RouteKey: string; AuthorizationType: string })
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(PORTAL_API_ROUTES.map(([m, p]) => `${m} ${p}`).sort())
    expect(new Set(routes.map((r) => r.AuthorizationType))).toEqual(new Set(['JWT']))
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('cognito-idp')])]) }) },
    })
  })

  it('logs its requests without who made them', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { AccessLogSettings: { Format: Match.not(Match.stringLikeRegexp('sub|email|claims|identity')) } })
  })
})

describe('the portal site', () => {
  it('is a private bucket read by CloudFront through origin access control, with a strict CSP', () => {
    template.hasResourceProperties('AWS::S3::Bucket', Match.objectLike({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } }))
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }) })
    const policies = Object.values(prod.resources).filter((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')
    expect(policies).toHaveLength(1)
    const csp = JSON.stringify(policies[0]!.Properties['ResponseHeadersPolicyConfig'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:\/\/\*|'\*'/)
  })

  it('is clean under cdk-nag with every acknowledgement reasoned, with and without the customer managed key', () => {
    expect(prod.nag).toEqual([])
    expect(cmk.nag).toEqual([])
    expect(oidc.nag).toEqual([])
  })
})

describe('the portal API function\'s role (IAM simulator)', () => {
  const api = () => sim.roleSession(portal.api.role)
  const ingest = prod.ids.storage.ingestBucket
  const lake = prod.ids.storage.lakeBucket
  const decide = (action: string, resource: string, context: Record<string, string | number | boolean> = {}) =>
    sim.evaluate(api(), { action, resource, context: { ...TLS, ...context } }).verdict

  it.each([
    ['signs upload slots for a county\'s uploads', 's3:PutObject', () => sim.s3Object(ingest, 'uploads/522226/2024Q2/a.csv'), 'allow'],
    ['signs registry slots', 's3:PutObject', () => sim.s3Object(ingest, 'registry/org_units/r.csv'), 'allow'],
    ['signs targets slots', 's3:PutObject', () => sim.s3Object(ingest, 'registry/targets/t.csv'), 'allow'],
    ['does not write elsewhere in the ingest bucket', 's3:PutObject', () => sim.s3Object(ingest, 'raw/x'), 'implicit-deny'],
    ['does not read the raw uploads', 's3:GetObject', () => sim.s3Object(ingest, 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
    ['reads reports', 's3:GetObject', () => sim.s3Object(lake, 'reports/submissions/522226/2024Q2/x.json'), 'allow'],
    ['reads region roll-ups', 's3:GetObject', () => sim.s3Object(lake, 'analytics/region_indicators/year=2024/quarter=2/data.parquet'), 'allow'],
    ['does not read the curated lake', 's3:GetObject', () => sim.s3Object(lake, 'curated/village_report/year=2024/quarter=2/522226.parquet'), 'implicit-deny'],
    ['does not write the lake', 's3:PutObject', () => sim.s3Object(lake, 'reports/submissions/522226/2024Q2/x.json'), 'implicit-deny'],
    ['signs evidence slots under rectification/', 's3:PutObject', () => sim.s3Object(lake, 'rectification/522226/522226-0123456789ab/photo.jpg'), 'allow'],
    ['reads evidence for presigned downloads', 's3:GetObject', () => sim.s3Object(lake, 'rectification/522226/522226-0123456789ab/photo.jpg'), 'allow'],
    ['does not write the curated lake', 's3:PutObject', () => sim.s3Object(lake, 'curated/village_report/year=2024/quarter=2/522226.parquet'), 'implicit-deny'],
    ['invokes the aggregate function', 'lambda:InvokeFunction', () => sim.arnOf(prod.ids.analytics.aggregate.function), 'allow'],
    ['invokes no other function', 'lambda:InvokeFunction', () => sim.arnOf(prod.ids.ingest.validate.function), 'implicit-deny'],
  ] as const)('%s', (_why, action, resource, expected) => {
    expect(decide(action, resource())).toBe(expected)
  })

  it('writes only period locks in the submissions table, and never deletes', () => {
    const table = sim.arnOf(prod.ids.storage.submissionsTable)
    expect(decide('dynamodb:UpdateItem', table, { 'dynamodb:LeadingKeys': 'LOCK#2024Q2' })).toBe('allow')
    expect(decide('dynamodb:UpdateItem', table, { 'dynamodb:LeadingKeys': '522226#2024Q2' })).toBe('implicit-deny')
    expect(decide('dynamodb:PutItem', table)).toBe('implicit-deny')
    expect(decide('dynamodb:DeleteItem', table)).toBe('implicit-deny')
    expect(decide('dynamodb:Query', table)).toBe('allow')
    expect(decide('dynamodb:UpdateItem', sim.arnOf(prod.ids.storage.appraisalsTable), { 'dynamodb:LeadingKeys': 'LOCK#2024Q2' })).toBe('implicit-deny')
  })

  it('writes only rectification items and their pointers in the appraisals table, and never deletes', () => {
    const table = sim.arnOf(prod.ids.storage.appraisalsTable)
    expect(decide('dynamodb:PutItem', table, { 'dynamodb:LeadingKeys': 'RECT#522226' })).toBe('allow')
    expect(decide('dynamodb:PutItem', table, { 'dynamodb:LeadingKeys': 'RECTQ#2024Q2' })).toBe('allow')
    expect(decide('dynamodb:PutItem', table, { 'dynamodb:LeadingKeys': 'RECTP#52' })).toBe('allow')
    expect(decide('dynamodb:PutItem', table, { 'dynamodb:LeadingKeys': 'APPRAISAL#2024Q2' })).toBe('implicit-deny')
    expect(decide('dynamodb:UpdateItem', table, { 'dynamodb:LeadingKeys': 'RECT#522226' })).toBe('implicit-deny')
    expect(decide('dynamodb:DeleteItem', table, { 'dynamodb:LeadingKeys': 'RECT#522226' })).toBe('implicit-deny')
    expect(decide('dynamodb:BatchWriteItem', table)).toBe('implicit-deny')
    expect(decide('dynamodb:GetItem', table)).toBe('allow')
  })
})

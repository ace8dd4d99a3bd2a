import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { SUBMISSIONS_GSI } from '../../functions/adapters/dynamo-submission-ledger.ts'
import { decodeEventKey, lakeKeys, parseUploadKey } from '../../functions/core/object-keys.ts'
import { parsePeriod } from '../../functions/core/period.ts'
import { LAKE_TABLES } from '../../infra/analytics.ts'
import { stageNames } from '../../schemas/stage-names.ts'
import { IamSimulator } from './iam-simulator.ts'
import type { ContextValue, Decision, Principal } from './iam-simulator.ts'
import type { StackIds } from './stack-ids.ts'
import { synthesized } from './synthesized.ts'

// What each principal may do, decided by evaluating the synthesized policies (identity policies
// and bucket policies together) with test/infra/iam-simulator.ts, instead of reading statements.
// The stacks are synthesized once for the run (test/infra/synthesize-once.ts); the stack with
// the customer managed key serves the encryption rows.
const plain = synthesized('prod')
const withKey = synthesized('cmk')
const ids = plain.ids
const cmkIds = withKey.ids
const template = plain.assertions
const cmkTemplate = withKey.assertions
const sim = new IamSimulator(plain.template)
const cmkSim = new IamSimulator(withKey.template)
const { glueDatabase: DATABASE_NAME, athenaWorkGroup: WORKGROUP_NAME } = stageNames()

type Context = Record<string, ContextValue | undefined>

/** Every request below is made over TLS 1.3 unless its row says otherwise. */
const TLS: Context = { 'aws:SecureTransport': true, 's3:TlsVersion': 1.3 }
const NO_TLS: Context = { 'aws:SecureTransport': false, 's3:TlsVersion': undefined }
const TLS_1_0: Context = { 's3:TlsVersion': 1.0 }

const ID = '20240712T091244123Z-0123456789abcdef'
const Q2 = parsePeriod('2024Q2')!

interface Req {
  name: string
  action: string
  resource: () => string
  context?: Context
}

type Where = 'ingest' | 'lake' | 'results'
const bucketId = (s: StackIds, where: Where): string =>
  ({ ingest: s.storage.ingestBucket, lake: s.storage.lakeBucket, results: s.storage.resultsBucket })[where]
const contextName = (context?: Context): string =>
  context ? ` [${Object.entries(context).map(([k, v]) => `${k}=${v ?? '(absent)'}`).join(', ')}]` : ''

/** An S3 object request; `key` exactly as S3 stores it. */
const s3 = (action: string, where: Where, key: string, context?: Context): Req => ({
  name: `s3:${action} ${where}:${key}${contextName(context)}`,
  action: `s3:${action}`,
  resource: () => sim.s3Object(bucketId(ids, where), key),
  ...(context ? { context } : {}),
})
/** ListBucket with an s3:prefix, or without one. */
const listing = (where: Where, prefix?: string): Req => ({
  name: `s3:ListBucket ${where} prefix=${prefix ?? '(none)'}`,
  action: 's3:ListBucket',
  resource: () => sim.s3Bucket(bucketId(ids, where)),
  context: prefix === undefined ? {} : { 's3:prefix': prefix },
})
const onArn = (action: string, what: string, arn: () => string, context?: Context): Req => ({
  name: `${action} ${what}${contextName(context)}`,
  action,
  resource: arn,
  ...(context ? { context } : {}),
})

/** A decision as one readable line: `allow by <statement>`, `explicit-deny by <statement>`, `implicit-deny`. */
function decide(s: IamSimulator, principal: Principal, req: Req): string {
  return line(s, s.evaluate(principal, { action: req.action, resource: req.resource(), context: { ...TLS, ...req.context } }))
}

function line(s: IamSimulator, decision: Decision): string {
  if (!decision.statements.length) return decision.verdict
  return `${decision.verdict} by ${decision.statements.map((label) => statementName(s, label)).join(' + ')}`
}

/** A statement's Sid, or for CDK's unnamed bucket-policy statements what it says. */
function statementName(s: IamSimulator, label: string): string {
  const cut = label.lastIndexOf('/')
  const policyId = label.slice(0, cut)
  const sid = label.slice(cut + 1)
  if (!/^\d+$/.test(sid)) return sid
  const statement = s.policyResource(policyId)[Number(sid)]!
  const condition = Object.entries(statement.condition ?? {})
    .flatMap(([op, keys]) => Object.entries(keys).map(([key, values]) => `${op} ${key}=${values.join('|')}`))
    .join(' & ')
  return `${statement.effect} ${statement.action?.join(',')}${condition ? ` if ${condition}` : ''}`
}

/** Table rows as `[request name, expected, request]`, so that the test names read as the table. */
const named = (rows: [Req, string][]): [string, string, Req][] => rows.map(([req, expected]) => [req.name, expected, req])

const NON_TLS_DENY = 'Deny s3:* if Bool aws:SecureTransport=false'
const OLD_TLS_DENY = 'Deny s3:* if NumericLessThan s3:TlsVersion=1.2'

const county = (tags: Record<string, string> = { county: '522226' }): Principal =>
  sim.roleSession(ids.access.countyUploaderRole, { session: tags.county ?? 'untagged', tags })

describe('a county (the CountyUploader role, session tag county=522226) with the ingest and lake bucket policies', () => {
  it.each(named([
    [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'allow by UploadOwnCounty'],
    [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/报表.xlsx'), 'allow by UploadOwnCounty'],
    [s3('AbortMultipartUpload', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'allow by UploadOwnCounty'],
    [s3('PutObject', 'ingest', 'uploads/522227/2024Q2/a.csv'), 'implicit-deny'],
    [s3('AbortMultipartUpload', 'ingest', 'uploads/522227/2024Q2/a.csv'), 'implicit-deny'],
    // A longer code that starts with the county's own: the `/` after the tag keeps it out.
    [s3('PutObject', 'ingest', 'uploads/5222261/2024Q2/a.csv'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'uploads/a.csv'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'a.csv'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'registry/org_units/x.csv'), 'implicit-deny'],
    // S3 does not normalise keys: this one starts with the county's prefix, so IAM allows it, and
    // the pipeline refuses it (the defence-in-depth tests below).
    [s3('PutObject', 'ingest', 'uploads/522226/../522227/2024Q2/x.csv'), 'allow by UploadOwnCounty'],
    // Keys are literal for IAM too: an encoded slash (a key holding the characters %2F, which is
    // what S3 stores when a client sends %252F) is not the `/` after the county code.
    [s3('PutObject', 'ingest', 'uploads/522226%2F..%2F522227/2024Q2/x.csv'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'uploads/522226/%2E%2E%2F522227/2024Q2/x.csv'), 'allow by UploadOwnCounty'],
    // Raw uploads are evidence: a county neither deletes nor reads them back.
    [s3('DeleteObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
    [s3('DeleteObjectVersion', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
    [s3('GetObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/a.csv', NO_TLS), `explicit-deny by ${NON_TLS_DENY}`],
    [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/a.csv', TLS_1_0), `explicit-deny by ${OLD_TLS_DENY}`],
    [s3('GetObject', 'lake', `reports/submissions/522226/2024Q2/${ID}.json`), 'allow by ReadOwnReports'],
    [s3('GetObject', 'lake', `reports/submissions/522226/2024Q2/${ID}.csv`), 'allow by ReadOwnReports'],
    [s3('GetObject', 'lake', `reports/submissions/522227/2024Q2/${ID}.json`), 'implicit-deny'],
    [s3('GetObject', 'lake', `reports/submissions/5222261/2024Q2/${ID}.json`), 'implicit-deny'],
    [s3('GetObject', 'lake', `reports/registry/${ID}.json`), 'implicit-deny'],
    [s3('GetObject', 'lake', `reports/appraisals/2024Q2/index.html`), 'implicit-deny'],
    [s3('GetObject', 'lake', lakeKeys.curated('village_report', Q2, '522226')), 'implicit-deny'],
    [s3('GetObject', 'lake', lakeKeys.raw('522226', '2024Q2', ID, 'a.csv')), 'implicit-deny'],
    [s3('PutObject', 'lake', `reports/submissions/522226/2024Q2/${ID}.json`), 'implicit-deny'],
    [s3('GetObject', 'lake', `reports/submissions/522226/2024Q2/${ID}.json`, NO_TLS), `explicit-deny by ${NON_TLS_DENY}`],
    [listing('lake', 'reports/submissions/522226/'), 'allow by ListOwnReports'],
    [listing('lake', 'reports/submissions/522226/2024Q2/'), 'allow by ListOwnReports'],
    [listing('lake', 'reports/submissions/522227/'), 'implicit-deny'],
    // Without the slash the prefix would also list 5222260…5222269.
    [listing('lake', 'reports/submissions/522226'), 'implicit-deny'],
    [listing('lake', 'reports/submissions/'), 'implicit-deny'],
    [listing('lake'), 'implicit-deny'],
    [listing('ingest', 'uploads/522226/'), 'implicit-deny'],
  ]))('%s → %s', (_, expected, req) => {
    expect(decide(sim, county(), req)).toBe(expected)
  })

  // A missing tag is both null and unlike six characters (StringNotLike holds for an absent key):
  // both denies apply, and the simulator reports every deny that matched, in policy order.
  const UNTAGGED_DENY = 'explicit-deny by DenyUntaggedUpload + DenyMalformedCountyTag'
  it.each(named([
    [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), UNTAGGED_DENY],
    [s3('PutObject', 'ingest', 'registry/org_units/x.csv'), UNTAGGED_DENY],
    // The variable cannot be substituted, so the Allow does not apply (no explicit deny on reads).
    [s3('GetObject', 'lake', `reports/submissions/522226/2024Q2/${ID}.json`), 'implicit-deny'],
    [listing('lake', 'reports/submissions/522226/'), 'implicit-deny'],
  ]))('without a county tag: %s → %s', (_, expected, req) => {
    expect(decide(sim, county({}), req)).toBe(expected)
  })

  // A county code is six characters: any other length is an explicit deny on every ingest put,
  // even under the prefix the tag itself names.
  it.each<[string, string, string]>([
    ['an empty county tag', '', 'uploads//2024Q2/x.csv'],
    ['a five-character tag', '52222', 'uploads/52222/2024Q2/x.csv'],
    ['a seven-character tag', '5222261', 'uploads/5222261/2024Q2/x.csv'],
    ['a seven-character tag', '5222261', 'registry/org_units/x.csv'],
  ])('with %s (%j): s3:PutObject ingest:%s → explicit-deny by DenyMalformedCountyTag', (_, tag, key) => {
    expect(decide(sim, county({ county: tag }), s3('PutObject', 'ingest', key))).toBe('explicit-deny by DenyMalformedCountyTag')
  })

  it('with an empty county tag, reads are not denied explicitly: the Allow\'s prefix names no county\'s reports', () => {
    expect(decide(sim, county({ county: '' }), s3('GetObject', 'lake', `reports/submissions/522226/2024Q2/${ID}.json`))).toBe('implicit-deny')
  })

  it.each<[string, string, Context]>([
    ['the same county tag as the user\'s own', 'allow', { 'aws:RequestTag/county': '522226' }],
    ['another county\'s tag', 'implicit-deny', { 'aws:RequestTag/county': '522227' }],
    ['no session tag', 'implicit-deny', {}],
  ])('the role\'s trust policy, for a user tagged county=522226 who asks with %s: %s', (_, verdict, context) => {
    const user = sim.user('county-clerk', { tags: { county: '522226' } })
    for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
      const decision = sim.evaluate(user, { action, resource: sim.arnOf(ids.access.countyUploaderRole), context })
      expect(decision.verdict, action).toBe(verdict)
    }
  })

  it('the role does not trust a user without a county tag, whatever session tag is asked for', () => {
    const user = sim.user('no-county')
    const decision = sim.evaluate(user, {
      action: 'sts:AssumeRole',
      resource: sim.arnOf(ids.access.countyUploaderRole),
      context: { 'aws:RequestTag/county': '522226' },
    })
    expect(decision.verdict).toBe('implicit-deny')
  })
})

/** How S3 puts a key in an event notification: URL-encoded, `/` kept, space as `+`. */
const s3EventKey = (key: string): string => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+')

describe('defence in depth: keys IAM lets through and the pipeline refuses', () => {
  it.each<[string, string, Record<string, string>]>([
    ['county 522226', 'uploads/522226/../522227/2024Q2/x.csv', { county: '522226' }],
    ['county 522226', 'uploads/522226/%2E%2E%2F522227/2024Q2/x.csv', { county: '522226' }],
    ['county 522226', 'uploads/522226/%2E%2E/522227/2024Q2/x.csv', { county: '522226' }],
    ['county 522226', 'uploads/522226/2024Q2/../../522227/2024Q2/x.csv', { county: '522226' }],
    ['county 522226', 'uploads/522226/./2024Q2/x.csv', { county: '522226' }],
    ['county 522226', 'uploads/522226/2024Q2/..', { county: '522226' }],
    ['county 522226', 'uploads/522226/2024Q2/sub/x.csv', { county: '522226' }],
    // Six characters pass DenyMalformedCountyTag; that they are digits is the pipeline's check.
    ['a six-letter county tag', 'uploads/abcdef/2024Q2/x.csv', { county: 'abcdef' }],
  ])('%s may put %s (S3 keys are literal), and parseUploadKey calls it wrong_place', (_, key, tags) => {
    expect(decide(sim, county(tags), s3('PutObject', 'ingest', key))).toBe('allow by UploadOwnCounty')
    // The handler reads the key from the event (URL-encoded) and decodes it back to the literal key.
    const seen = decodeEventKey(s3EventKey(key))
    expect(seen).toBe(key)
    expect(parseUploadKey(seen).kind).toBe('wrong')
  })

  // IAM and STS accept an empty tag value, which would make the prefix `uploads//`: IAM now
  // refuses it (DenyMalformedCountyTag), and the pipeline would still refuse the key.
  it('an empty county tag may not put uploads//2024Q2/x.csv (explicit deny), and parseUploadKey would call it wrong_place', () => {
    const key = 'uploads//2024Q2/x.csv'
    expect(decide(sim, county({ county: '' }), s3('PutObject', 'ingest', key))).toBe('explicit-deny by DenyMalformedCountyTag')
    const seen = decodeEventKey(s3EventKey(key))
    expect(seen).toBe(key)
    expect(parseUploadKey(seen).kind).toBe('wrong')
  })

  it('a registry admin may put registry/org_units/../../uploads/522227/2024Q2/x.csv, and parseUploadKey calls it wrong_place', () => {
    const key = 'registry/org_units/../../uploads/522227/2024Q2/x.csv'
    const admin = sim.holderOf([ids.access.registryAdminPolicy])
    expect(decide(sim, admin, s3('PutObject', 'ingest', key))).toBe('allow by UploadRegistry')
    expect(parseUploadKey(decodeEventKey(s3EventKey(key))).kind).toBe('wrong')
  })

  it('the same keys, well formed, are accepted in place', () => {
    expect(parseUploadKey(decodeEventKey(s3EventKey('uploads/522226/2024Q2/报表 第二季度.xlsx')))).toEqual({
      kind: 'county',
      county: '522226',
      period: '2024Q2',
      quarter: { year: 2024, quarter: 2 },
      fileName: '报表 第二季度.xlsx',
    })
  })
})

describe('the RegistryAdmin policy writes only registry/org_units/ and registry/targets/', () => {
  it.each(named([
    [s3('PutObject', 'ingest', 'registry/org_units/org_units_2024.csv'), 'allow by UploadRegistry'],
    [s3('PutObject', 'ingest', 'registry/targets/targets_2024.csv'), 'allow by UploadRegistry'],
    [s3('GetObject', 'lake', `reports/targets/${ID}.json`), 'allow by ReadRegistryReports'],
    [listing('lake', 'reports/targets/'), 'allow by ListRegistryReports'],
    [s3('AbortMultipartUpload', 'ingest', 'registry/org_units/org_units_2024.csv'), 'allow by UploadRegistry'],
    [s3('PutObject', 'ingest', 'registry/other/x.csv'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'registry/x.csv'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
    [s3('DeleteObject', 'ingest', 'registry/org_units/org_units_2024.csv'), 'implicit-deny'],
    [s3('PutObject', 'lake', lakeKeys.registry('52')), 'implicit-deny'],
    [s3('GetObject', 'lake', `reports/registry/${ID}.json`), 'allow by ReadRegistryReports'],
    [s3('GetObject', 'lake', `reports/submissions/522226/2024Q2/${ID}.json`), 'implicit-deny'],
    [listing('lake', 'reports/registry/'), 'allow by ListRegistryReports'],
    [listing('lake', 'reports/submissions/'), 'implicit-deny'],
    [listing('lake', 'reports/'), 'implicit-deny'],
    [listing('lake'), 'implicit-deny'],
    [s3('PutObject', 'ingest', 'registry/org_units/org_units_2024.csv', NO_TLS), `explicit-deny by ${NON_TLS_DENY}`],
  ]))('%s → %s', (_, expected, req) => {
    expect(decide(sim, sim.holderOf([ids.access.registryAdminPolicy]), req)).toBe(expected)
  })
})

describe('the ingest and lake buckets refuse a put that names another encryption, and only that', () => {
  const statement = (approved: string): Record<string, unknown> => ({
    Sid: 'DenyOtherEncryption',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:PutObject',
    Condition: {
      Null: { 's3:x-amz-server-side-encryption': 'false' },
      StringNotEquals: { 's3:x-amz-server-side-encryption': approved },
    },
  })

  it.each([
    ['AES256 without the customer key', false, 'AES256'],
    ['aws:kms with the customer key', true, 'aws:kms'],
  ] as const)('bucket policies of ingest and lake deny any value but %s', (_, cmk, approved) => {
    const [t, s] = cmk ? [cmkTemplate, cmkIds] : [template, ids]
    for (const bucketRef of [s.storage.ingestBucket, s.storage.lakeBucket]) {
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketRef },
        PolicyDocument: {
          Statement: Match.arrayWith([
            { ...statement(approved), Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketRef, 'Arn'] }, '/*']] } },
          ]),
        },
      })
    }
  })

  const SSE = 's3:x-amz-server-side-encryption'
  it.each<['default' | 'customer key', string, string]>([
    ['default', '(none)', 'allow'],
    ['default', 'AES256', 'allow'],
    ['default', 'aws:kms', 'explicit-deny by DenyOtherEncryption'],
    ['default', 'aws:kms:dsse', 'explicit-deny by DenyOtherEncryption'],
    ['customer key', '(none)', 'allow'],
    ['customer key', 'aws:kms', 'allow'],
    ['customer key', 'AES256', 'explicit-deny by DenyOtherEncryption'],
    ['customer key', 'aws:kms:dsse', 'explicit-deny by DenyOtherEncryption'],
  ])('%s stack, x-amz-server-side-encryption %s: a county upload and a curated write by validate → %s', (kind, header, expected) => {
    const cmk = kind === 'customer key'
    const [s, st] = cmk ? [cmkSim, cmkIds] : [sim, ids]
    const context = { ...TLS, [SSE]: header === '(none)' ? undefined : header }
    const upload = s.evaluate(
      s.roleSession(st.access.countyUploaderRole, { tags: { county: '522226' } }),
      { action: 's3:PutObject', resource: s.s3Object(bucketId(st, 'ingest'), 'uploads/522226/2024Q2/a.csv'), context },
    )
    const curated = s.evaluate(s.roleSession(st.ingest.validate.role), {
      action: 's3:PutObject',
      resource: s.s3Object(bucketId(st, 'lake'), lakeKeys.curated('village_report', Q2, '522226')),
      context,
    })
    expect([upload.verdict, curated.verdict]).toEqual(Array(2).fill(expected.split(' ')[0]))
    if (expected.includes(' by ')) expect([line(s, upload), line(s, curated)]).toEqual([expected, expected])
  })

  it('StringNotEqualsIfExists alone (no Null) would refuse every put that relies on default encryption', () => {
    const json = structuredClone(template.toJSON()) as {
      Resources: Record<string, { Type: string; Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }>
    }
    const policy = json.Resources[ids.storage.ingestBucketPolicy]!.Properties.PolicyDocument
    const deny = policy.Statement.find((st) => st.Sid === 'DenyOtherEncryption')!
    deny.Condition = { StringNotEqualsIfExists: { [SSE]: 'AES256' } }
    const alternative = new IamSimulator(json)
    const decision = alternative.evaluate(alternative.roleSession(ids.access.countyUploaderRole, { tags: { county: '522226' } }), {
      action: 's3:PutObject',
      resource: alternative.s3Object(bucketId(ids, 'ingest'), 'uploads/522226/2024Q2/a.csv'),
      context: TLS,
    })
    expect(line(alternative, decision)).toBe('explicit-deny by DenyOtherEncryption')
  })
})

// --- the functions' roles ----------------------------------------------------------------------

const table = (which: 'submissionsTable' | 'appraisalsTable', index?: string) => (): string =>
  `${sim.arnOf(ids.storage[which])}${index ? `/index/${index}` : ''}`
const logStream = (fn: 'validate' | 'aggregate') => (): string => {
  const group = fn === 'validate' ? ids.ingest.validate.logGroup : ids.analytics.aggregate.logGroup
  return sim.arnOf(group).replace(/:\*$/, ':log-stream:2024/07/12/[$LATEST]0123456789abcdef')
}
const queueArn = (which: 'queue' | 'deadLetterQueue') => (): string => sim.arnOf(ids.ingest[which])
const scheduleDeadLetterQueueArn = (): string => sim.arnOf(ids.analytics.scheduleDeadLetterQueue)
const secretArn = (): string => sim.refOf(ids.storage.idHashSecret)
const topicArn = (which: 'verdictTopic' | 'appraisalTopic') => (): string => sim.refOf(ids.storage[which])
const regional = (service: string, resource: string) => (): string =>
  `arn:${sim.partition}:${service}:${sim.region}:${sim.account}:${resource}`

/** Grants of a role's Allow statements that none of `used` needs: `<label> <action> <resource>`. */
function unusedGrants(principal: Principal, used: readonly Req[]): string[] {
  const all = principal.statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) => (s.action ?? []).flatMap((a) => (s.resource ?? []).map((r) => `${s.label} ${a} ${r}`)))
  const matched = new Set(
    used.flatMap((req) => sim.evaluate(principal, { action: req.action, resource: req.resource(), context: { ...TLS, ...req.context } }).grants),
  )
  return all.filter((g) => !matched.has(g)).map((g) => g.replace(/^\S*\//, '')).sort()
}

const staged = lakeKeys.staged('village_report', '522226', '2024Q2', ID)
const stagedRegistry = lakeKeys.staged('org_units', 'registry', 'registry', ID, '-52')

/** Everything processUpload (functions/use-cases/process-upload.ts) does on AWS, and the SQS poller. */
const VALIDATE_USES: Req[] = [
  onArn('logs:CreateLogStream', 'own log group', logStream('validate')),
  onArn('logs:PutLogEvents', 'own log group', logStream('validate')),
  // The event source mapping polls with the function's role (AWSLambdaSQSQueueExecutionRole's actions).
  onArn('sqs:ReceiveMessage', 'ingest queue', queueArn('queue')),
  onArn('sqs:DeleteMessage', 'ingest queue', queueArn('queue')),
  onArn('sqs:GetQueueAttributes', 'ingest queue', queueArn('queue')),
  // The upload, by version when the event has one (GetObjectVersion), else the current object.
  s3('GetObject', 'ingest', 'uploads/522226/2024Q2/报表.xlsx'),
  s3('GetObjectVersion', 'ingest', 'uploads/522226/2024Q2/报表.xlsx'),
  s3('GetObject', 'ingest', 'registry/org_units/org_units_2024.csv'),
  s3('GetObjectVersion', 'ingest', 'registry/org_units/org_units_2024.csv'),
  s3('GetObjectVersion', 'ingest', 'uploads/522226/wrong-place.csv'),
  // The write-once raw copy: a county upload, a registry upload, an upload in the wrong place.
  s3('PutObject', 'lake', lakeKeys.raw('522226', '2024Q2', ID, '报表.xlsx')),
  s3('PutObject', 'lake', lakeKeys.raw('registry', 'registry', ID, 'org_units_2024.csv')),
  s3('PutObject', 'lake', lakeKeys.raw('unplaced', 'unplaced', ID, 'wrong-place.csv')),
  s3('PutObject', 'lake', staged),
  s3('PutObject', 'lake', stagedRegistry),
  s3('PutObject', 'lake', lakeKeys.report('522226', '2024Q2', ID, 'json')),
  s3('PutObject', 'lake', lakeKeys.report('522226', '2024Q2', ID, 'csv')),
  s3('PutObject', 'lake', lakeKeys.report('registry', 'registry', ID, 'json')),
  s3('PutObject', 'lake', lakeKeys.report('registry', 'registry', ID, 'csv')),
  s3('PutObject', 'lake', lakeKeys.report('targets', 'targets', ID, 'json')),
  s3('PutObject', 'lake', lakeKeys.report('targets', 'targets', ID, 'csv')),
  s3('PutObject', 'lake', lakeKeys.report('unplaced', 'unplaced', ID, 'json')),
  // finishAccepted: CopyObject staged → curated reads the source and writes the target.
  s3('GetObject', 'lake', staged),
  s3('PutObject', 'lake', lakeKeys.curated('village_report', Q2, '522226')),
  s3('PutObject', 'lake', lakeKeys.curated('monitored_households', Q2, '522226')),
  s3('GetObject', 'lake', stagedRegistry),
  s3('PutObject', 'lake', lakeKeys.registry('52')),
  // A second delivery re-reads its report; the checks read earlier staged files and the registry.
  s3('GetObject', 'lake', lakeKeys.report('522226', '2024Q2', ID, 'json')),
  s3('GetObject', 'lake', lakeKeys.report('registry', 'registry', ID, 'json')),
  s3('GetObject', 'lake', lakeKeys.report('targets', 'targets', ID, 'json')),
  s3('GetObject', 'lake', lakeKeys.registry('52')),
  listing('lake', 'curated/org_units/'),
  onArn('dynamodb:GetItem', 'submissions', table('submissionsTable')),
  onArn('dynamodb:PutItem', 'submissions', table('submissionsTable')),
  onArn('dynamodb:UpdateItem', 'submissions', table('submissionsTable')),
  onArn('dynamodb:Query', 'submissions', table('submissionsTable')),
  onArn('dynamodb:Query', `submissions index ${SUBMISSIONS_GSI}`, table('submissionsTable', SUBMISSIONS_GSI)),
  onArn('secretsmanager:GetSecretValue', 'the ID-hash secret', secretArn),
  onArn('sns:Publish', 'verdict topic', topicArn('verdictTopic')),
]

const VALIDATE_MUST_NOT: [Req, string][] = [
  [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
  [s3('PutObject', 'ingest', 'registry/org_units/org_units_2024.csv'), 'implicit-deny'],
  [s3('DeleteObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
  [s3('DeleteObjectVersion', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
  [s3('PutObject', 'lake', lakeKeys.appraisal(Q2)), 'implicit-deny'],
  [s3('PutObject', 'lake', lakeKeys.appraisalReport('2024Q2')), 'implicit-deny'],
  [s3('GetObject', 'lake', lakeKeys.appraisal(Q2)), 'implicit-deny'],
  [s3('DeleteObject', 'lake', lakeKeys.curated('village_report', Q2, '522226')), 'implicit-deny'],
  [s3('DeleteObject', 'lake', lakeKeys.raw('522226', '2024Q2', ID, 'a.csv')), 'implicit-deny'],
  [s3('DeleteObjectVersion', 'lake', lakeKeys.raw('522226', '2024Q2', ID, 'a.csv')), 'implicit-deny'],
  [s3('DeleteObject', 'lake', lakeKeys.report('522226', '2024Q2', ID, 'json')), 'implicit-deny'],
  [s3('GetObject', 'results', 'results/x.csv'), 'implicit-deny'],
  [listing('lake', 'reports/'), 'implicit-deny'],
  [listing('lake'), 'implicit-deny'],
  [onArn('s3:PutBucketPolicy', 'lake bucket', () => sim.s3Bucket(bucketId(ids, 'lake'))), 'implicit-deny'],
  [s3('PutObject', 'lake', lakeKeys.report('522226', '2024Q2', ID, 'json'), NO_TLS), `explicit-deny by ${NON_TLS_DENY}`],
  [onArn('dynamodb:Scan', 'submissions', table('submissionsTable')), 'implicit-deny'],
  [onArn('dynamodb:DeleteTable', 'submissions', table('submissionsTable')), 'implicit-deny'],
  [onArn('dynamodb:PutItem', 'appraisals', table('appraisalsTable')), 'implicit-deny'],
  [onArn('dynamodb:UpdateItem', 'appraisals', table('appraisalsTable')), 'implicit-deny'],
  [onArn('dynamodb:BatchWriteItem', 'appraisals', table('appraisalsTable')), 'implicit-deny'],
  [onArn('dynamodb:Query', 'appraisals', table('appraisalsTable')), 'implicit-deny'],
  [onArn('secretsmanager:GetSecretValue', 'another secret', regional('secretsmanager', 'secret:other-AbCdEf')), 'implicit-deny'],
  [onArn('secretsmanager:PutSecretValue', 'the ID-hash secret', secretArn), 'implicit-deny'],
  [onArn('sns:Publish', 'appraisal topic', topicArn('appraisalTopic')), 'implicit-deny'],
  [onArn('sqs:SendMessage', 'ingest queue', queueArn('queue')), 'implicit-deny'],
  [onArn('sqs:ReceiveMessage', 'dead-letter queue', queueArn('deadLetterQueue')), 'implicit-deny'],
  [onArn('logs:PutLogEvents', 'aggregate log group', logStream('aggregate')), 'implicit-deny'],
  [onArn('kms:Decrypt', 'any key', regional('kms', 'key/any')), 'implicit-deny'],
]

describe('the validate function role', () => {
  const validate = (): Principal => sim.roleSession(ids.ingest.validate.role)

  it.each(VALIDATE_USES.map((r) => [r.name, r] as const))('may %s', (_, req) => {
    expect(decide(sim, validate(), req)).toMatch(/^allow by /)
  })

  it.each(named(VALIDATE_MUST_NOT))('may not %s: %s', (_, expected, req) => {
    expect(decide(sim, validate(), req)).toBe(expected)
  })

  // What the role holds that processUpload never asks for on AWS: replays (the only reader of
  // raw/, the only deleter of staged files and ledger items) run locally in this version (va
  // replay), and CDK's SqsEventSource grants two queue actions the poller does not use. Pinned
  // here so that the list can only shrink on purpose.
  it('holds no grant beyond that table except these', () => {
    const lake = sim.s3Bucket(bucketId(ids, 'lake'))
    const submissions = table('submissionsTable')()
    expect(unusedGrants(validate(), VALIDATE_USES)).toEqual(
      [
        `ClearStaging s3:DeleteObject ${lake}/staging/*`,
        `ReadLake s3:GetObject ${lake}/raw/*`,
        `SubmissionLedger dynamodb:DeleteItem ${submissions}`,
        `SubmissionLedger dynamodb:DeleteItem ${submissions}/index/*`,
        `SubmissionLedger dynamodb:GetItem ${submissions}/index/*`,
        `SubmissionLedger dynamodb:PutItem ${submissions}/index/*`,
        `SubmissionLedger dynamodb:UpdateItem ${submissions}/index/*`,
        `1 sqs:ChangeMessageVisibility ${queueArn('queue')()}`,
        `1 sqs:GetQueueUrl ${queueArn('queue')()}`,
      ].sort(),
    )
  })
})

/** Everything runAppraisal (functions/use-cases/run-appraisal.ts) does, Athena's reads and writes on its behalf included. */
const AGGREGATE_USES: Req[] = [
  onArn('logs:CreateLogStream', 'own log group', logStream('aggregate')),
  onArn('logs:PutLogEvents', 'own log group', logStream('aggregate')),
  ...['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'].map((a) =>
    onArn(a, `workgroup ${WORKGROUP_NAME}`, regional('athena', `workgroup/${WORKGROUP_NAME}`)),
  ),
  ...['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'].flatMap((a) => [
    onArn(a, 'the catalog', regional('glue', 'catalog')),
    onArn(a, `database ${DATABASE_NAME}`, regional('glue', `database/${DATABASE_NAME}`)),
    ...LAKE_TABLES.map((t) => onArn(a, `table ${t.name}`, regional('glue', `table/${DATABASE_NAME}/${t.name}`))),
  ]),
  // Athena reads the lake with the caller's credentials.
  s3('GetObject', 'lake', lakeKeys.curated('village_report', Q2, '522226')),
  s3('GetObject', 'lake', lakeKeys.curated('monitored_households', Q2, '522226')),
  s3('GetObject', 'lake', lakeKeys.registry('52')),
  s3('GetObject', 'lake', lakeKeys.appraisal({ year: 2023, quarter: 2 })),
  listing('lake', 'curated/village_report/year=2024/quarter=2/'),
  listing('lake', 'curated/org_units/'),
  listing('lake', 'analytics/county_appraisals/year=2023/quarter=2/'),
  onArn('s3:GetBucketLocation', 'lake bucket', () => sim.s3Bucket(bucketId(ids, 'lake'))),
  s3('PutObject', 'results', 'results/0123-abcd.csv'),
  s3('GetObject', 'results', 'results/0123-abcd.csv'),
  // Large results go up in parts, which Athena lists, then completes or aborts.
  s3('ListMultipartUploadParts', 'results', 'results/0123-abcd.csv'),
  s3('AbortMultipartUpload', 'results', 'results/0123-abcd.csv'),
  onArn('s3:GetBucketLocation', 'results bucket', () => sim.s3Bucket(bucketId(ids, 'results'))),
  onArn('s3:ListBucketMultipartUploads', 'results bucket', () => sim.s3Bucket(bucketId(ids, 'results'))),
  listing('results', 'results/'),
  s3('PutObject', 'lake', lakeKeys.appraisal(Q2)),
  s3('PutObject', 'lake', lakeKeys.appraisalReport('2024Q2')),
  // DynamoAppraisalStore.save: the quarter's Query, then BatchWriteItem; reads by city and county.
  onArn('dynamodb:Query', 'appraisals', table('appraisalsTable')),
  onArn('dynamodb:Query', 'appraisals index by-city', table('appraisalsTable', 'by-city')),
  onArn('dynamodb:Query', 'appraisals index by-county', table('appraisalsTable', 'by-county')),
  onArn('dynamodb:BatchWriteItem', 'appraisals', table('appraisalsTable')),
  // publish: the period lock (DynamoSubmissionLedger.setLock).
  onArn('dynamodb:UpdateItem', 'submissions', table('submissionsTable')),
  // The appraisal announcement (APPRAISAL_TOPIC_ARN of AggregateEnv).
  onArn('sns:Publish', 'appraisal topic', topicArn('appraisalTopic')),
  // A run that failed after its retries: Lambda sends it to the on-failure destination with the function's role.
  onArn('sqs:SendMessage', 'schedule dead-letter queue', scheduleDeadLetterQueueArn),
]

const AGGREGATE_MUST_NOT: [Req, string][] = [
  // Raw uploads and staged files hold ID numbers; the aggregate reads only curated data.
  [s3('GetObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
  [s3('GetObject', 'lake', lakeKeys.raw('522226', '2024Q2', ID, 'a.csv')), 'implicit-deny'],
  [s3('GetObject', 'lake', staged), 'implicit-deny'],
  [s3('GetObject', 'lake', lakeKeys.report('522226', '2024Q2', ID, 'json')), 'implicit-deny'],
  [listing('lake', 'raw/'), 'implicit-deny'],
  [listing('lake', 'reports/'), 'implicit-deny'],
  [s3('PutObject', 'lake', lakeKeys.curated('village_report', Q2, '522226')), 'implicit-deny'],
  [s3('PutObject', 'lake', lakeKeys.report('522226', '2024Q2', ID, 'json')), 'implicit-deny'],
  [s3('DeleteObject', 'lake', lakeKeys.appraisal(Q2)), 'implicit-deny'],
  [s3('PutObject', 'ingest', 'uploads/522226/2024Q2/a.csv'), 'implicit-deny'],
  [s3('PutObject', 'results', 'elsewhere/x.csv'), 'implicit-deny'],
  [onArn('s3:ListBucketMultipartUploads', 'lake bucket', () => sim.s3Bucket(bucketId(ids, 'lake'))), 'implicit-deny'],
  [onArn('s3:GetBucketLocation', 'ingest bucket', () => sim.s3Bucket(bucketId(ids, 'ingest'))), 'implicit-deny'],
  [s3('PutObject', 'lake', lakeKeys.appraisal(Q2), NO_TLS), `explicit-deny by ${NON_TLS_DENY}`],
  [onArn('dynamodb:Scan', 'appraisals', table('appraisalsTable')), 'implicit-deny'],
  [onArn('dynamodb:Scan', 'submissions', table('submissionsTable')), 'implicit-deny'],
  [onArn('dynamodb:DeleteItem', 'submissions', table('submissionsTable')), 'implicit-deny'],
  [onArn('dynamodb:BatchWriteItem', 'submissions', table('submissionsTable')), 'implicit-deny'],
  [onArn('secretsmanager:GetSecretValue', 'the ID-hash secret', secretArn), 'implicit-deny'],
  [onArn('sns:Publish', 'verdict topic', topicArn('verdictTopic')), 'implicit-deny'],
  [onArn('athena:StartQueryExecution', 'workgroup primary', regional('athena', 'workgroup/primary')), 'implicit-deny'],
  [onArn('glue:GetTable', 'another database', regional('glue', 'table/other/village_reports')), 'implicit-deny'],
  [onArn('glue:UpdateTable', `table village_reports`, regional('glue', `table/${DATABASE_NAME}/village_reports`)), 'implicit-deny'],
  [onArn('glue:DeleteTable', `table village_reports`, regional('glue', `table/${DATABASE_NAME}/village_reports`)), 'implicit-deny'],
  [onArn('logs:PutLogEvents', 'validate log group', logStream('validate')), 'implicit-deny'],
  [onArn('sqs:SendMessage', 'ingest queue', queueArn('queue')), 'implicit-deny'],
  [onArn('sqs:SendMessage', 'ingest dead-letter queue', queueArn('deadLetterQueue')), 'implicit-deny'],
  [onArn('sqs:ReceiveMessage', 'schedule dead-letter queue', scheduleDeadLetterQueueArn), 'implicit-deny'],
  [onArn('sqs:DeleteMessage', 'schedule dead-letter queue', scheduleDeadLetterQueueArn), 'implicit-deny'],
  [onArn('sqs:PurgeQueue', 'schedule dead-letter queue', scheduleDeadLetterQueueArn), 'implicit-deny'],
]

describe('the aggregate function role', () => {
  const aggregate = (): Principal => sim.roleSession(ids.analytics.aggregate.role)

  it.each(AGGREGATE_USES.map((r) => [r.name, r] as const))('may %s', (_, req) => {
    expect(decide(sim, aggregate(), req)).toMatch(/^allow by /)
  })

  it.each(named(AGGREGATE_MUST_NOT))('may not %s: %s', (_, expected, req) => {
    expect(decide(sim, aggregate(), req)).toBe(expected)
  })

  // What the role holds beyond that table: single-item access to both tables (the code reads and
  // writes appraisals only by Query and BatchWriteItem, and locks only by UpdateItem).
  it('holds no grant beyond that table except these', () => {
    const appraisals = table('appraisalsTable')()
    const submissions = table('submissionsTable')()
    expect(unusedGrants(aggregate(), AGGREGATE_USES)).toEqual(
      [
        ...['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'].flatMap((a) => [
          `AppraisalStore dynamodb:${a} ${appraisals}`,
          `AppraisalStore dynamodb:${a} ${appraisals}/index/*`,
        ]),
        `AppraisalStore dynamodb:BatchWriteItem ${appraisals}/index/*`,
        ...['GetItem', 'PutItem', 'Query'].map((a) => `PeriodLocks dynamodb:${a} ${submissions}`),
        ...['GetItem', 'PutItem', 'UpdateItem', 'Query'].map((a) => `PeriodLocks dynamodb:${a} ${submissions}/index/*`),
      ].sort(),
    )
  })
})

describe('the simulator', () => {
  it('refuses what it does not model instead of guessing', () => {
    const s = new IamSimulator({ Resources: { B: { Type: 'AWS::S3::Bucket' } } })
    expect(() => s.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/cannot resolve/)
    expect(() => s.resolve({ 'Fn::GetAtt': ['B', 'DomainName'] })).toThrow(/no Fn::GetAtt/)
    const principal: Principal = {
      arn: 'arn:aws:iam::123456789012:user/u',
      account: '123456789012',
      tags: {},
      statements: [{ label: 'p/0', effect: 'Allow', action: ['s3:*'], resource: ['*'], condition: { DateLessThan: { 'aws:CurrentTime': ['2030-01-01'] } } }],
    }
    expect(() => s.evaluate(principal, { action: 's3:GetObject', resource: 'arn:aws:s3:::B/k' })).toThrow(/DateLessThan is not modelled/)
  })

  it('StringNotLike: `?` is exactly one character, and an absent key makes the negated operator hold', () => {
    const s = new IamSimulator({ Resources: {} })
    const deny = (tags: Record<string, string>): string =>
      s.evaluate(
        {
          arn: 'arn:aws:iam::123456789012:user/u',
          account: '123456789012',
          tags,
          statements: [
            { label: 'p/Allow', effect: 'Allow', action: ['s3:PutObject'], resource: ['*'] },
            { label: 'p/Deny', effect: 'Deny', action: ['s3:PutObject'], resource: ['*'], condition: { StringNotLike: { 'aws:PrincipalTag/county': ['??????'] } } },
          ],
        },
        { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' },
      ).verdict
    expect(deny({ county: '522226' })).toBe('allow')
    expect(deny({ county: 'abcdef' })).toBe('allow')
    expect(deny({ county: '报表报表报表' })).toBe('allow')
    expect(deny({ county: '' })).toBe('explicit-deny')
    expect(deny({ county: '52222' })).toBe('explicit-deny')
    expect(deny({ county: '5222261' })).toBe('explicit-deny')
    expect(deny({ county: '522226\n' })).toBe('explicit-deny')
    expect(deny({})).toBe('explicit-deny')
    expect(deny({ other: '522226' })).toBe('explicit-deny')
  })

  it('matches `*` in the resource part across `/` but not across the ARN\'s service or account', () => {
    const s = new IamSimulator({ Resources: {} })
    const allowed = (resource: string, pattern: string): string =>
      s.evaluate(
        { arn: 'arn:aws:iam::123456789012:user/u', account: '123456789012', tags: {}, statements: [{ label: 'p/0', effect: 'Allow', action: ['*'], resource: [pattern] }] },
        { action: 'x:Y', resource },
      ).verdict
    expect(allowed('arn:aws:s3:::b/a/b/c', 'arn:aws:s3:::b/*')).toBe('allow')
    expect(allowed('arn:aws:s3:::b', 'arn:aws:s3:::b/*')).toBe('implicit-deny')
    expect(allowed('arn:aws:sqs:us-east-1:123456789012:q', 'arn:aws:s*:::*')).toBe('implicit-deny')
    expect(allowed('arn:aws:dynamodb:us-east-1:999999999999:table/t', 'arn:aws:dynamodb:us-east-1:123456789012:*')).toBe('implicit-deny')
  })
})

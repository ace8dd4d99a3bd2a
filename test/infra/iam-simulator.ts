/**
 * A small evaluator of the IAM policies in a synthesized CloudFormation template, so that the
 * tests can ask "may this principal do this action on this resource?" of the policies exactly as
 * they will be deployed, instead of reading statements.
 *
 * Modelled (AWS IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements"):
 * - Identity policies of a role: inline `Policies`, `AWS::IAM::Policy` attached by `Roles`, and
 *   `AWS::IAM::ManagedPolicy` of the template attached either way. A managed policy ARN from
 *   outside the template (an AWS managed policy) or a permissions boundary is refused with an
 *   error, since what it grants is unknown here.
 * - Resource policies: `AWS::S3::BucketPolicy` (for the bucket and its objects) and a role's
 *   trust policy (for sts:* on the role). Principal `*`, `{ AWS: '*' }`, `{ AWS: <account root or
 *   account id> }` (any principal of that account), `{ AWS: <role ARN> }` (sessions of that role);
 *   `{ Service: <name> }` never matches, since the principals made here are users and sessions.
 * - Same-account evaluation: an explicit Deny in any policy wins; otherwise an Allow in an
 *   identity policy or in a resource policy whose Principal matches allows; otherwise the default
 *   (implicit) deny.
 * - Action / NotAction with `*` and `?`, case-insensitive. Resource / NotResource with `*` and
 *   `?`, case-sensitive, matched per ARN component (partition, service, region, account) and the
 *   rest (the resource part, in which `*` crosses `/` and `:`) as one pattern.
 * - Policy variables `${key}` in Resource and in condition values, substituted from the request
 *   context (principal tags become `aws:PrincipalTag/<key>`) and then matched literally, never as
 *   wildcards; `${*}`, `${?}`, `${$}` stand for the literal characters. A Resource whose variable
 *   is absent from the context matches nothing, so the statement does not apply; a condition
 *   value whose variable is absent equals nothing.
 * - Condition operators: String(Not)Equals(IgnoreCase), String(Not)Like, Numeric comparisons,
 *   Bool, Null, ArnEquals/ArnLike, each with `IfExists`. Keys are case-insensitive, values are
 *   single-valued. Operators AND together, keys within an operator AND together, the values of
 *   one key OR together (NOR for the negated operators). A key absent from the context makes a
 *   positive operator false and a negated one (`StringNotEquals`, `StringNotLike`) true; with
 *   `IfExists` any operator is true when the key is absent.
 * - CloudFormation values: `Ref` and `Fn::GetAtt [X, Arn]` become fake but well-formed names and
 *   ARNs built from the logical id (a bucket `X` is named `X`, ARN `arn:aws:s3:::X`), pseudo
 *   parameters take the account, region and partition given to the constructor, and `Fn::Join`
 *   and `Fn::Sub` (with `${!Literal}` escapes) are evaluated. Anything else is an error.
 *
 * Not modelled: SCPs, RCPs, permissions boundaries, session policies, cross-account access
 * (which needs both sides to allow), KMS key policies and grants, SQS/SNS/Secrets Manager
 * resource policies, S3 ACLs, Block Public Access and access points, `NotPrincipal`, set
 * operators (`ForAnyValue:`/`ForAllValues:`), multi-valued context keys, Date/IpAddress/Binary
 * operators, policy variables with default values, and which context keys a service actually
 * sends with which action: the caller states the request context. The IAM rule that an
 * AssumeRole within the account also needs the caller's own identity policy when the trust policy
 * names only the account is not applied: a trust policy is evaluated as a resource policy alone.
 */

type Json = unknown

export type ContextValue = string | number | boolean

export interface Principal {
  /** The ARN the request is made with: a role session or an IAM user. */
  arn: string
  account: string
  /** The role a session belongs to, which is what resource policies name. */
  roleArn?: string
  tags: Readonly<Record<string, string>>
  /** The principal's identity policies. */
  statements: readonly PolicyStatement[]
}

export interface Request {
  action: string
  /** An ARN, e.g. from `s3Object()` or `arnOf()`. */
  resource: string
  /** Context keys as the service would send them: `aws:SecureTransport`, `s3:prefix`, … */
  context?: Readonly<Record<string, ContextValue | undefined>>
}

/** A statement with every CloudFormation value resolved to a string. */
export interface PolicyStatement {
  /** `<policy logical id>/<Sid>`, or `<policy logical id>/<index>` when there is no Sid. */
  label: string
  effect: 'Allow' | 'Deny'
  principal?: Readonly<Record<string, readonly string[]>> | '*'
  action?: readonly string[]
  notAction?: readonly string[]
  resource?: readonly string[]
  notResource?: readonly string[]
  condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>
}

export type Verdict = 'allow' | 'explicit-deny' | 'implicit-deny'

export interface Decision {
  verdict: Verdict
  /** The deciding statements: the Denies of an explicit deny, the Allows of an allow, else none. */
  statements: string[]
  /** For an allow: `<label> <action pattern> <resource pattern>` of every grant that matched. */
  grants: string[]
}

export interface SimulatorOptions {
  account?: string
  region?: string
  partition?: string
}

interface CfnResource {
  Type: string
  Properties?: Record<string, Json>
}

interface RawStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Principal?: Json
  NotPrincipal?: Json
  Action?: Json
  NotAction?: Json
  Resource?: Json
  NotResource?: Json
  Condition?: Record<string, Record<string, Json>>
}

const list = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as T[])] : [value as T]

export class IamSimulator {
  readonly account: string
  readonly region: string
  readonly partition: string
  private readonly resources: Record<string, CfnResource>

  constructor(template: { Resources?: Record<string, CfnResource> }, options: SimulatorOptions = {}) {
    this.resources = template.Resources ?? {}
    this.account = options.account ?? '123456789012'
    this.region = options.region ?? 'us-east-1'
    this.partition = options.partition ?? 'aws'
  }

  // --- names and ARNs -------------------------------------------------------------------------

  /** `Fn::GetAtt [logicalId, Arn]` as this simulator resolves it. */
  arnOf(logicalId: string): string {
    return this.resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] })
  }

  /** `Ref logicalId` as this simulator resolves it. */
  refOf(logicalId: string): string {
    return this.resolve({ Ref: logicalId })
  }

  s3Bucket(bucketLogicalId: string): string {
    return this.arnOf(bucketLogicalId)
  }

  s3Object(bucketLogicalId: string, key: string): string {
    return `${this.arnOf(bucketLogicalId)}/${key}`
  }

  /** A CloudFormation value as the string CloudFormation would make of it, with fake names. */
  resolve(value: Json): string {
    if (typeof value === 'string') return value
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, Json>
      const keys = Object.keys(v)
      if (keys.length === 1) {
        if (typeof v.Ref === 'string') return this.ref(v.Ref)
        if (Array.isArray(v['Fn::GetAtt'])) {
          const [id, attribute] = v['Fn::GetAtt'] as [string, string]
          return this.getAtt(id, attribute)
        }
        if (Array.isArray(v['Fn::Join'])) {
          const [delimiter, items] = v['Fn::Join'] as [string, Json[]]
          return items.map((item) => this.resolve(item)).join(delimiter)
        }
        if ('Fn::Sub' in v) return this.sub(v['Fn::Sub'])
      }
    }
    throw new Error(`iam-simulator: cannot resolve ${JSON.stringify(value)}`)
  }

  private ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': this.account,
      'AWS::Region': this.region,
      'AWS::Partition': this.partition,
      'AWS::URLSuffix': this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    }
    if (id in pseudo) return pseudo[id]!
    const { account, region, partition } = this
    switch (this.typeOf(id)) {
      case 'AWS::S3::Bucket':
      case 'AWS::DynamoDB::Table':
      case 'AWS::IAM::Role':
      case 'AWS::Lambda::Function':
      case 'AWS::Logs::LogGroup':
      case 'AWS::KMS::Key':
        return id
      case 'AWS::SNS::Topic':
        return `arn:${partition}:sns:${region}:${account}:${id}`
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends six random characters to every secret's ARN.
        return `arn:${partition}:secretsmanager:${region}:${account}:secret:${id}-AbCdEf`
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${id}`
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${partition}:iam::${account}:policy/${id}`
      default:
        throw new Error(`iam-simulator: no Ref for ${id} (${this.typeOf(id)})`)
    }
  }

  private getAtt(id: string, attribute: string): string {
    const { account, region, partition } = this
    const type = this.typeOf(id)
    if (attribute === 'Arn') {
      switch (type) {
        case 'AWS::S3::Bucket':
          return `arn:${partition}:s3:::${id}`
        case 'AWS::DynamoDB::Table':
          return `arn:${partition}:dynamodb:${region}:${account}:table/${id}`
        case 'AWS::SQS::Queue':
          return `arn:${partition}:sqs:${region}:${account}:${id}`
        case 'AWS::Logs::LogGroup':
          return `arn:${partition}:logs:${region}:${account}:log-group:${id}:*`
        case 'AWS::Lambda::Function':
          return `arn:${partition}:lambda:${region}:${account}:function:${id}`
        case 'AWS::KMS::Key':
          return `arn:${partition}:kms:${region}:${account}:key/${id}`
        case 'AWS::IAM::Role':
          return `arn:${partition}:iam::${account}:role/${id}`
      }
    }
    throw new Error(`iam-simulator: no Fn::GetAtt ${id}.${attribute} (${type})`)
  }

  private sub(value: Json): string {
    const [text, variables] = Array.isArray(value) ? (value as [string, Record<string, Json>]) : [value as string, {}]
    return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`
      if (name in variables) return this.resolve(variables[name])
      const dot = name.indexOf('.')
      if (dot > 0 && !name.startsWith('AWS::')) return this.getAtt(name.slice(0, dot), name.slice(dot + 1))
      return this.ref(name)
    })
  }

  private typeOf(id: string): string {
    const resource = this.resources[id]
    if (!resource) throw new Error(`iam-simulator: no resource ${id} in the template`)
    return resource.Type
  }

  // --- policies -------------------------------------------------------------------------------

  /** Every identity statement of a role. */
  roleStatements(roleId: string): PolicyStatement[] {
    const role = this.resources[roleId]
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`iam-simulator: ${roleId} is not a role`)
    const props = role.Properties ?? {}
    if (props.PermissionsBoundary) throw new Error(`iam-simulator: ${roleId} has a permissions boundary, which is not modelled`)
    const out: PolicyStatement[] = []
    for (const inline of list(props.Policies as { PolicyName: string; PolicyDocument: { Statement: Json } }[])) {
      out.push(...this.document(`${roleId}.${inline.PolicyName}`, inline.PolicyDocument))
    }
    const managed = new Set<string>()
    for (const arn of list(props.ManagedPolicyArns as Json[])) {
      const ref = (arn as { Ref?: string }).Ref
      if (!ref || this.resources[ref]?.Type !== 'AWS::IAM::ManagedPolicy') {
        throw new Error(`iam-simulator: ${roleId} has the managed policy ${JSON.stringify(arn)} from outside the template`)
      }
      managed.add(ref)
    }
    for (const [id, resource] of Object.entries(this.resources)) {
      const attached = list(resource.Properties?.Roles as Json[]).some((r) => (r as { Ref?: string }).Ref === roleId)
      if (resource.Type === 'AWS::IAM::Policy' && attached) out.push(...this.policyResource(id))
      if (resource.Type === 'AWS::IAM::ManagedPolicy' && attached) managed.add(id)
    }
    for (const id of managed) out.push(...this.policyResource(id))
    return out
  }

  /** The statements of an `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy` or `AWS::S3::BucketPolicy`. */
  policyResource(id: string): PolicyStatement[] {
    const resource = this.resources[id]
    const types = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::S3::BucketPolicy']
    if (!resource || !types.includes(resource.Type)) throw new Error(`iam-simulator: ${id} is not a policy`)
    return this.document(id, resource.Properties?.PolicyDocument)
  }

  /** The label of the one statement of a policy resource that `predicate` picks. */
  labelOf(policyId: string, predicate: (statement: PolicyStatement) => boolean): string {
    const found = this.policyResource(policyId).filter(predicate)
    if (found.length !== 1) throw new Error(`iam-simulator: ${found.length} statements of ${policyId} fit`)
    return found[0]!.label
  }

  /** The resource policies that apply to an ARN: its bucket's policy, or a role's trust policy. */
  resourcePolicies(arn: string): PolicyStatement[] {
    const s3 = new RegExp(`^arn:${this.partition}:s3:::([^/]+)`).exec(arn)
    if (s3) {
      return Object.entries(this.resources)
        .filter(([, r]) => r.Type === 'AWS::S3::BucketPolicy' && this.resolve(r.Properties?.Bucket) === s3[1])
        .flatMap(([id]) => this.policyResource(id))
    }
    const role = new RegExp(`^arn:${this.partition}:iam::${this.account}:role/(.+)$`).exec(arn)
    if (role && this.resources[role[1]!]?.Type === 'AWS::IAM::Role') {
      // A trust policy names no Resource: it is the role's own.
      return this.document(`${role[1]}.AssumeRolePolicyDocument`, this.resources[role[1]!]!.Properties?.AssumeRolePolicyDocument)
        .map((statement) => ({ ...statement, resource: statement.resource ?? [arn] }))
    }
    return []
  }

  private document(label: string, document: Json): PolicyStatement[] {
    const statements = list((document as { Statement?: RawStatement | RawStatement[] } | undefined)?.Statement)
    return statements.map((s, index) => this.statement(`${label}/${s.Sid ?? index}`, s))
  }

  private statement(label: string, s: RawStatement): PolicyStatement {
    if (s.NotPrincipal !== undefined) throw new Error(`iam-simulator: ${label} uses NotPrincipal, which is not modelled`)
    const strings = (value: Json): string[] => list(value as Json[]).map((v) => this.resolve(v))
    const out: { -readonly [K in keyof PolicyStatement]: PolicyStatement[K] } = { label, effect: s.Effect }
    if (s.Principal !== undefined) {
      out.principal =
        s.Principal === '*'
          ? '*'
          : Object.fromEntries(Object.entries(s.Principal as Record<string, Json>).map(([kind, v]) => [kind, strings(v)]))
    }
    if (s.Action !== undefined) out.action = strings(s.Action)
    if (s.NotAction !== undefined) out.notAction = strings(s.NotAction)
    if (s.Resource !== undefined) out.resource = strings(s.Resource)
    if (s.NotResource !== undefined) out.notResource = strings(s.NotResource)
    if (s.Condition !== undefined) {
      out.condition = Object.fromEntries(
        Object.entries(s.Condition).map(([operator, keys]) => [
          operator,
          Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, strings(v)])),
        ]),
      )
    }
    return out
  }

  // --- principals -----------------------------------------------------------------------------

  /** A session of a role in the template, with its identity policies and session tags. */
  roleSession(roleId: string, options: { session?: string; tags?: Record<string, string> } = {}): Principal {
    const roleArn = this.arnOf(roleId)
    return {
      arn: `arn:${this.partition}:sts::${this.account}:assumed-role/${roleId}/${options.session ?? 'session'}`,
      account: this.account,
      roleArn,
      tags: options.tags ?? {},
      statements: this.roleStatements(roleId),
    }
  }

  /** A session of a role that holds only these policy resources of the template. */
  holderOf(policyIds: readonly string[], options: { tags?: Record<string, string> } = {}): Principal {
    return {
      arn: `arn:${this.partition}:sts::${this.account}:assumed-role/PolicyHolder/session`,
      account: this.account,
      roleArn: `arn:${this.partition}:iam::${this.account}:role/PolicyHolder`,
      tags: options.tags ?? {},
      statements: policyIds.flatMap((id) => this.policyResource(id)),
    }
  }

  /** An IAM user of this account without policies of its own (for trust policies). */
  user(name: string, options: { tags?: Record<string, string> } = {}): Principal {
    return { arn: `arn:${this.partition}:iam::${this.account}:user/${name}`, account: this.account, tags: options.tags ?? {}, statements: [] }
  }

  // --- evaluation -----------------------------------------------------------------------------

  evaluate(principal: Principal, request: Request): Decision {
    const context = new Map<string, ContextValue>()
    for (const [key, value] of Object.entries(principal.tags)) context.set(`aws:principaltag/${key}`.toLowerCase(), value)
    context.set('aws:principalarn', principal.roleArn ?? principal.arn)
    context.set('aws:principalaccount', principal.account)
    for (const [key, value] of Object.entries(request.context ?? {})) {
      if (value !== undefined) context.set(key.toLowerCase(), value)
    }

    const matched: { statement: PolicyStatement; grants: string[] }[] = []
    for (const statement of principal.statements) {
      if (statement.principal !== undefined) throw new Error(`iam-simulator: identity statement ${statement.label} names a principal`)
      const grants = matches(statement, request, context)
      if (grants) matched.push({ statement, grants })
    }
    for (const statement of this.resourcePolicies(request.resource)) {
      if (!this.principalMatches(statement, principal)) continue
      const grants = matches(statement, request, context)
      if (grants) matched.push({ statement, grants })
    }

    const denies = matched.filter((m) => m.statement.effect === 'Deny')
    if (denies.length) return { verdict: 'explicit-deny', statements: denies.map((m) => m.statement.label), grants: [] }
    const allows = matched.filter((m) => m.statement.effect === 'Allow')
    if (allows.length) {
      return { verdict: 'allow', statements: allows.map((m) => m.statement.label), grants: allows.flatMap((m) => m.grants) }
    }
    return { verdict: 'implicit-deny', statements: [], grants: [] }
  }

  private principalMatches(statement: PolicyStatement, principal: Principal): boolean {
    const p = statement.principal
    if (p === undefined) throw new Error(`iam-simulator: resource statement ${statement.label} names no principal`)
    if (p === '*') return true
    return Object.entries(p).some(([kind, values]) => {
      if (kind === 'Service') return false // the principals made here are never services
      if (kind !== 'AWS') throw new Error(`iam-simulator: principal kind ${kind} in ${statement.label} is not modelled`)
      return values.some(
        (v) =>
          v === '*' ||
          v === principal.account ||
          v === `arn:${this.partition}:iam::${principal.account}:root` ||
          v === principal.roleArn ||
          v === principal.arn,
      )
    })
  }
}

// --- matching ---------------------------------------------------------------------------------

type Context = ReadonlyMap<string, ContextValue>

/** The grants (`<label> <action> <resource>`) by which a statement applies to the request, or undefined. */
function matches(statement: PolicyStatement, request: Request, context: Context): string[] | undefined {
  if (!statement.action === !statement.notAction) throw new Error(`iam-simulator: ${statement.label} needs exactly one of Action, NotAction`)
  if (!statement.resource === !statement.notResource) throw new Error(`iam-simulator: ${statement.label} needs exactly one of Resource, NotResource`)
  const actions = statement.action
    ? statement.action.filter((a) => actionMatches(a, request.action))
    : statement.notAction!.some((a) => actionMatches(a, request.action))
      ? []
      : [`NotAction[${statement.notAction!.join(',')}]`]
  if (!actions.length) return undefined
  const resources = statement.resource
    ? statement.resource.filter((r) => resourceMatches(r, request.resource, context))
    : statement.notResource!.some((r) => resourceMatches(r, request.resource, context))
      ? []
      : [`NotResource[${statement.notResource!.join(',')}]`]
  if (!resources.length) return undefined
  if (!conditionHolds(statement, context)) return undefined
  return actions.flatMap((a) => resources.map((r) => `${statement.label} ${a} ${r}`))
}

function actionMatches(pattern: string, action: string): boolean {
  const regex = globRegex([{ wild: pattern }], 'i')
  return regex.test(action)
}

/** Splits an ARN (or ARN pattern) into partition…account and the rest, leaving `${…}` whole. */
function arnParts(arn: string): string[] {
  const parts: string[] = []
  let current = ''
  let depth = 0
  for (let i = 0; i < arn.length; i++) {
    const c = arn[i]!
    if (c === '$' && arn[i + 1] === '{') depth++
    if (c === '}' && depth > 0) depth--
    if (c === ':' && depth === 0 && parts.length < 5) {
      parts.push(current)
      current = ''
    } else {
      current += c
    }
  }
  parts.push(current)
  return parts
}

function resourceMatches(pattern: string, resource: string, context: Context): boolean {
  if (pattern === '*') return true
  const want = arnParts(pattern)
  const have = arnParts(resource)
  if (want.length !== 6 || have.length !== 6) return false
  return want.every((part, i) => {
    const pieces = substitute(part, context)
    return pieces !== undefined && globRegex(pieces, '').test(have[i]!)
  })
}

/** A piece of a pattern: text with wildcards, or a substituted value that matches literally. */
type Piece = { wild: string } | { literal: string }

/** Splits a value at its policy variables and substitutes them; undefined when one is absent. */
function substitute(value: string, context: Context): Piece[] | undefined {
  const pieces: Piece[] = []
  let last = 0
  for (const m of value.matchAll(/\$\{([^}]*)\}/g)) {
    pieces.push({ wild: value.slice(last, m.index) })
    const name = m[1]!
    if (name === '*' || name === '?' || name === '$') {
      pieces.push({ literal: name })
    } else {
      if (name.includes(',')) throw new Error(`iam-simulator: policy variable defaults (${name}) are not modelled`)
      const v = context.get(name.toLowerCase())
      if (v === undefined) return undefined
      pieces.push({ literal: String(v) })
    }
    last = m.index + m[0].length
  }
  pieces.push({ wild: value.slice(last) })
  return pieces
}

function globRegex(pieces: readonly Piece[], flags: string): RegExp {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const body = pieces
    .map((p) =>
      'literal' in p
        ? escape(p.literal)
        : [...p.wild].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : escape(c))).join(''),
    )
    .join('')
  return new RegExp(`^${body}$`, flags)
}

const literalOf = (pieces: readonly Piece[]): string => pieces.map((p) => ('literal' in p ? p.literal : p.wild)).join('')

type Test = (actual: ContextValue, expected: Piece[]) => boolean
const numeric = (compare: (a: number, b: number) => boolean): Test => (a, e) => compare(Number(a), Number(literalOf(e)))
const arn: Test = (a, e) => resourceMatches(literalOf(e), String(a), new Map())

/** Each operator as a positive test; a negated operator holds when no value passes its test. */
const OPERATORS: Readonly<Record<string, { test: Test; negated: boolean }>> = {
  StringEquals: { test: (a, e) => String(a) === literalOf(e), negated: false },
  StringNotEquals: { test: (a, e) => String(a) === literalOf(e), negated: true },
  StringEqualsIgnoreCase: { test: (a, e) => String(a).toLowerCase() === literalOf(e).toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (a, e) => String(a).toLowerCase() === literalOf(e).toLowerCase(), negated: true },
  StringLike: { test: (a, e) => globRegex(e, '').test(String(a)), negated: false },
  StringNotLike: { test: (a, e) => globRegex(e, '').test(String(a)), negated: true },
  NumericEquals: { test: numeric((a, b) => a === b), negated: false },
  NumericNotEquals: { test: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { test: numeric((a, b) => a < b), negated: false },
  NumericLessThanEquals: { test: numeric((a, b) => a <= b), negated: false },
  NumericGreaterThan: { test: numeric((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { test: numeric((a, b) => a >= b), negated: false },
  Bool: { test: (a, e) => String(a).toLowerCase() === literalOf(e).toLowerCase(), negated: false },
  ArnEquals: { test: arn, negated: false },
  ArnLike: { test: arn, negated: false },
}

function conditionHolds(statement: PolicyStatement, context: Context): boolean {
  for (const [rawOperator, keys] of Object.entries(statement.condition ?? {})) {
    // Set operators over a context key that holds one value (the caller states it, as for
    // dynamodb:LeadingKeys of a single-item request): ForAllValues holds vacuously when the key
    // is absent, as IAM's does; ForAnyValue fails then. Lists of values are not modelled.
    const set = /^(ForAllValues|ForAnyValue):(.+)$/.exec(rawOperator)
    if (rawOperator.includes(':') && !set) throw new Error(`iam-simulator: set operator ${rawOperator} is not modelled`)
    const base = set ? set[2]! : rawOperator
    const ifExists = base.endsWith('IfExists')
    if (set && (ifExists || base === 'Null')) throw new Error(`iam-simulator: ${rawOperator} is not modelled`)
    const operator = ifExists ? base.slice(0, -'IfExists'.length) : base
    for (const [key, values] of Object.entries(keys)) {
      const actual = context.get(key.toLowerCase())
      if (set && actual === undefined) {
        if (set[1] === 'ForAllValues') continue
        return false
      }
      if (operator === 'Null') {
        if (ifExists) throw new Error('iam-simulator: NullIfExists is not an operator')
        const wantsAbsent = values.map((v) => v.toLowerCase() === 'true')
        if (!wantsAbsent.some((absent) => absent === (actual === undefined))) return false
        continue
      }
      const op = OPERATORS[operator]
      if (!op) throw new Error(`iam-simulator: condition operator ${rawOperator} is not modelled`)
      if (actual === undefined) {
        // An absent key: IfExists is true; otherwise positive operators fail and negated ones hold.
        if (ifExists || op.negated) continue
        return false
      }
      const expected = values.map((v) => substitute(v, context)).filter((p): p is Piece[] => p !== undefined)
      const any = expected.some((e) => op.test(actual, e))
      if (op.negated ? any : !any) return false
    }
  }
  return true
}

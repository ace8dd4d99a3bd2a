import type { Template } from 'aws-cdk-lib/assertions'

/** Helpers for reading IAM out of a synthesized template as plain, comparable strings. */

type Json = unknown

/**
 * A CloudFormation value as a readable string: Ref → `Id`, GetAtt → `Id.Attr`, Join → the
 * concatenation; `${aws:…}` policy variables stay as written.
 */
export function flat(value: Json): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value && typeof value === 'object') {
    const v = value as Record<string, Json>
    if (Array.isArray(v['Fn::Join'])) {
      const [delimiter, items] = v['Fn::Join'] as [string, Json[]]
      return items.map(flat).join(delimiter)
    }
    if (Array.isArray(v['Fn::GetAtt'])) return (v['Fn::GetAtt'] as string[]).join('.')
    if (typeof v.Ref === 'string') return v.Ref
  }
  return JSON.stringify(value)
}

function list<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

/** Conditions with every value flattened and every list sorted, so the order of writing does not matter. */
function flatConditions(conditions: Json): string {
  if (!conditions) return ''
  const out: Record<string, Record<string, string | string[]>> = {}
  for (const [operator, keys] of Object.entries(conditions as Record<string, Record<string, Json>>)) {
    out[operator] = {}
    for (const [key, value] of Object.entries(keys)) {
      out[operator][key] = Array.isArray(value) ? value.map(flat).sort() : flat(value)
    }
  }
  return ` if ${JSON.stringify(out)}`
}

export interface Statement {
  Effect: string
  Action: string | string[]
  Resource?: Json
  Condition?: Json
}

/** One line per effect × action × resource (× condition), sorted and unique. */
export function permissions(statements: readonly Statement[]): string[] {
  const lines = new Set<string>()
  for (const s of statements) {
    for (const action of list(s.Action)) {
      for (const resource of list(s.Resource)) {
        lines.add(`${s.Effect} ${action} ${flat(resource)}${flatConditions(s.Condition)}`)
      }
    }
  }
  return [...lines].sort()
}

/** Every statement that applies to the role: inline policies, attached AWS::IAM::Policy, managed policies in the template. */
export function roleStatements(template: Template, roleId: string): { statements: Statement[]; externalManagedPolicies: Json[] } {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, Json> }>
  const role = resources[roleId]
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`no role ${roleId}`)
  const statements: Statement[] = []
  for (const policy of list(role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])) {
    statements.push(...policy.PolicyDocument.Statement)
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue
    const roles = list(resource.Properties.Roles as Json[]).map(flat)
    if (roles.includes(roleId)) {
      statements.push(...(resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    }
  }
  const externalManagedPolicies: Json[] = []
  for (const arn of list(role.Properties.ManagedPolicyArns as Json[])) {
    const ref = flat(arn)
    const managed = resources[ref]
    if (managed?.Type === 'AWS::IAM::ManagedPolicy') {
      statements.push(...(managed.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    } else {
      externalManagedPolicies.push(arn)
    }
  }
  return { statements, externalManagedPolicies }
}

/** `Allow a b` for every action × resource pair. */
export function allow(actions: readonly string[], resources: readonly string[], condition = ''): string[] {
  return actions.flatMap((a) => resources.map((r) => `Allow ${a} ${r}${condition}`))
}

export function stringLikePrefix(prefixes: readonly string[]): string {
  return ` if ${JSON.stringify({ StringLike: { 's3:prefix': [...prefixes].sort() } })}`
}

/** A resource of a synthesized template. */
export interface CfnResourceJson {
  Type: string
  Properties?: Record<string, unknown>
  DeletionPolicy?: string
  UpdateReplacePolicy?: string
  DependsOn?: string[]
}

/** Properties that only refer to a name held elsewhere, or a name scoped inside another resource. */
const NOT_A_CLAIM: Readonly<Record<string, readonly string[]>> = {
  // A saved query's name is unique only within its workgroup (which is the stage's own).
  'AWS::Athena::NamedQuery': ['Name'],
  // Names the database the table lives in (the stage's own), it does not claim it.
  'AWS::Glue::Table': ['DatabaseName'],
  // Names the group the schedule lives in (the stage's own); its name is unique only in that group.
  'AWS::Scheduler::Schedule': ['GroupName', 'Name'],
  // An inline policy's name is unique only on its role.
  'AWS::IAM::Policy': ['PolicyName'],
  // The metric an alarm watches.
  'AWS::CloudWatch::Alarm': ['MetricName'],
  // An HTTP API's authorizer and stage names are unique only within their API (the stage's own).
  'AWS::ApiGatewayV2::Authorizer': ['Name'],
  'AWS::ApiGatewayV2::Stage': ['StageName'],
}

/**
 * Every name a stack claims in its account and region: each top-level `…Name` property that is
 * literal text (a Ref or GetAtt names something the stack created under a generated name), and
 * the Glue database's name. DisplayName is a label, not a name.
 */
export function namesClaimedBy(resource: CfnResourceJson): string[] {
  const names: string[] = []
  const skip = NOT_A_CLAIM[resource.Type] ?? []
  for (const [key, value] of Object.entries(resource.Properties ?? {})) {
    if (key.endsWith('Name') && key !== 'DisplayName' && !skip.includes(key) && typeof value === 'string') {
      names.push(`${resource.Type} ${key} ${value}`)
    }
  }
  const database = (resource.Properties?.DatabaseInput as { Name?: unknown } | undefined)?.Name
  if (resource.Type === 'AWS::Glue::Database' && typeof database === 'string') names.push(`${resource.Type} Name ${database}`)
  return names
}

/** namesClaimedBy for every resource of a template, sorted. */
export function claimedNames(resources: Record<string, CfnResourceJson>): string[] {
  return Object.values(resources).flatMap(namesClaimedBy).sort()
}

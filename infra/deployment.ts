import type { App, Environment } from 'aws-cdk-lib'
import { parseStage, stageNames } from '../schemas/stage-names.ts'
import { VillageAppraisalStack } from './village-appraisal-stack.ts'
import type { VillageAppraisalStackProps } from './village-appraisal-stack.ts'

/**
 * What `cdk synth|deploy|destroy -c <key>=<value>` may set (the README, "Deploying", lists each).
 * Context from the command line is text; from cdk.json it may be a boolean or a number.
 */
export const CONTEXT_KEYS = ['stage', 'customerManagedKey', 'validateReservedConcurrency', 'aggregateReservedConcurrency', 'opsEmail', 'oidcIssuer', 'oidcAudience'] as const
export type ContextKey = (typeof CONTEXT_KEYS)[number]

/** Keys this app once read and no longer does, with what replaced them. */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  tablePrefix: 'use -c stage=<name> instead: a stage names the stack and every table, database, workgroup, schedule group and topic',
}

function flag(value: unknown, key: string): boolean {
  if (value === undefined || value === true || value === false) return value === true
  if (value === 'true' || value === 'false') return value === 'true'
  throw new Error(`-c ${key}=${String(value)}: expected true or false`)
}

function count(value: unknown, key: string, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < min) throw new Error(`-c ${key}=${String(value)}: expected a whole number, at least ${min}`)
  return n
}

function email(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined
  const text = String(value)
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) throw new Error(`-c opsEmail=${text}: expected an e-mail address`)
  return text
}

function oidc(issuer: unknown, audience: unknown): { issuer: string; audience: string } | undefined {
  if (issuer === undefined && audience === undefined) return undefined
  if (typeof issuer !== 'string' || !/^https:\/\/[^\s/]+/.test(issuer)) throw new Error(`-c oidcIssuer=${String(issuer)}: expected the issuer's https:// URL`)
  if (typeof audience !== 'string' || audience === '') throw new Error('-c oidcIssuer needs -c oidcAudience=<the client id the tokens are issued to>')
  return { issuer, audience }
}

/** The stack's props from the app's context (the same reading for `cdk` and the tests). */
export function propsFromContext(app: App): VillageAppraisalStackProps {
  for (const [key, advice] of Object.entries(RETIRED_KEYS)) {
    if (app.node.tryGetContext(key) !== undefined) throw new Error(`-c ${key} is no longer read: ${advice}`)
  }
  const context = (key: ContextKey): unknown => app.node.tryGetContext(key)
  return {
    stage: parseStage(context('stage')),
    customerManagedKey: flag(context('customerManagedKey'), 'customerManagedKey'),
    // None reserved unless asked for: see VillageAppraisalStackProps and the README's quota check.
    validateReservedConcurrency: count(context('validateReservedConcurrency'), 'validateReservedConcurrency', 2),
    aggregateReservedConcurrency: count(context('aggregateReservedConcurrency'), 'aggregateReservedConcurrency', 1),
    opsEmail: email(context('opsEmail')),
    oidc: oidc(context('oidcIssuer'), context('oidcAudience')),
  }
}

/** The stage's stack, named after it (VillageAppraisal for prod, VillageAppraisal-<stage> otherwise). */
export function addDeployment(app: App, env?: Environment, page?: { portalSite: string }): VillageAppraisalStack {
  const props = propsFromContext(app)
  const names = stageNames(props.stage)
  return new VillageAppraisalStack(app, names.stackName, {
    ...props,
    ...page,
    description: `village-appraisal (${names.stage}): county uploads validated, curated and appraised each quarter`,
    ...(env ? { env } : {}),
  })
}

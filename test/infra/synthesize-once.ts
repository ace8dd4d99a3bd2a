import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App } from 'aws-cdk-lib'
import type { Environment } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import type { TestProject } from 'vitest/node'
import { addDeployment } from '../../infra/deployment.ts'
import type { StageNames } from '../../schemas/stage-names.ts'
import { cdkCommands, contextKey, deploySections, shellLines } from './readme-commands.ts'
import { stackIds } from './stack-ids.ts'
import type { StackIds } from './stack-ids.ts'

/**
 * Vitest globalSetup of the infra tests: every stack they read is synthesized here, once per
 * `vitest run`, before any test worker starts, and written to a temporary directory that the
 * test files read (test/infra/synthesized.ts). A globalSetup has no hook timeout, so a slow
 * bundling on a loaded machine delays the run instead of skipping the tests.
 */

export interface Variant {
  /** Bundle the functions with esbuild (one variant does, for the bundle checks). */
  bundle: boolean
  /** `-c key=value` as the cdk command line passes it: text. */
  context: Record<string, string>
  /** Where the stack is pinned; environment-agnostic when left out, as `cdk synth` without credentials. */
  env?: Environment
  /** Synthesize with a built portal page (as after `npm start`), so the page's deployment is in the stack. */
  page?: boolean
}

/** Built as infra/app.ts builds them (infra/deployment.ts), each in its own App. */
export const VARIANTS = {
  /** The production stage as deployed by default, functions bundled. */
  prod: { bundle: true, context: {} },
  /** The production stage with the customer managed key. */
  cmk: { bundle: false, context: { customerManagedKey: 'true' } },
  /** A second stage, beside prod in the same account. */
  dev: { bundle: false, context: { stage: 'dev' } },
  /** The China regions (partition aws-cn), pinned as `cdk deploy` pins them from the credentials. */
  cnNorthwest: { bundle: false, context: {}, env: { region: 'cn-northwest-1', account: '123456789012' } },
  cnNorthwestCmk: { bundle: false, context: { customerManagedKey: 'true' }, env: { region: 'cn-northwest-1', account: '123456789012' } },
  cnNorth: { bundle: false, context: {}, env: { region: 'cn-north-1', account: '123456789012' } },
  cnNorthCmk: { bundle: false, context: { customerManagedKey: 'true' }, env: { region: 'cn-north-1', account: '123456789012' } },
  /** As `npx cdk synth` after `npm start` on a machine with a region: the page built, the stack pinned to us-east-1. */
  pageUsEast1: { bundle: false, context: {}, env: { region: 'us-east-1', account: '123456789012' }, page: true },
  /** The portal trusting a province's own OpenID Connect issuer instead of the stack's Cognito user pool. */
  oidc: { bundle: false, context: { oidcIssuer: 'https://sso.example.gov.cn/realms/guizhou', oidcAudience: 'va-portal' } },
  /** Every optional context key set: concurrency reserved (for an account whose quota allows it), the on-call's e-mail. */
  options: {
    bundle: false,
    context: { validateReservedConcurrency: '10', aggregateReservedConcurrency: '1', opsEmail: 'oncall@example.org' },
  },
} satisfies Record<string, Variant>

export type VariantName = keyof typeof VARIANTS

/** What a test file reads back for one variant. */
export interface SynthesizedVariant {
  stackName: string
  /** The stage's names as the stack used them (schemas/stage-names.ts). */
  names: StageNames
  template: Record<string, unknown>
  ids: StackIds
  /** cdk-nag AwsSolutions findings not acknowledged, one line each. */
  nag: string[]
  /** The cloud assembly directory (assets included). */
  assembly: string
}

export function synthesize(dir: string, name: VariantName, variant: Variant): SynthesizedVariant {
  const assembly = join(dir, `assembly-${name}`)
  const app = new App({ outdir: assembly, context: { ...variant.context, ...(variant.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } })
  let page: { portalSite: string } | undefined
  if (variant.page) {
    page = { portalSite: join(dir, `page-${name}`) }
    mkdirSync(page.portalSite, { recursive: true })
    writeFileSync(join(page.portalSite, 'index.html'), '<!doctype html><title>portal</title>')
  }
  const stack = addDeployment(app, variant.env, page)
  const cloud = app.synth()
  const report = new AwsSolutionsChecks(app).validateScope(app)
  return {
    stackName: stack.stackName,
    names: stack.names,
    template: cloud.getStackByName(stack.stackName).template as Record<string, unknown>,
    ids: stackIds(stack),
    nag: report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    assembly,
  }
}

/** What one README `npx cdk` command's context synthesizes to, or why it does not. */
export interface ReadmeSynthesis {
  line: string
  stackName?: string
  error?: string
}

/** Each README command's context, built as infra/app.ts would build it (variants reused). */
function synthesizeReadme(dir: string): ReadmeSynthesis[] {
  const known = new Map<string, string>()
  for (const [name, variant] of Object.entries(VARIANTS) as [VariantName, Variant][]) {
    if (!('env' in variant)) known.set(contextKey(variant.context), (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as SynthesizedVariant).stackName)
  }
  return cdkCommands(shellLines(deploySections())).map(({ line, context }) => {
    const key = contextKey(context)
    try {
      if (!known.has(key)) {
        const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } })
        const stack = addDeployment(app)
        app.synth()
        known.set(key, stack.stackName)
      }
      return { line, stackName: known.get(key) as string }
    } catch (error) {
      return { line, error: String(error) }
    }
  })
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'va-infra-synth-'))
  for (const [name, variant] of Object.entries(VARIANTS) as [VariantName, Variant][]) {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(synthesize(dir, name, variant)))
  }
  writeFileSync(join(dir, 'readme.json'), JSON.stringify(synthesizeReadme(dir)))
  project.provide('infraSynthDir', dir)
  return () => rmSync(dir, { recursive: true, force: true })
}

declare module 'vitest' {
  export interface ProvidedContext {
    infraSynthDir: string
  }
}

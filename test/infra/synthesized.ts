import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Template } from 'aws-cdk-lib/assertions'
import { inject } from 'vitest'
import type { ReadmeSynthesis, SynthesizedVariant, VariantName } from './synthesize-once.ts'
import type { CfnResourceJson } from './template-helpers.ts'

/**
 * A stack synthesized once for the whole run by test/infra/synthesize-once.ts, read back from
 * its JSON: the template (as an assertions Template and as plain resources), the logical ids of
 * the constructs the tests name, and cdk-nag's findings.
 */
export interface Synthesized extends SynthesizedVariant {
  assertions: Template
  resources: Record<string, CfnResourceJson & { Properties: Record<string, unknown> }>
}

const cache = new Map<VariantName, Synthesized>()

export function synthesized(name: VariantName): Synthesized {
  const found = cache.get(name)
  if (found) return found
  const variant = JSON.parse(readFileSync(join(inject('infraSynthDir'), `${name}.json`), 'utf8')) as SynthesizedVariant
  // Template.fromJSON also fails on a dependency cycle, which key policies naming buckets create.
  const read: Synthesized = {
    ...variant,
    assertions: Template.fromJSON(variant.template),
    resources: (variant.template as { Resources: Synthesized['resources'] }).Resources,
  }
  cache.set(name, read)
  return read
}

/** What each `npx cdk` command of the README synthesized to (test/infra/synthesize-once.ts). */
export function readmeSyntheses(): ReadmeSynthesis[] {
  return JSON.parse(readFileSync(join(inject('infraSynthDir'), 'readme.json'), 'utf8')) as ReadmeSynthesis[]
}

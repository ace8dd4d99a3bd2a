/**
 * The layer rules (.dependency-cruiser.cjs) forbid what they say and nothing else: run over a
 * miniature of the repository (test/fixtures/layers/) that makes every import a layer may
 * make, and breaks each rule once, they report exactly the breaks. A rule whose pattern
 * matched nothing would pass any code; this is what shows that none does.
 */
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { CHECKER_BACKSTOP_MS, DEPCRUISE_CONFIG, LAYER_FIXTURE, layerViolations, type LayerViolation } from './tools.ts'

const F = 'functions'
/** Each file of the fixture that breaks a rule, with what it imports, sorted by rule. */
const EXPECTED: LayerViolation[] = [
  { rule: 'adapters-import-inwards', from: `${F}/adapters/imports-the-composition-root.ts`, to: `${F}/composition/runtime.ts` },
  { rule: 'adapters-use-port-types-only', from: `${F}/adapters/imports-use-case-code.ts`, to: `${F}/use-cases/ports.ts` },
  { rule: 'composition-builds-adapters', from: `${F}/composition/imports-a-handler.ts`, to: `${F}/handlers/handle-ok.ts` },
  { rule: 'core-is-pure', from: `${F}/core/imports-a-port.ts`, to: `${F}/use-cases/ports.ts` },
  { rule: 'core-no-aws-sdk', from: `${F}/core/imports-the-aws-sdk.ts`, to: 'npm:@aws-sdk/client-s3' },
  { rule: 'core-no-node-io', from: `${F}/core/reads-a-file.ts`, to: 'fs' },
  { rule: 'functions-folders-are-layers', from: 'test/uses-an-unlayered-folder.ts', to: `${F}/shared/helper.ts` },
  { rule: 'handlers-import-inwards', from: `${F}/handlers/imports-another-handler.ts`, to: `${F}/handlers/handle-ok.ts` },
  { rule: 'handlers-import-inwards', from: `${F}/handlers/imports-the-cli.ts`, to: `${F}/cli/cli-ok.ts` },
  { rule: 'infra-schemas-and-cdk-only', from: 'infra/imports-function-code.ts', to: `${F}/core/pure.ts` },
  { rule: 'infra-schemas-and-cdk-only', from: 'infra/imports-zod-directly.ts', to: 'npm:zod' },
  { rule: 'no-circular', from: `${F}/core/cycle-a.ts`, to: `${F}/core/cycle-b.ts` },
  { rule: 'outer-layers-not-imported', from: `${F}/handlers/imports-the-cli.ts`, to: `${F}/cli/cli-ok.ts` },
  { rule: 'outer-layers-stay-in-functions', from: `${F}/cli/imports-infra.ts`, to: 'infra/stack-ok.ts' },
  { rule: 'portal-page-imports-core-and-schemas', from: `${F}/portal/src/imports-an-adapter.ts`, to: `${F}/adapters/s3-store.ts` },
  { rule: 'portal-page-no-node', from: `${F}/portal/src/inflates-with-zlib.ts`, to: 'zlib' },
  { rule: 'schemas-only-zod', from: 'schemas/imports-a-builtin.ts', to: 'path' },
  { rule: 'schemas-only-zod', from: 'schemas/imports-core.ts', to: `${F}/core/pure.ts` },
  { rule: 'use-cases-no-direct-io', from: `${F}/use-cases/does-io-directly.ts`, to: 'child_process' },
  { rule: 'use-cases-no-direct-io', from: `${F}/use-cases/does-io-directly.ts`, to: 'fs/promises' },
  { rule: 'use-cases-no-direct-io', from: `${F}/use-cases/does-io-directly.ts`, to: 'os' },
  { rule: 'use-cases-through-ports', from: `${F}/use-cases/imports-an-adapter.ts`, to: `${F}/adapters/s3-store.ts` },
]

describe('the layer rules', () => {
  it('report each break in the miniature repository, and none of the imports the layers may make', async () => {
    expect(await layerViolations(LAYER_FIXTURE)).toEqual(EXPECTED)
  }, CHECKER_BACKSTOP_MS)

  it('are each shown breaking in the miniature: no rule goes untested', () => {
    const config = createRequire(import.meta.url)(DEPCRUISE_CONFIG) as { forbidden: { name: string }[] }
    expect(config.forbidden.map((r) => r.name).sort()).toEqual([...new Set(EXPECTED.map((v) => v.rule))].sort())
  })
})

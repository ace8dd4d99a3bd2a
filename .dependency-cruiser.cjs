/**
 * The layers of STYLE.md ("thin handlers over a pure core"), checked: `npm run layers`.
 * Dependencies point inwards:
 *
 *   handlers     → use-cases, adapters, composition, core, schemas
 *   composition  → adapters, use-cases, core, config data, schemas   (builds adapters from the env)
 *   adapters     → use-cases (port types only), adapters, core, schemas
 *   use-cases    → use-cases, core, schemas                           (no adapters, no fs/os/child_process)
 *   core         → core, schemas                                      (no node:* at all, no @aws-sdk)
 *   schemas      → schemas, zod
 *   infra        → infra, schemas, aws-cdk-lib, constructs, cdk-nag, esbuild (the bundler), node built-ins
 *   portal/src   → portal/src, core, schemas, browser packages        (the page: no adapters, no node:*)
 *   cli, local, demo, portal: outer layers; may use anything in functions/ and schemas/, and only
 *                 each other, test/ and bench/ may import them
 *   test/, bench/: anything
 *
 * Each layer has an allow-list of the project folders it may import (one rule per layer, so a
 * violation names the layer it breaks), plus the outside modules it must not touch; nothing is
 * circular. test/architecture/layer-rules.test.ts shows every rule catching a break.
 */

/** Project code a layer may not reach unless it is on the layer's allow-list. */
const PROJECT = '^(functions|schemas|infra|test|bench)/'
/** The folders of functions/ that are layers (config and sql hold data, not code). */
const LAYERS = ['handlers', 'composition', 'use-cases', 'core', 'adapters', 'cli', 'local', 'demo', 'portal', 'config', 'sql']
const inFunctions = (...names) => `^functions/(${names.join('|')})/`

/** A rule: modules under `from` may import, of the project, only what `allowed` matches. */
function onlyImports(name, comment, from, allowed) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: PROJECT, pathNot: allowed } }
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    onlyImports(
      'handlers-import-inwards',
      'A handler parses its event, calls one use case and returns: it may use use-cases, adapters, the composition root, core and schemas, and no other handler.',
      inFunctions('handlers'),
      `${inFunctions('use-cases', 'adapters', 'composition', 'core')}|^schemas/`,
    ),
    onlyImports(
      'composition-builds-adapters',
      'The composition root builds adapters from the environment for one runtime: adapters, use-cases, core, schemas and configuration data, never a handler or an outer layer.',
      inFunctions('composition'),
      `${inFunctions('composition', 'adapters', 'use-cases', 'core', 'config')}|^schemas/`,
    ),
    onlyImports(
      'use-cases-through-ports',
      'A use case reaches I/O through ports (types defined in use-cases), so it imports only core, schemas and other use cases: never an adapter.',
      inFunctions('use-cases'),
      `${inFunctions('use-cases', 'core')}|^schemas/`,
    ),
    {
      name: 'use-cases-no-direct-io',
      comment: 'A use case that reads files, the OS or child processes directly cannot run on another runtime: give it a port.',
      severity: 'error',
      from: { path: inFunctions('use-cases') },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|os|child_process)$' },
    },
    onlyImports(
      'core-is-pure',
      'Core is pure functions over values: it imports only core and schemas.',
      inFunctions('core'),
      `${inFunctions('core')}|^schemas/`,
    ),
    {
      name: 'core-no-node-io',
      comment: 'Core does no I/O: files, processes, the network and the machine come in through ports (hashing, inflating and byte buffers are computation, allowed until the core is built for the browser).',
      severity: 'error',
      from: { path: inFunctions('core') },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|os|child_process|net|http|https|dgram|dns|tls|cluster|worker_threads|process|readline|v8|vm)$' },
    },
    {
      name: 'core-no-aws-sdk',
      comment: 'Core never talks to AWS: the SDK belongs in adapters.',
      severity: 'error',
      from: { path: inFunctions('core') },
      to: { path: '(^|/)node_modules/@aws-sdk/' },
    },
    {
      name: 'schemas-only-zod',
      comment: 'schemas/ is shared by infra and functions: it imports other schemas and zod (and the zod schemas the Powertools parser ships for AWS events), nothing else.',
      severity: 'error',
      from: { path: '^schemas/' },
      to: { pathNot: '^schemas/|(^|/)node_modules/zod/|(^|/)node_modules/@aws-lambda-powertools/parser/' },
    },
    onlyImports(
      'adapters-import-inwards',
      'An adapter implements a port over one technology: it may use core, schemas, use-cases (for the port types) and other adapters.',
      inFunctions('adapters'),
      `${inFunctions('adapters', 'use-cases', 'core')}|^schemas/`,
    ),
    {
      name: 'adapters-use-port-types-only',
      comment: 'An adapter imports a use case only for its port types (`import type`), never its code: that would point the dependency outwards at run time.',
      severity: 'error',
      from: { path: inFunctions('adapters') },
      to: { path: inFunctions('use-cases'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'infra-schemas-and-cdk-only',
      comment: 'The CDK app imports schemas/ (env keys, table columns), the CDK, esbuild (it bundles the functions) and node built-ins, and nothing that runs.',
      severity: 'error',
      from: { path: '^infra/' },
      to: {
        pathNot: '^(infra|schemas)/|(^|/)node_modules/(aws-cdk-lib|constructs|cdk-nag|esbuild)/',
        dependencyTypesNot: ['core'],
      },
    },
    onlyImports(
      'portal-page-imports-core-and-schemas',
      'The portal page runs in a browser: it may use its own code, core (the validator, the report\'s charts) and schemas, never adapters, use cases, handlers or the local runtime.',
      '^functions/portal/src/',
      `^functions/portal/src/|${inFunctions('core')}|^schemas/`,
    ),
    {
      name: 'portal-page-no-node',
      comment: 'A browser has no node: modules; the page gets its bytes, inflating and hashing from the browser (portal/src/check/browser-byte-codecs.ts).',
      severity: 'error',
      from: { path: '^functions/portal/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'outer-layers-not-imported',
      comment: 'cli, local, demo and portal are entry points: only each other, test/ and bench/ may import them.',
      severity: 'error',
      from: { pathNot: `${inFunctions('cli', 'local', 'demo', 'portal')}|^(test|bench)/` },
      to: { path: inFunctions('cli', 'local', 'demo', 'portal') },
    },
    {
      name: 'outer-layers-stay-in-functions',
      comment: 'cli, local, demo and portal may use anything in functions/ and schemas/ (the page less: see above), but not the CDK app.',
      severity: 'error',
      from: { path: inFunctions('cli', 'local', 'demo', 'portal') },
      to: { path: '^infra/' },
    },
    {
      name: 'functions-folders-are-layers',
      comment: `Every folder of functions/ is a layer with rules (${LAYERS.join(', ')}): a new one must be added here, or its code would escape them.`,
      severity: 'error',
      from: {},
      to: { path: '^functions/', pathNot: inFunctions(...LAYERS) },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other, directly or through others, cannot be understood, tested or layered one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // `import type` is kept, so that type-only imports are seen (and allowed where a rule says).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: '(^|/)node_modules/' },
    // test/fixtures/layers/ breaks every rule on purpose (test/architecture/layer-rules.test.ts).
    // node_modules is not followed but stays in the graph: the rules about zod, the AWS SDK
    // and the CDK look at those edges.
    exclude: { path: '^(cdk\\.out|\\.va|test/fixtures)/' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
}

import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Two cores: integration tests start emulators and DuckDB; keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    // Backstops against a hang, not speed limits: no test asserts time, and on a loaded 2-core
    // machine a slow test must still pass (STYLE.md).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: '1' },
    // Every test is under test/: the infra project takes test/infra/, the pipeline project the rest.
    projects: [
      {
        // The infra tests read stacks synthesized once per run, before the workers start
        // (test/infra/synthesize-once.ts); the setup runs only when an infra test is selected.
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], globalSetup: ['test/infra/synthesize-once.ts'] },
      },
      {
        extends: true,
        test: { name: 'pipeline', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/infra/**'] },
      },
    ],
  },
})

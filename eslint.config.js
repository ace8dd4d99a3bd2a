// Lint with types (`npm run lint`): above all, every promise is awaited or handed on
// (STYLE.md: "Every handler call is awaited"), and no promise is passed where a plain value
// or a void callback is expected. Style is left to the code as it is written.
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import tseslint from 'typescript-eslint'

export default defineConfig(
  globalIgnores(['node_modules/', 'cdk.out/', '.va/', 'functions/portal/dist/', 'bench/results/', 'bench/.build/', 'test/.artifacts/', 'test/fixtures/']),
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The point of linting with types here.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Off: String(x) of a value typed unknown is how this code writes "whatever it is, as
      // text" (DynamoDB attributes, CDK context values, thrown non-errors, Parquet cells); the
      // rule flags every one of them, and objects never reach those places.
      '@typescript-eslint/no-base-to-string': 'off',
      // `_` marks what is unused on purpose; `...rest` drops the keys named beside it.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Dead expressions stay errors (`expect(x).toBeTruthy` without its call); a ternary or
      // `&&` run for its effect is a way of writing, not a mistake.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],

      // Off: style, not defects.
      // `async` is how this code says "returns a promise" (ports, byte sources, test fakes),
      // and it turns a synchronous throw into a rejection, which callers rely on.
      '@typescript-eslint/require-await': 'off',
      // A harmless backslash (`\$` in a usage text) changes nothing that runs.
      'no-useless-escape': 'off',
    },
  },
  {
    // Tests read JSON (`JSON.parse` gives `any`) and match with vitest's asymmetric matchers
    // (`expect.any(Number)` is typed `any`): the assertions themselves check those shapes.
    // Production code keeps these rules.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The JavaScript configuration files at the root (no types to check).
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [js.configs.recommended],
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
)

import { cpSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { AssetHashType, DockerImage, RemovalPolicy } from 'aws-cdk-lib'
import type { BundlingOptions, Duration, ILocalBundling, Size } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { buildSync, type BuildOptions, type Metafile } from 'esbuild'

/** The repository root: entries, the lock file and tsconfig are resolved from here. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * esbuild writes ESM; some dependencies still call `require` (CommonJS inside ESM bundles),
 * which ESM does not define. The banner gives them one. Named so it cannot clash with an
 * import the bundle itself makes.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as vaCreateRequire } from 'node:module'; const require = vaCreateRequire(import.meta.url);"

/**
 * The bundle keeps the repository's layout: the handler and its chunks one folder down
 * (`handlers/`) and the SQL files in `sql/` beside it. Modules that find their files relative
 * to themselves, as `new URL('../sql/', import.meta.url)` in functions/adapters/sql-files.ts,
 * then resolve to the same files in Lambda as in the repository (every chunk sits in
 * `handlers/`, so every module's import.meta.url is one file of that folder).
 */
export const BUNDLE_HANDLER_DIR = 'handlers'
export const BUNDLED_FOLDERS = ['functions/sql'] as const

/**
 * How every Lambda is bundled (the stack below and bench/bundle.ts alike): ESM with code
 * splitting, so what a handler loads with `import()` (exceljs for annotated workbooks, echarts
 * for the report's charts) lands in chunks of its own that Lambda reads only when the code
 * runs, not at init. `handlers/index.mjs` is the entry; `handlers/chunk-*.mjs` the rest.
 * Minified with names kept (stack traces stay readable; a source map would double the
 * artifact). The AWS SDK is bundled: the versions pinned in package-lock.json are the ones
 * tested locally, and the runtime's copy, unbundled, imports slower (README, Performance).
 */
export function lambdaBuildOptions(entry: string, outdir: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: { index: join(REPO_ROOT, entry) },
    outdir: join(outdir, BUNDLE_HANDLER_DIR),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    keepNames: true,
    sourcemap: false,
    charset: 'utf8',
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
    logLevel: 'error',
    metafile: true,
  }
}

/** Bundles a handler into `outdir` as the stack deploys it, the SQL files beside it. */
export function bundleLambda(entry: string, outdir: string): Metafile {
  const { metafile } = buildSync(lambdaBuildOptions(entry, outdir))
  for (const folder of BUNDLED_FOLDERS) cpSync(join(REPO_ROOT, folder), join(outdir, folder.split('/').pop()!), { recursive: true })
  return metafile
}

/**
 * esbuild in this process, no Docker (none here or in CI). NodejsFunction cannot split code
 * (it passes esbuild one `--outfile`), hence a plain Function over this asset. `entry` is a
 * field so that each handler's asset has its own cache key.
 */
class LocalEsbuild implements ILocalBundling {
  constructor(readonly entry: string) {}
  tryBundle(outputDir: string): boolean {
    bundleLambda(this.entry, outputDir)
    return true
  }
}

export interface PipelineFunctionProps {
  /** Handler file, relative to the repository root. */
  entry: string
  /** POWERTOOLS_SERVICE_NAME: the `service` key of every log line. */
  serviceName: string
  memorySize: number
  timeout: Duration
  ephemeralStorage?: Size
  reservedConcurrentExecutions?: number
  environment: Record<string, string>
  description: string
}

/**
 * A Node.js Lambda function with the project's bundling, its own log group and its own role.
 * The role starts empty (no AWSLambdaBasicExecutionRole): every permission is added by the
 * caller as an explicit statement, so that the tests can hold each role to an exact list.
 */
export class PipelineFunction extends Construct {
  readonly function: lambda.Function
  readonly role: iam.Role
  readonly logGroup: logs.LogGroup

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id)

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    })

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    })
    // The log group exists already (created above), so the function needs no CreateLogGroup.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    )

    const bundling: BundlingOptions = {
      // Used only if local bundling declined, which it never does; no image is ever pulled.
      image: DockerImage.fromRegistry('unused-local-esbuild'),
      local: new LocalEsbuild(props.entry),
    }
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(REPO_ROOT, { assetHashType: AssetHashType.OUTPUT, bundling }),
      handler: `${BUNDLE_HANDLER_DIR}/index.handler`,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.ephemeralStorage ? { ephemeralStorageSize: props.ephemeralStorage } : {}),
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, POWERTOOLS_SERVICE_NAME: props.serviceName },
    })
  }

  /** Adds one explicit statement to the execution role. */
  allow(statement: iam.PolicyStatementProps): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement))
  }
}

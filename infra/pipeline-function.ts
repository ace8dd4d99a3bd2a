import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { RemovalPolicy } from 'aws-cdk-lib'
import type { Duration, Size } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { Charset, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

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
 * The bundle keeps the repository's layout: the handler one folder down (`handlers/`) and the
 * SQL files in `sql/` beside it. Modules that find their files relative to themselves, as
 * `new URL('../sql/', import.meta.url)` in functions/adapters/sql-files.ts, then resolve to
 * the same files in Lambda as in the repository (a bundle is one file, so every module's
 * import.meta.url is the bundle's).
 */
export const BUNDLE_HANDLER_DIR = 'handlers'
export const BUNDLED_FOLDERS = ['functions/sql'] as const

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
  readonly function: NodejsFunction
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

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: `${BUNDLE_HANDLER_DIR}/index.handler`,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
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
      bundling: {
        // No Docker here or in CI: esbuild from node_modules does the bundling.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        // Stack traces stay readable enough with names kept; a source map would double the
        // artifact and cost cold-start time on every invocation.
        keepNames: true,
        sourceMap: false,
        charset: Charset.UTF8,
        // The SDK versions pinned in package-lock.json are the ones tested locally; the copy in
        // the runtime changes under us without a deploy.
        bundleAwsSDK: true,
        tsconfig: join(REPO_ROOT, 'tsconfig.json'),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `mkdir -p "${outputDir}/${BUNDLE_HANDLER_DIR}"`,
            `mv "${outputDir}/index.mjs" "${outputDir}/${BUNDLE_HANDLER_DIR}/index.mjs"`,
            ...BUNDLED_FOLDERS.map((folder) => {
              const name = folder.split('/').pop() as string
              return `cp -R "${inputDir}/${folder}" "${outputDir}/${name}"`
            }),
          ],
        },
      },
    })
  }

  /** Adds one explicit statement to the execution role. */
  allow(statement: iam.PolicyStatementProps): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement))
  }
}

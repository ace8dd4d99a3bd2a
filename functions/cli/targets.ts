import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import type { AggregateEvent } from '../../schemas/events.ts'
import { parseStage, stageNames } from '../../schemas/stage-names.ts'
import { AggregateEnvSchema } from '../../schemas/env.ts'
import { s3ClientConfig } from '../adapters/s3-object-store.ts'
import { awsAppraisalDeps, parseEnv } from '../composition/aws.ts'
import type { AggregateResult } from '../handlers/aggregate-quarter.ts'
import { LOCAL_NAMES } from '../local/emulators.ts'
import { localHome, startLocalPipeline, type LocalPipeline } from '../local/local-pipeline.ts'
import { LocalStateError, OwnerGoneError } from '../local/local-errors.ts'
import { open, type FileHandle } from 'node:fs/promises'
import { InputFileError } from './exit-codes.ts'
import { aggregateFunction, localAppraisalDeps, outboxFiles } from '../local/local-runtime.ts'
import type { ObjectStore, QueryEngine, SubmissionLedger, SubmissionRecord } from '../use-cases/ports.ts'
import { ledgerPlace, type Verdict } from '../use-cases/process-upload.ts'
import { parseUploadKey } from '../core/object-keys.ts'
import type { AppraisalDeps } from '../use-cases/run-appraisal.ts'
import { UsageError, requireTarget, type CommandIo } from './args.ts'
import { ProgressBar } from './progress.ts'

/**
 * Where a command runs: the embedded local pipeline (default) or a deployment on AWS, whose
 * resource names come from the stack's outputs. Commands are written once against this.
 */
export interface TargetSession {
  kind: 'local' | 'aws'
  store: ObjectStore
  ledger: SubmissionLedger
  lakeBucket: string
  /** Puts a file at an ingest key and waits for the pipeline's verdict. */
  /** `metadata`: the object's user metadata (a targets file's `scope`). */
  upload(key: string, file: string, io: CommandIo, metadata?: Record<string, string>): Promise<Verdict>
  /** The appraisal's dependencies (DuckDB over the local lake, or Athena). Close the engine. */
  appraisal(): Promise<AppraisalDeps & { engine: QueryEngine & { close?(): Promise<void> } }>
  /** Runs the aggregate function's handler with an operator's event, on the target's wiring. */
  aggregate(deps: AppraisalDeps, event: AggregateEvent): Promise<AggregateResult>
  local?: LocalPipeline
  close(): Promise<void>
}

/** Names of the stack outputs `--target aws` reads (infra/village-appraisal-stack.ts). */
export const STACK_OUTPUTS = ['IngestBucketName', 'LakeBucketName', 'SubmissionsTableName', 'AppraisalsTableName', 'AthenaWorkGroup', 'GlueDatabase', 'ScoringOverrides', 'AppraisalTopicArn'] as const
export type StackOutputs = Record<(typeof STACK_OUTPUTS)[number], string>

/**
 * The aggregate function's environment as the stack set it, from the stack's outputs: the CLI
 * composes exactly what the deployed function composes (scoring overrides and topic included).
 */
export function aggregateEnvFromOutputs(out: StackOutputs): ReturnType<typeof AggregateEnvSchema.parse> {
  return parseEnv(AggregateEnvSchema, {
    LAKE_BUCKET: out.LakeBucketName, SUBMISSIONS_TABLE: out.SubmissionsTableName, APPRAISALS_TABLE: out.AppraisalsTableName,
    GLUE_DATABASE: out.GlueDatabase, ATHENA_WORKGROUP: out.AthenaWorkGroup,
    // CloudFormation has no empty outputs: "{}" and "none" stand for no overrides and no topic.
    SCORING_OVERRIDES: out.ScoringOverrides === '{}' ? '' : out.ScoringOverrides,
    APPRAISAL_TOPIC_ARN: out.AppraisalTopicArn === 'none' ? '' : out.AppraisalTopicArn,
  })
}

function parseStageOption(value: string): string {
  try {
    return parseStage(value)
  } catch (cause) {
    throw new UsageError(`VA_STAGE=${value} is not a stage name (1–12 lower-case letters or digits, starting with a letter)`, { cause })
  }
}

/**
 * The stack's outputs: from `VA_STACK_OUTPUTS` (the file `cdk deploy --outputs-file` writes),
 * else from CloudFormation (stack `VA_STACK_NAME`, else the stack of stage `VA_STAGE`, else VillageAppraisal).
 */
export async function stackOutputs(env: Record<string, string | undefined>): Promise<StackOutputs> {
  // The stack of a stage is named as the stack names it (schemas/stage-names.ts).
  const stackName = env['VA_STACK_NAME'] || stageNames(env['VA_STAGE'] ? parseStageOption(env['VA_STAGE']) : undefined).stackName
  let values: Record<string, string>
  const file = env['VA_STACK_OUTPUTS']
  if (file) {
    if (!existsSync(file)) throw new UsageError(`VA_STACK_OUTPUTS names ${file}, which does not exist`)
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>
    values = doc[stackName] ?? Object.values(doc)[0] ?? {}
  } else {
    const r = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }))
    values = Object.fromEntries((r.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']))
  }
  const missing = STACK_OUTPUTS.filter((k) => !values[k])
  if (missing.length) throw new UsageError(`the stack's outputs lack ${missing.join(', ')}; deploy with npx cdk deploy --outputs-file va-outputs.json and set VA_STACK_OUTPUTS=va-outputs.json`)
  return values as StackOutputs
}

export async function openTarget(target: unknown, io: CommandIo, options: { requireState?: boolean } = {}): Promise<TargetSession> {
  if (requireTarget(target) === 'aws') return openAws(io)
  const home = localHome(io.env, io.cwd)
  if (options.requireState && !existsSync(home)) {
    const why = io.env['VA_HOME'] ? 'VA_HOME names it' : 'the default is .va/ in the current folder'
    throw new LocalStateError(`no local state at ${home} (${why}): run where the state is, set VA_HOME to it, or upload files first (va upload, or va demo)`)
  }
  const notice = (line: string) => io.err(`va: ${line}`)
  let pipeline = await startLocalPipeline({ home, onNotice: notice })
  return {
    kind: 'local',
    get store() {
      return pipeline.deps.store
    },
    get ledger() {
      return pipeline.deps.ledger
    },
    lakeBucket: LOCAL_NAMES.lakeBucket,
    get local() {
      return pipeline
    },
    upload: async (key, file, _io, metadata) => {
      const input = await openInput(file)
      const known = await pipeline.submissionsOf(key)
      let submissionId: string
      try {
        submissionId = (await pipeline.upload(key, () => input.handle.createReadStream({ start: 0, autoClose: false }), input.size, known, metadata)).submission.submission_id
      } catch (e) {
        if (!(e instanceof OwnerGoneError)) throw e
        // The owner was killed: this process opens the state again (owning it, or attached to
        // whoever does), whose start recovers the upload; then the verdict is read as before.
        notice(`${e.message}; opening the local state again`)
        await pipeline.close().catch(() => undefined)
        pipeline = await startLocalPipeline({ home, onNotice: notice })
        submissionId = (await pipeline.awaitUpload(key, known)).submission.submission_id
      } finally {
        await input.handle.close()
      }
      // The verdict is read where a county would receive it: the local stand-in for the SNS
      // topic (the outbox), then the report it points to.
      return verdictFromOutbox(pipeline, submissionId)
    },
    appraisal: () => localAppraisalDeps({ home, s3: pipeline.s3.client, dynamo: pipeline.dynamo.client }),
    aggregate: (deps, event) => aggregateFunction(deps)(event),
    close: () => pipeline.close(),
  }
}

/**
 * The file to upload, opened once: deleted after this, it is still read whole; gone before
 * (between the command's check and here), a clear InputFileError (exit 6).
 */
async function openInput(file: string): Promise<{ handle: FileHandle; size: number }> {
  try {
    const handle = await open(file, 'r')
    return { handle, size: (await handle.stat()).size }
  } catch (cause) {
    throw new InputFileError(`${file} vanished or cannot be read since it was checked (${(cause as NodeJS.ErrnoException).code ?? 'error'}); nothing was uploaded`, { cause })
  }
}

/** The verdict of one submission as the outbox told it, with the report it names. */
export async function verdictFromOutbox(pipeline: LocalPipeline, submissionId: string): Promise<Verdict> {
  const lines = readFileSync(outboxFiles(pipeline.home).verdicts, 'utf8').trim().split('\n')
  const told = lines.map((l) => JSON.parse(l) as { message: { submission_id: string; county: string; period: string; report_key: string } })
    .reverse().find((m) => m.message.submission_id === submissionId)
  if (!told) throw new Error(`the outbox has no verdict for submission ${submissionId}`)
  const { county, period, report_key } = told.message
  const submission = await pipeline.deps.ledger.get(county, period, submissionId)
  const report = await pipeline.deps.store.getBytes(LOCAL_NAMES.lakeBucket, report_key)
  if (!submission || !report) throw new Error(`the verdict of ${submissionId} names a report that is not there`)
  return { submission, report: JSON.parse(Buffer.from(report).toString('utf8')) as Verdict['report'] }
}

async function openAws(io: CommandIo): Promise<TargetSession> {
  if (!io.env['AWS_REGION'] && !io.env['AWS_DEFAULT_REGION'] && !io.env['AWS_PROFILE']) {
    throw new UsageError('--target aws needs AWS credentials and a region: set AWS_PROFILE, or AWS_REGION with credentials')
  }
  const out = await stackOutputs(io.env)
  const s3 = new S3Client(s3ClientConfig())
  // The same composition as the deployed aggregate function's, from the same settings.
  const deps = awsAppraisalDeps(aggregateEnvFromOutputs(out))
  return {
    kind: 'aws',
    store: deps.store,
    ledger: deps.ledger,
    lakeBucket: out.LakeBucketName,
    upload: async (key, file, cmdIo, metadata) => {
      const size = statSync(file).size
      const put = await s3.send(new PutObjectCommand({ Bucket: out.IngestBucketName, Key: key, Body: createReadStream(file), ContentLength: size, ...(metadata ? { Metadata: metadata } : {}) }))
      return awaitVerdict(deps.ledger, deps.store, out.LakeBucketName, key, put.VersionId ?? '', cmdIo)
    },
    appraisal: async () => deps,
    aggregate: (appraisalDeps, event) => aggregateFunction(appraisalDeps)(event),
    close: async () => {
      s3.destroy()
    },
  }
}

/** Polls the submissions table until the upload of this object version has its verdict. */
export async function awaitVerdict(ledger: SubmissionLedger, store: ObjectStore, lake: string, key: string, versionId: string, io: CommandIo, timeoutMs = 15 * 60_000): Promise<Verdict> {
  const { county, period } = ledgerPlace(parseUploadKey(key))
  const bar = new ProgressBar('waiting for the verdict', timeoutMs, io.err, io.tty)
  const started = Date.now()
  for (let wait = 500; Date.now() - started < timeoutMs; wait = Math.min(wait * 1.5, 10_000)) {
    const { submissions } = await ledger.list(county, period)
    const mine: SubmissionRecord | undefined = submissions.find((s) => s.object_key === key && (versionId === '' || s.version_id === versionId))
    if (mine) {
      bar.done()
      const bytes = await store.getBytes(lake, mine.report_key)
      return { submission: mine, report: JSON.parse(Buffer.from(bytes ?? new Uint8Array()).toString('utf8')) as Verdict['report'] }
    }
    bar.update(Date.now() - started)
    await new Promise((r) => setTimeout(r, wait))
  }
  throw new Error(`no verdict for ${key} after ${timeoutMs / 60_000} minutes: see the dead-letter queue`)
}

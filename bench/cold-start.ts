/**
 * Each Lambda bundle as the stack builds it (bench/bundle.ts): its size, what fills it, and
 * the time to import it in a fresh Node process (module scope: env parsing, clients) over a
 * bare `node -e 0`, the median of interleaved runs.
 */
import { execFileSync } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO, bytesByOrigin, lambdaBundle } from './bundle.ts'

/** What the handlers' env schemas need at import (schemas/env.ts), with harmless values. */
const ENV: Record<string, string> = {
  INGEST_BUCKET: 'bench-ingest', LAKE_BUCKET: 'bench-lake', SUBMISSIONS_TABLE: 'bench-submissions', APPRAISALS_TABLE: 'bench-appraisals',
  ID_HASH_SECRET_ARN: 'arn:aws:secretsmanager:cn-north-1:000000000000:secret:bench', GLUE_DATABASE: 'bench', ATHENA_WORKGROUP: 'bench',
  AWS_REGION: 'cn-north-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_SERVICE_NAME: 'bench',
}

function wallMs(args: string[]): number {
  const started = process.hrtime.bigint()
  execFileSync(process.execPath, args, { env: { ...process.env, ...ENV }, stdio: ['ignore', 'ignore', 'inherit'] })
  return Number(process.hrtime.bigint() - started) / 1e6
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export interface ColdStartResult {
  bundle_bytes: Record<string, number>
  init_ms: number
  init_ms_by_function: Record<string, number>
  /** The five largest contributors to each bundle, in bytes. */
  largest_inputs_bytes: Record<string, Record<string, number>>
}

export async function benchColdStart(dir: string, runs = 9): Promise<ColdStartResult> {
  const handlers = (await readdir(join(REPO, 'functions/handlers'))).filter((f) => f.endsWith('.ts')).sort()
  const bundles = new Map<string, { file: string; bytes: number }>()
  const largest: Record<string, Record<string, number>> = {}
  for (const h of handlers) {
    const name = h.replace(/\.ts$/, '')
    const b = await lambdaBundle(`functions/handlers/${h}`, join(dir, name))
    bundles.set(name, b)
    largest[name] = Object.fromEntries(bytesByOrigin(b.metafile, 'index.mjs').slice(0, 5))
  }
  const samples = new Map<string, number[]>([['bare', []], ...[...bundles.keys()].map((k) => [k, []] as [string, number[]])])
  for (let i = 0; i < runs; i++) {
    samples.get('bare')!.push(wallMs(['-e', '0']))
    for (const [name, b] of bundles) samples.get(name)!.push(wallMs(['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(b.file).href)})`]))
  }
  const bare = median(samples.get('bare')!)
  const byFunction = Object.fromEntries([...bundles.keys()].map((name) => [name, Math.max(0, median(samples.get(name)!) - bare)]))
  return {
    bundle_bytes: Object.fromEntries([...bundles].map(([name, b]) => [name, b.bytes])),
    init_ms: Math.max(...Object.values(byFunction)),
    init_ms_by_function: byFunction,
    largest_inputs_bytes: largest,
  }
}

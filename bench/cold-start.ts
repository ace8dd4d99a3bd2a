/**
 * Each Lambda bundle as the stack builds it (bench/bundle.ts): the bytes read at init (the entry
 * and its static chunks), what fills them, and the time to import the entry in a fresh Node
 * process over a bare `node -e 0`, the median of interleaved runs. The process has
 * AWS_LAMBDA_FUNCTION_NAME set, as in Lambda, so module scope does what it does there: parse
 * the environment and compose the clients (functions/composition/aws.ts, composeAtColdStart).
 *
 *   npx tsx bench/cold-start.ts [runs]                    prints the figures as JSON
 *   npx tsx bench/cold-start.ts 7 --peer before=<dir>     also times <dir>/<function>/handlers/index.mjs
 *                                                         in the same interleaved loop (init_ms_of_peers)
 *
 * A peer is another build of the same handlers, e.g. an earlier commit's:
 *   git archive <commit> | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/
 *   (cd /tmp/before && npx tsx bench/bundle.ts)           # writes bench/.build/bundles/<function>/
 *   npx tsx bench/cold-start.ts 7 --peer before=/tmp/before/bench/.build/bundles
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { bytesByOrigin, lambdaBundle, lambdaHandlers } from './bundle.ts'

/** What the handlers' env schemas need at import (schemas/env.ts), with harmless values. */
const ENV: Record<string, string> = {
  INGEST_BUCKET: 'bench-ingest', LAKE_BUCKET: 'bench-lake', SUBMISSIONS_TABLE: 'bench-submissions', APPRAISALS_TABLE: 'bench-appraisals',
  ID_HASH_SECRET_ARN: 'arn:aws:secretsmanager:cn-north-1:000000000000:secret:bench', GLUE_DATABASE: 'bench', ATHENA_WORKGROUP: 'bench',
  AGGREGATE_FUNCTION_NAME: 'bench-aggregate', AWS_LAMBDA_FUNCTION_NAME: 'bench',
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
  /** Bytes read at init: the entry and the chunks it imports statically. */
  bundle_bytes: Record<string, number>
  /** Bytes of every file of the bundle, lazy chunks included. */
  bundle_total_bytes: Record<string, number>
  /** The median of `node -e 0`, measured interleaved with the imports (the same-run peer). */
  node_bare_ms: number
  /** The largest of init_ms_by_function. */
  init_ms: number
  init_ms_by_function: Record<string, number>
  /** The five largest contributors to each bundle's init bytes. */
  largest_inputs_bytes: Record<string, Record<string, number>>
  /** Per peer (--peer label=dir), the same measure of its build of each function. */
  init_ms_of_peers?: Record<string, Record<string, number>>
}

export async function benchColdStart(dir: string, runs = 9, peers: Record<string, string> = {}): Promise<ColdStartResult> {
  const bundles = new Map<string, { file: string; initBytes: number; totalBytes: number }>()
  const largest: Record<string, Record<string, number>> = {}
  for (const h of await lambdaHandlers()) {
    const name = h.replace(/\.ts$/, '')
    const b = lambdaBundle(`functions/handlers/${h}`, join(dir, name))
    bundles.set(name, b)
    largest[name] = Object.fromEntries(bytesByOrigin(b.metafile, b.init).slice(0, 5))
  }
  const files = new Map<string, string>([...bundles].map(([name, b]) => [name, b.file]))
  for (const [label, peerDir] of Object.entries(peers)) {
    for (const name of bundles.keys()) files.set(`${label}\t${name}`, join(peerDir, name, 'handlers', 'index.mjs'))
  }
  const samples = new Map<string, number[]>([['bare', []], ...[...files.keys()].map((k) => [k, []] as [string, number[]])])
  for (let i = 0; i < runs; i++) {
    samples.get('bare')!.push(wallMs(['-e', '0']))
    for (const [key, file] of files) samples.get(key)!.push(wallMs(['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)})`]))
  }
  const bare = median(samples.get('bare')!)
  const initMs = (key: string) => Math.max(0, median(samples.get(key)!) - bare)
  const byFunction = Object.fromEntries([...bundles.keys()].map((name) => [name, initMs(name)]))
  const ofPeers = Object.fromEntries(Object.keys(peers).map((label) => [label, Object.fromEntries([...bundles.keys()].map((name) => [name, initMs(`${label}\t${name}`)]))]))
  return {
    bundle_bytes: Object.fromEntries([...bundles].map(([name, b]) => [name, b.initBytes])),
    bundle_total_bytes: Object.fromEntries([...bundles].map(([name, b]) => [name, b.totalBytes])),
    node_bare_ms: bare,
    init_ms: Math.max(...Object.values(byFunction)),
    init_ms_by_function: byFunction,
    largest_inputs_bytes: largest,
    ...(Object.keys(peers).length ? { init_ms_of_peers: ofPeers } : {}),
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { peer: { type: 'string', multiple: true } } })
  const peers = Object.fromEntries((values.peer ?? []).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))
  const dir = await mkdtemp(join(tmpdir(), 'va-cold-start-'))
  try {
    process.stdout.write(`${JSON.stringify(await benchColdStart(dir, Number(positionals[0] ?? 9), peers), null, 2)}\n`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

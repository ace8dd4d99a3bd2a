/**
 * `npx tsx bench/bundle.ts [n]` prints what each Lambda bundle holds, from esbuild's metafile:
 * the init bytes (the entry `handlers/index.mjs` and every chunk it imports statically, which
 * Node reads and evaluates when Lambda imports the handler) with their `n` (default 12) largest
 * packages or project folders, then each lazy chunk (reached only through `import()`, read when
 * the code first runs) with its largest packages.
 *
 * The bundles are built by infra/pipeline-function.ts's own `bundleLambda` (the options the
 * stack deploys with), so the bench measures the deployed artifacts.
 */
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Metafile } from 'esbuild'
import { BUNDLE_HANDLER_DIR, REPO_ROOT, bundleLambda, lambdaBuildOptions } from '../infra/pipeline-function.ts'

export const REPO = REPO_ROOT

export interface LambdaBundle {
  /** The entry file, `<dir>/handlers/index.mjs`. */
  file: string
  /** Bytes of the entry and the chunks it imports statically: what init reads. */
  initBytes: number
  /** Bytes of every output file. */
  totalBytes: number
  /** Output paths (as the metafile names them) read at init. */
  init: string[]
  /** Output paths reached only through `import()`. */
  lazy: string[]
  metafile: Metafile
}

/** A handler bundled as the stack deploys it: `<dir>/handlers/index.mjs` and its chunks beside `<dir>/sql/`. */
export function lambdaBundle(entry: string, dir: string): LambdaBundle {
  const metafile = bundleLambda(entry, dir)
  const entryOutput = Object.keys(metafile.outputs).find((path) => path.endsWith(`${BUNDLE_HANDLER_DIR}/index.mjs`))!
  const { init, lazy } = splitByLoad(metafile, entryOutput)
  const bytes = (paths: string[]) => paths.reduce((sum, path) => sum + metafile.outputs[path]!.bytes, 0)
  return { file: join(dir, BUNDLE_HANDLER_DIR, 'index.mjs'), initBytes: bytes(init), totalBytes: bytes(Object.keys(metafile.outputs)), init, lazy, metafile }
}

/**
 * The outputs an entry loads at import (itself and the closure of its static imports) and the
 * rest (reachable only through a dynamic `import()`), each list in metafile order.
 */
export function splitByLoad(metafile: Metafile, entryOutput: string): { init: string[]; lazy: string[] } {
  const init = new Set<string>()
  const stack = [entryOutput]
  while (stack.length) {
    const output = stack.pop()!
    if (init.has(output)) continue
    init.add(output)
    for (const { path, kind } of metafile.outputs[output]?.imports ?? []) if (kind === 'import-statement' && path in metafile.outputs) stack.push(path)
  }
  const all = Object.keys(metafile.outputs)
  return { init: all.filter((o) => init.has(o)), lazy: all.filter((o) => !init.has(o)) }
}

/**
 * A bench child, bundled as one file with the Lambda options (so it runs the code as Lambda
 * would, on plain node, without a TypeScript loader in the process); native DuckDB stays external.
 */
export async function childBundle(entry: string, outfile: string): Promise<string> {
  const { entryPoints: _, outdir: __, splitting: ___, outExtension: ____, chunkNames: _____, ...options } = lambdaBuildOptions(entry, '')
  await build({ ...options, target: 'node20', entryPoints: [join(REPO, entry)], outfile, external: ['@duckdb/node-api'] })
  return outfile
}

/** The package (node_modules/<name>) or project folder (two levels) an input file belongs to. */
export function originOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)
  return m ? m[1]! : input.split('/').slice(0, 2).join('/')
}

/** Bytes of some outputs of a bundle by package or project folder, largest first. */
export function bytesByOrigin(metafile: Metafile, outputs: string[]): [string, number][] {
  const sums = new Map<string, number>()
  for (const output of outputs) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[output]?.inputs ?? {})) {
      sums.set(originOf(input), (sums.get(originOf(input)) ?? 0) + bytesInOutput)
    }
  }
  return [...sums.entries()].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1])
}

export async function lambdaHandlers(): Promise<string[]> {
  return (await readdir(join(REPO, 'functions/handlers'))).filter((f) => f.endsWith('.ts')).sort()
}

function printBundles(handlers: string[], top: number): void {
  const kb = (n: number) => `${(n / 1024).toFixed(1).padStart(8)} KB`
  const out = (line: string) => process.stdout.write(`${line}\n`)
  for (const h of handlers) {
    const b = lambdaBundle(`functions/handlers/${h}`, join(REPO, 'bench/.build/bundles', h.replace(/\.ts$/, '')))
    out(`\n${h}: init ${kb(b.initBytes)} (target ≤ 600 KB) in ${b.init.length} files; all files ${kb(b.totalBytes)}`)
    out('  at init, by package or folder:')
    for (const [origin, bytes] of bytesByOrigin(b.metafile, b.init).slice(0, top)) out(`  ${kb(bytes)}  ${origin}`)
    const lazy = b.lazy.map((o): [string, number] => [o, b.metafile.outputs[o]!.bytes]).sort((x, y) => y[1] - x[1])
    out(`  lazy chunks (import() only), ${lazy.length}:`)
    for (const [output, bytes] of lazy) {
      const holds = bytesByOrigin(b.metafile, [output]).slice(0, 4).map(([origin, n]) => `${origin} ${(n / 1024).toFixed(0)} KB`).join(', ')
      out(`  ${kb(bytes)}  ${output.split('/').pop()}: ${holds}`)
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) printBundles(await lambdaHandlers(), Number(process.argv[2] ?? 12))

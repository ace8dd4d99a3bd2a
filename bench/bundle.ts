/**
 * `npx tsx bench/bundle.ts [n]` prints what each Lambda bundle holds: its bytes, then the `n`
 * (default 15) largest contributors by package or project folder and by input file, from
 * esbuild's metafile.
 *
 * esbuild with the options the CDK stack bundles each Lambda with (infra/pipeline-function.ts:
 * ESM, node22, minified, names kept, UTF-8, the AWS SDK bundled, the require banner), so the
 * bench measures the artifacts that are deployed: their size and their import time.
 */
import { cp, mkdir, readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type BuildOptions, type Metafile } from 'esbuild'
import { BUNDLED_FOLDERS, BUNDLE_HANDLER_DIR, ESM_REQUIRE_BANNER } from '../infra/pipeline-function.ts'

export const REPO = fileURLToPath(new URL('..', import.meta.url))

const LAMBDA_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  minify: true,
  keepNames: true,
  sourcemap: false,
  charset: 'utf8',
  tsconfig: join(REPO, 'tsconfig.json'),
  logLevel: 'error',
}

/** A handler bundled as the stack deploys it: `<dir>/handlers/index.mjs` beside `<dir>/sql/`. */
export async function lambdaBundle(entry: string, dir: string): Promise<{ file: string; bytes: number; metafile: Metafile }> {
  const file = join(dir, BUNDLE_HANDLER_DIR, 'index.mjs')
  await mkdir(join(dir, BUNDLE_HANDLER_DIR), { recursive: true })
  const result = await build({ ...LAMBDA_OPTIONS, entryPoints: [join(REPO, entry)], outfile: file, metafile: true })
  for (const folder of BUNDLED_FOLDERS) await cp(join(REPO, folder), join(dir, folder.split('/').pop()!), { recursive: true })
  return { file, bytes: (await stat(file)).size, metafile: result.metafile }
}

/**
 * A bench child, bundled the same way (so it runs the code as Lambda would, on plain node,
 * without a TypeScript loader in the process); native DuckDB stays external.
 */
export async function childBundle(entry: string, outfile: string): Promise<string> {
  await build({ ...LAMBDA_OPTIONS, target: 'node20', entryPoints: [join(REPO, entry)], outfile, external: ['@duckdb/node-api'] })
  return outfile
}

/** Bytes of a bundle by package (node_modules/<name>) or by project folder, largest first. */
export function bytesByOrigin(metafile: Metafile, output: string): [string, number][] {
  const out = Object.entries(metafile.outputs).find(([path]) => path.endsWith(output))?.[1]
  const sums = new Map<string, number>()
  for (const [input, { bytesInOutput }] of Object.entries(out?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)
    const origin = m ? m[1]! : input.split('/').slice(0, 2).join('/')
    sums.set(origin, (sums.get(origin) ?? 0) + bytesInOutput)
  }
  return [...sums.entries()].sort((a, b) => b[1] - a[1])
}

/** Bytes of a bundle by input file, largest first. */
export function bytesByInput(metafile: Metafile, output: string): [string, number][] {
  const out = Object.entries(metafile.outputs).find(([path]) => path.endsWith(output))?.[1]
  return Object.entries(out?.inputs ?? {}).map(([input, { bytesInOutput }]): [string, number] => [input, bytesInOutput]).sort((a, b) => b[1] - a[1])
}

async function printBundles(top: number): Promise<void> {
  const kb = (n: number) => `${(n / 1024).toFixed(1).padStart(8)} KB`
  for (const h of (await readdir(join(REPO, 'functions/handlers'))).filter((f) => f.endsWith('.ts')).sort()) {
    const b = await lambdaBundle(`functions/handlers/${h}`, join(REPO, 'bench/.build/bundles', h.replace(/\.ts$/, '')))
    process.stdout.write(`\n${h}: ${kb(b.bytes)} (target ≤ 600 KB)\n  by package or folder:\n`)
    for (const [origin, bytes] of bytesByOrigin(b.metafile, 'index.mjs').slice(0, top)) process.stdout.write(`  ${kb(bytes)}  ${origin}\n`)
    process.stdout.write('  by file:\n')
    for (const [input, bytes] of bytesByInput(b.metafile, 'index.mjs').slice(0, top)) process.stdout.write(`  ${kb(bytes)}  ${input}\n`)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await printBundles(Number(process.argv[2] ?? 15))

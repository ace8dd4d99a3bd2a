#!/usr/bin/env node
// The `va` command for the package's bin. It runs va.ts compiled by esbuild (as the Lambdas are
// bundled), not through a TypeScript loader: the bundle is built on first use into
// node_modules/.cache/va/ and built again when one of its source files changed since, so
// neither `npm ci` nor a commit carries a generated file. The bundle is split by command
// (va.ts loads each command with `import()`), so `va --help` loads only the command table.
// Packages stay external, resolved from the repository's node_modules as with tsx. Without
// esbuild (an install without devDependencies) or a writable cache, va.ts runs through tsx.
// The files are found next to this one (not through the current folder), so `va` works from
// any folder and `npx va` in the repository.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const REPO = resolve(HERE, '../..')
const ENTRY = join(HERE, 'va.ts')
const CACHE = join(REPO, 'node_modules/.cache/va')
const MANIFEST = join(CACHE, 'current.json')

/** The stamp of a source file: a bundle is current while every stamp it was built from is. */
function stamp(file) {
  const s = statSync(join(REPO, file), { throwIfNoEntry: false })
  return s ? `${s.size}:${s.mtimeMs}` : 'missing'
}

/** The bundle's entry when it was built from the files as they are now, else undefined. */
function currentBundle() {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'))
    for (const [file, was] of Object.entries(manifest.inputs)) if (stamp(file) !== was) return undefined
    return join(CACHE, manifest.dir, 'va.js')
  } catch {
    return undefined
  }
}

/**
 * esbuild gives every module of a bundle the bundle's `import.meta.url`; modules that find files
 * beside themselves (functions/adapters/sql-files.ts, functions/demo/generate.ts) get their
 * own source file's URL instead, so the bundle reads the same files as the sources do.
 */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' }
    })
  },
}

/** Builds the bundle into a folder of its own, then points the manifest at it in one rename. */
async function build() {
  const { build: esbuild } = await import('esbuild')
  const dir = `build-${Date.now().toString(36)}-${process.pid}`
  const result = await esbuild({
    entryPoints: { va: ENTRY }, outdir: join(CACHE, dir), absWorkingDir: REPO,
    bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
    packages: 'external', sourcemap: 'linked', metafile: true, logLevel: 'error',
    tsconfig: join(REPO, 'tsconfig.json'), plugins: [sourceUrls],
    // Chunks are .js files in a folder of type module: Node loads them as ESM.
    outExtension: { '.js': '.js' },
  })
  writeFileSync(join(CACHE, dir, 'package.json'), '{"type":"module"}\n')
  const files = [...Object.keys(result.metafile.inputs), 'tsconfig.json'].map((f) => relative(REPO, resolve(REPO, f)))
  const inputs = Object.fromEntries(files.map((f) => [f, stamp(f)]))
  const tmp = `${MANIFEST}.${process.pid}`
  writeFileSync(tmp, JSON.stringify({ dir, inputs }))
  renameSync(tmp, MANIFEST)
  // Earlier builds go once they are an hour old (a `va` started before may still be loading one).
  for (const old of readdirSync(CACHE)) {
    if (!old.startsWith('build-') || old === dir) continue
    if (Date.now() - statSync(join(CACHE, old)).mtimeMs > 3_600_000) rmSync(join(CACHE, old), { recursive: true, force: true })
  }
  return join(CACHE, dir, 'va.js')
}

async function compiled() {
  const ready = currentBundle()
  if (ready) return ready
  try {
    mkdirSync(CACHE, { recursive: true })
    return await build()
  } catch (e) {
    if (process.env['VA_DEBUG']) process.stderr.write(`va: running through tsx, the bundle could not be built: ${e?.message ?? e}\n`)
    return undefined
  }
}

const bundle = process.env['VA_NO_BUNDLE'] ? undefined : await compiled()
if (bundle) {
  if (process.env['VA_DEBUG']) process.setSourceMapsEnabled(true)
  const { runCli } = await import(pathToFileURL(bundle).href)
  await runCli()
} else {
  const { tsImport } = await import('tsx/esm/api')
  const { runCli } = await tsImport('./va.ts', import.meta.url)
  await runCli()
}

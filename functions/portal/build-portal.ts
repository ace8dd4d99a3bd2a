import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile, type Plugin } from 'esbuild'

const HERE = dirname(fileURLToPath(import.meta.url))
/** Where `npm run portal:build` and `va serve` put the page (git-ignored). */
export const PORTAL_DIST = join(HERE, 'dist')
const STATIC = join(HERE, 'static')

export interface PortalFile {
  /** Relative to the output folder, with forward slashes. */
  path: string
  bytes: number
  gzipBytes: number
}

export interface PortalBuild {
  outDir: string
  files: PortalFile[]
  /** esbuild's record of every input and output, for the tests (no `node:` import may reach the page). */
  metafile: Metafile
  /** All JavaScript of the page, gzipped (the budget of portal.md: ≤ 300 KB). */
  jsGzipBytes: number
  /** The chunk that holds the validator, loaded only by the upload page. */
  checkChunk: string
}

/**
 * zod's namespace carries every locale's error messages (about 260 KB minified); the page never
 * shows a zod message (the validator's findings carry their own zh/en text), so the other
 * locales are left out of the browser build and English stays zod's fallback.
 */
const zodLocalesOnlyEnglish: Plugin = {
  name: 'zod-locales-only-english',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => (
      /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/.test(args.importer) && args.path !== './en.js' ? { path: args.path, namespace: 'zod-locale-stub' } : undefined
    ))
    b.onLoad({ filter: /.*/, namespace: 'zod-locale-stub' }, () => ({ contents: 'export default function () { return {} }', loader: 'js' }))
  },
}

/**
 * Bundles the portal (functions/portal/src) for the browser with esbuild: ES modules with code
 * splitting, so the validator (core's decode and validate) is a chunk of its own that only the
 * upload page imports. The static files (index.html, styles.css) are copied beside it.
 */
export async function buildPortal(options: { outDir?: string; minify?: boolean } = {}): Promise<PortalBuild> {
  const outDir = options.outDir ?? PORTAL_DIST
  await rm(outDir, { recursive: true, force: true })
  await mkdir(outDir, { recursive: true })
  const result = await build({
    entryPoints: [join(HERE, 'src', 'main.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16.4'],
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    outdir: outDir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'silent',
    plugins: [zodLocalesOnlyEnglish],
  })
  for (const name of await readdir(STATIC)) await copyFile(join(STATIC, name), join(outDir, name))
  const files: PortalFile[] = []
  for (const name of await readdir(outDir, { recursive: true, withFileTypes: true })) {
    if (!name.isFile()) continue
    const full = join(name.parentPath, name.name)
    const bytes = await readFile(full)
    files.push({ path: relative(outDir, full).split('\\').join('/'), bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length })
  }
  files.sort((a, b) => a.path.localeCompare(b.path))
  const checkOutput = Object.entries(result.metafile.outputs).find(([, o]) => Object.keys(o.inputs).some((i) => i.endsWith('check/browser-check.ts')))
  if (!checkOutput) throw new Error('buildPortal: no chunk holds the browser check')
  return {
    outDir,
    files,
    metafile: result.metafile,
    jsGzipBytes: files.filter((f) => f.path.endsWith('.js')).reduce((sum, f) => sum + f.gzipBytes, 0),
    checkChunk: relative(outDir, checkOutput[0]).split('\\').join('/'),
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildPortal()
  for (const f of built.files) console.log(`${f.path.padEnd(44)} ${String(f.bytes).padStart(9)} B  ${String(f.gzipBytes).padStart(8)} B gzipped`)
  console.log(`page JavaScript, gzipped: ${(built.jsGzipBytes / 1024).toFixed(1)} KB (budget 300 KB); validator chunk: ${built.checkChunk}`)
  console.log(`written to ${built.outDir}`)
}

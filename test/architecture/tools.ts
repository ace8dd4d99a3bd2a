/**
 * Runs the repository's checkers as `npm run lint` and `npm run layers` do, in a child process
 * (their memory and their CPU stay out of the test worker), and reads their JSON reports into
 * lists a test can compare exactly.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const LAYER_FIXTURE = join(ROOT, 'test/fixtures/layers')
export const DEPCRUISE_CONFIG = join(ROOT, '.dependency-cruiser.cjs')
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')
const ESLINT = join(ROOT, 'node_modules/eslint/bin/eslint.js')
/** What the layer rules are run over, in the repository and in its miniature. */
const CRUISED = ['functions', 'schemas', 'infra', 'test', 'bench']

/**
 * The last resort against a checker that never ends: type-checked linting of the whole code
 * base takes about a minute of CPU, several on a loaded machine. It judges nothing.
 */
export const CHECKER_BACKSTOP_MS = 900_000

interface Run {
  code: number
  stdout: string
  stderr: string
}

function runNode(script: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { cwd, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      // A non-zero exit is the checker's verdict; only a failure to run it is an error here.
      if (error !== null && typeof error.code !== 'number') reject(new Error(`could not run ${script}`, { cause: error }))
      else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr })
    })
  })
}

function parseReport<T>(tool: string, run: Run): T {
  try {
    return JSON.parse(run.stdout) as T
  } catch {
    throw new Error(`${tool} gave no JSON report (exit ${run.code}):\n${run.stderr}`)
  }
}

export interface LayerViolation {
  rule: string
  from: string
  /** A module of the project, a node built-in, or `npm:<package>`. */
  to: string
}

/** `node_modules/@aws-sdk/client-s3/dist-es/index.js` → `npm:@aws-sdk/client-s3`. */
function moduleName(resolved: string): string {
  const at = resolved.lastIndexOf('node_modules/')
  if (at < 0) return resolved
  const parts = resolved.slice(at + 'node_modules/'.length).split('/')
  return `npm:${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`
}

/** The violations of `.dependency-cruiser.cjs` in the tree at `cwd`, sorted. */
export async function layerViolations(cwd: string): Promise<LayerViolation[]> {
  const run = await runNode(DEPCRUISE, ['--config', DEPCRUISE_CONFIG, '--output-type', 'json', ...CRUISED], cwd)
  const report = parseReport<{ summary: { violations: { rule: { name: string }; from: string; to: string }[] } }>('dependency-cruiser', run)
  return report.summary.violations
    .map((v) => ({ rule: v.rule.name, from: v.from, to: moduleName(v.to) }))
    .sort((a, b) => a.rule.localeCompare(b.rule) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
}

/** Every problem eslint reports for `args`, as `path:line rule`, in report order. */
export async function lintProblems(args: readonly string[]): Promise<string[]> {
  const run = await runNode(ESLINT, ['--format', 'json', ...args], ROOT)
  const report = parseReport<{ filePath: string; messages: { line: number; ruleId: string | null; message: string }[] }[]>('eslint', run)
  return report.flatMap((file) => file.messages.map((m) => `${file.filePath.slice(ROOT.length)}:${m.line} ${m.ruleId ?? `(no rule) ${m.message}`}`))
}

/**
 * The `va` command as a user starts it (functions/cli/va.mjs, the package's bin): `va --help`
 * and `va validate --help` over a bare `node -e 0` (cli.help_ratio, target ≤ 10), and
 * `va validate` of a 2,000-village report as a whole process over the same check called
 * in-process with its modules already loaded (cli.validate_ratio, target ≤ 2). Medians of
 * interleaved runs, so that the machine's load falls on every peer alike.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO, childBundle } from './bundle.ts'
import { BENCH_PERIOD, BENCH_QUARTER, benchCounty, villageReportText } from './data.ts'

const VA = join(REPO, 'functions/cli/va.mjs')
const RECEIVED_AT = '2024-07-05T10:00:00+08:00'

export interface CliResult {
  node_bare_ms: number
  help_ms: number
  validate_help_ms: number
  /** The slower of `va --help` and `va validate --help`, over `node -e 0`. */
  help_ratio: number
  /** 0 when the validate figures were not measured (`npm run bench -- --quick`). */
  validate_villages: number
  validate_ms: number
  validate_in_process_ms: number
  validate_ratio: number
}

function wallMs(args: string[], env: Record<string, string> = {}): { ms: number; out: string } {
  const started = process.hrtime.bigint()
  let out: string
  try {
    out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  } catch (e) {
    // `va validate` exits 1 for a rejected file: the time still counts, the status is checked below.
    out = (e as { stdout?: string }).stdout ?? ''
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, out }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export async function benchCli(work: string, runs = 7, villages = 2000): Promise<CliResult> {
  // The first `va` builds its bundle into node_modules/.cache/va (functions/cli/va.mjs): not timed.
  wallMs([VA, '--help'])
  await mkdir(work, { recursive: true })
  const file = join(work, 'village-report.csv')
  await writeFile(file, villageReportText(villages, BENCH_QUARTER))
  const county = benchCounty().code
  const inProcess = await childBundle('bench/children/validate-in-process.ts', join(work, 'validate-in-process.mjs'))
  const validateArgs = [VA, 'validate', file, '--county', county, '--period', BENCH_PERIOD, '--received-at', RECEIVED_AT, '--json']
  const env = { VA_HOME: join(work, 'no-local-state') }
  const samples = { bare: [] as number[], help: [] as number[], validateHelp: [] as number[], validate: [] as number[], inProcess: [] as number[] }
  for (let i = 0; i < runs; i++) {
    samples.bare.push(wallMs(['-e', '0']).ms)
    samples.help.push(wallMs([VA, '--help']).ms)
    samples.validateHelp.push(wallMs([VA, 'validate', '--help']).ms)
    if (!villages) continue
    const cli = wallMs(validateArgs, env)
    const report = JSON.parse(cli.out) as { status: string; rows: { total: number } }
    if (report.status !== 'accepted' || report.rows.total !== villages) throw new Error(`va validate of the bench file: ${report.status}, ${report.rows.total} rows`)
    samples.validate.push(cli.ms)
    const child = JSON.parse(wallMs([inProcess, file, county, BENCH_PERIOD, RECEIVED_AT]).out.trim().split('\n').pop()!) as { seconds: number; status: string }
    if (child.status !== 'accepted') throw new Error(`the in-process check of the bench file: ${child.status}`)
    samples.inProcess.push(child.seconds * 1000)
  }
  const bare = median(samples.bare)
  const help = median(samples.help)
  const validateHelp = median(samples.validateHelp)
  const validate = villages ? median(samples.validate) : 0
  const inProcessMs = villages ? median(samples.inProcess) : 0
  return {
    node_bare_ms: bare, help_ms: help, validate_help_ms: validateHelp, help_ratio: Math.max(help, validateHelp) / bare,
    validate_villages: villages, validate_ms: validate, validate_in_process_ms: inProcessMs, validate_ratio: villages ? validate / inProcessMs : 0,
  }
}

#!/usr/bin/env -S npx tsx
/**
 * The `va` command line: the table of commands and the dispatch. Only this file and what
 * `--help` needs (args.ts, format.ts, schemas/settings.ts, schemas/dataset-names.ts) load at
 * start; a command's module, with the AWS SDK, DuckDB or exceljs behind it, is imported by its
 * `load` when that command runs, so `va --help` and `va <command> --help` answer at once.
 *
 * Adding a command: write `functions/cli/commands/<name>.ts` exporting a `CommandRunner`
 * (`export const fooCommand: CommandRunner = { async run(argv, io) { … } }`), and add one
 * entry to COMMANDS below: its name, summary, usage and help, and
 * `load: async () => (await import('./commands/<name>.ts')).fooCommand`.
 * Keep heavy imports out of this file: bench/run.ts measures `va --help` (cli.help_ratio).
 */
import { UsageError, didYouMean, type Command, type CommandIo } from './args.ts'
import { DATASETS } from '../../schemas/dataset-names.ts'
import { TEMPLATE_DATA_ROWS } from '../../schemas/settings.ts'
import { LANGS, terminalColumns, type Lang } from './format.ts'
import { existsSync } from 'node:fs'
import { EXIT, failureExit } from './exit-codes.ts'
import { localHome } from '../local/local-home.ts'

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'

const RECTIFICATION_USAGE = [
  'va rectification list (--county <6> | --city <4> | --province <2>) [--status <status>] [--json]',
  'va rectification open --county <6> --title "…" [--detail "…"] [--due YYYY-MM-DD] [--json]',
  'va rectification respond <item_id> --text "…" [--file <evidence>] [--json]',
  'va rectification verify <item_id> (--close | --reopen --reason "…") [--json]',
]

export const COMMANDS: Command[] = [
  {
    name: 'validate',
    summary: 'check a file exactly as the pipeline would, without uploading it',
    usage: 'va validate <file> --county <6 digits> --period <YYYYQn> [--dataset <name>] [--received-at <ISO time>] [--json]',
    help: `Checks a county file (CSV in UTF-8 or GB18030, XLSX, or JSON) against the data contract
and prints every finding with its row, cell, code and message. Nothing is uploaded.
Quarter-over-quarter and roster checks use the local state (\$VA_HOME or .va/) when present.

Options:
  --county <6 digits>     the uploading county, e.g. 522226
  --period <YYYYQn>       the quarter, e.g. 2024Q2
  --dataset <name>        village_report, monitored_households, org_units or targets (default: from the headers)
  --received-at <ISO>     the time received, for late_submission (default: now)
  --json                  print the JSON report only (interfaces.md)

Exit codes: 0 accepted, 1 rejected, 2 usage error.`,
    load: async () => (await import('./commands/validate.ts')).validateCommand,
  },
  {
    name: 'upload',
    summary: 'upload a file to the pipeline and wait for its verdict',
    usage: 'va upload <file> --county <6 digits> --period <YYYYQn> [--json]  |  va upload <file> --registry|--targets [--json]',
    help: `Uploads a county file to uploads/<county>/<period>/<file name> (or a registry to
registry/org_units/ with --registry, a targets file to registry/targets/ with --targets, its
scope the city or province of VA_ROLE=city:<4>|province:<2>, else the province of its first
county) through the S3 API, waits for the pipeline's verdict and
prints it. Writes the reports beside the file (or into --out-dir) as <file>.report.json,
<file>.report.csv and, for a rejected XLSX, <file>.annotated.xlsx, and prints their paths. With --target local (the default) the embedded pipeline runs in this process, its
state under \$VA_HOME or .va/.

Options:
  --county <6 digits>   the uploading county
  --period <YYYYQn>     the quarter
  --registry            upload an org_units registry instead
  --targets             upload a targets file instead (rectification.md, "Targets")
  --out-dir <folder>    where to write the reports (default: the uploaded file's folder)
  --json                print the verdict as JSON: { submission, report }
  --target local|aws    where the pipeline runs (default local)

Exit codes: 0 accepted, 1 rejected, 2 usage error; 3 and up a fault of the machine (the
README lists them: local state, storage, disk full, input file gone, name too long).`,
    load: async () => (await import('./commands/upload.ts')).uploadCommand,
  },
  {
    name: 'status',
    summary: 'the submissions of a county and quarter, and which is current',
    usage: 'va status --county <6 digits> --period <YYYYQn> [--json]',
    help: `Lists every upload of a county for a quarter, oldest first, with its outcome
(accepted, rejected, superseded) and which one is current for each dataset.

Options:
  --county <6 digits>   the county
  --period <YYYYQn>     the quarter
  --json                print the JSON document of interfaces.md`,
    load: async () => (await import('./commands/status.ts')).statusCommand,
  },
  {
    name: 'aggregate',
    summary: 'run the quarterly appraisal now',
    usage: 'va aggregate --period <YYYYQn> [--publish] [--json]',
    help: `Computes every county's indicators from the accepted village reports of the quarter (the
SQL in functions/sql/, on DuckDB locally and Athena on AWS), scores, grades and ranks them,
writes analytics/county_appraisals/… and the appraisals table. A re-run replaces the quarter
and keeps the previous run as a prior version.

Options:
  --period <YYYYQn>   the quarter
  --publish           lock the quarter: later uploads for it are rejected (period_locked)
  --by <name>         who publishes (default: $USER)
  --json              print the appraisal JSON`,
    load: async () => (await import('./commands/appraisal.ts')).aggregateCommand,
  },
  {
    name: 'unlock',
    summary: 'unlock a published quarter, recording who and why',
    usage: 'va unlock --period <YYYYQn> --reason "…" [--by <name>]',
    help: `Unlocks a quarter that was published, so that counties can send corrections. The
unlock is recorded with who did it and why.`,
    load: async () => (await import('./commands/appraisal.ts')).unlockCommand,
  },
  {
    name: 'appraisal',
    summary: 'read the appraisal of a quarter (ranked), a city, a county, or a region\'s roll-up',
    usage: 'va appraisal --period <YYYYQn> [--city <4 digits> | --county <6 digits> | --region <2|4|9 digits>] [--json]  |  va appraisal --county <6 digits> [--json]',
    help: `Reads the stored appraisal from the appraisals table: every county of the quarter ranked,
or one city's counties in city rank, or one county. Without --period, --county gives the
county's history, every appraised quarter oldest first.

--region gives the roll-up of a province (2 digits), city (4) or township (9): the same
indicators (not scores) computed from the sums of its villages' figures.`,
    load: async () => (await import('./commands/appraisal.ts')).appraisalCommand,
  },
  {
    name: 'query',
    summary: 'run SQL on the lake (DuckDB locally, Athena on AWS)',
    usage: 'va query "<sql>" [--json]  |  va query --saved <name> --period <YYYYQn> [--json]',
    help: `Runs SQL over the tables village_reports, monitored_households, county_appraisals and
org_units. Saved queries: ranking, red_flags, stuck_households, lagging_funds, qoq_movers.`,
    load: async () => (await import('./commands/appraisal.ts')).queryCommand,
  },
  {
    name: 'report',
    summary: 'write the appraisal report of a quarter (one HTML file with charts)',
    usage: 'va report --period <YYYYQn> [--out <file.html>] [--json]  |  va report --submission <id> [--out-dir <folder>]',
    help: `Builds the human report of a stored appraisal: the ranking, an indicator heatmap, each
county's score over the quarters, red flags with their villages, completeness, missing and late
counties, and every county's point breakdown. One self-contained HTML file (charts drawn in
it as SVG, no script, nothing fetched when opened), also written to the lake at
reports/appraisals/<period>/index.html as every aggregation run does.

Options:
  --period <YYYYQn>   the quarter (run va aggregate for it first)
  --out <file.html>   where to write it (default: <local state>/reports/appraisal-<period>.html)
  --json              print { period, path, key, counties, bytes }
  --submission <id>   instead, fetch the reports of one upload (JSON, CSV, and the annotated
                      workbook of a rejected XLSX) into --out-dir (default: the current folder)`,
    load: async () => (await import('./commands/report.ts')).reportCommand,
  },
  {
    name: 'redrive',
    summary: 'send the dead-lettered uploads back through the pipeline',
    usage: 'va redrive [--json]',
    help: `Uploads whose processing kept failing (after 3 tries locally; after the queue's
maxReceiveCount on AWS) wait in the dead-letter queue. Once the cause is fixed, redrive sends
them back, once each. On AWS, start a message move task from the DeadLetterQueueUrl output to
the ingest queue (aws sqs start-message-move-task).`,
    load: async () => (await import('./commands/operations.ts')).redriveCommand,
  },
  {
    name: 'replay',
    summary: 'rebuild the curated lake, current submissions and appraisals from the raw uploads',
    usage: 'va replay (--period <YYYYQn> | --all) [--json]',
    help: `Forgets everything derived from the uploads of a quarter (or of all quarters): the
submissions and their current pointers, the curated Parquet; then processes every raw upload
again in the order it was received, and re-runs the appraisal of each quarter that had one.`,
    load: async () => (await import('./commands/operations.ts')).replayCommand,
  },
  {
    name: 'reconcile',
    summary: 'send every upload without a submission record through the pipeline again',
    usage: 'va reconcile [--json]',
    help: `Lists the ingest bucket and sends every upload that has no submission record (a process
killed between the upload and its verdict) through the pipeline again, and finishes again every
current accepted submission whose curated object is missing or unreadable. It is idempotent:
run it any time. Every command that opens the local state first does the same (without reading
every curated object); this one also reads each curated object.

On AWS the reconcile function does it daily (and on demand: aws lambda invoke).

Exit codes: 0 the state is whole (or was repaired), 4 something could not be resent or repaired,
8 torn emulator files were found and quarantined (listed; their objects are kept aside), or the
DynamoDB emulator's store was damaged (copied aside as found, repaired by LevelDB, and every upload
whose record the damage took recorded again).`,
    load: async () => (await import('./commands/reconcile.ts')).reconcileCommand,
  },
  {
    name: 'rectification',
    summary: 'rectification items: list, open, respond, verify',
    usage: RECTIFICATION_USAGE.join('\n       '),
    help: `Rectification items (整改事项, contract/rectification.md). Publishing a quarter opens one
per red flag and per data-quality problem, and looks back at the previous quarter's red
flags; officials open inspection items; the county's clerk responds (text and optionally an
evidence file: PDF, image or XLSX, at most 20 MB, kept under rectification/<county>/<item>/);
an official closes a responded item or reopens it with the reason.

Who acts: VA_ROLE=clerk:<county6> | city:<city4> | province:<2 digits>; without VA_ROLE, the
local operator is a province admin named by $USER. Refused actions exit 1 with the reason.`,
    load: async () => (await import('./commands/rectification.ts')).rectificationCommand,
  },
  {
    name: 'serve',
    summary: 'the local pipeline as a long-lived service with the portal, on 127.0.0.1',
    usage: 'va serve [--port <n>] [--no-open] [--json]',
    help: `Runs the whole local pipeline (S3 and DynamoDB emulators, the upload queue and workers,
DuckDB) as a long-lived process on 127.0.0.1 with the portal: its page, its HTTP API (the same
Lambda handler as on AWS) and local sign-in. Prints the portal's address, the S3 endpoint any
S3 client can use, and the local accounts. Stops on Ctrl-C.

Options:
    --port <n>     the portal's port (default 8080; 0 for any free port)
    --no-open      do not open the portal in a browser (it is opened only on a terminal)
    --after-demo   for npm start: serve only when stdout is a terminal, else exit at once
    --no-serve     with --after-demo: exit at once
    --json         print the addresses and accounts as one JSON line`,
    load: async () => (await import('./commands/serve.ts')).serveCommand,
  },
  {
    name: 'template',
    summary: 'write an XLSX template: Chinese headers, an example row, in-sheet validation',
    usage: 'va template --dataset <name> [--out <file.xlsx>]',
    help: `Writes an XLSX template for a dataset of the data contract: the Chinese headers with a
note on each (key, unit, type, bounds, allowed values, required), one example row that passes
every check, dropdowns for yes/no and enumerations, number and date validation on the next
${TEMPLATE_DATA_ROWS} rows, and a second sheet explaining every column in Chinese and English.
Prints the path of the file written.

Options:
  --dataset <name>   ${DATASETS.join(', ')}
  --out <file.xlsx>  where to write it (default: <dataset>-template.xlsx in the current directory)

Exit codes: 0 written, 2 usage error.`,
    load: async () => (await import('./commands/template.ts')).templateCommand,
  },
  {
    name: 'demo',
    summary: 'the whole pipeline locally on generated sample data, end to end',
    usage: 'va demo [--seed <n>] [--from <YYYYQn>] [--to <YYYYQn>] [--townships <n>] [--villages <n>]',
    help: `Generates a province's registry and eight quarters of village reports (and rosters for
the last two quarters) from real place codes, uploads them through the embedded S3 emulator,
plants a few problems on purpose, and shows what the pipeline answered.

The demo starts from a clean local state (\$VA_HOME or .va/); it refuses to wipe a state it
did not create.

Options:
  --seed <n>         the generator's seed (default 2024)
  --from, --to       the quarters (default 2023Q1 to 2024Q4)
  --townships <n>    townships per county (default 5)
  --villages <n>     villages per township (default 8)`,
    load: async () => (await import('./commands/demo.ts')).demoCommand,
  },
]

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'va — village-appraisal: county uploads checked, curated and appraised',
    '',
    'Usage: va <command> [options]   (va <command> --help for more)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Runs on the embedded local pipeline by default (state under $VA_HOME or .va/).',
  ].join('\n')
}

/** `--lang zh|en|both` is understood by every command: it chooses the language of human output. */
function takeLang(argv: string[]): { argv: string[]; lang?: Lang } {
  const out: string[] = []
  let lang: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (a === '--lang') lang = argv[++i] ?? ''
    else if (a.startsWith('--lang=')) lang = a.slice('--lang='.length)
    else out.push(a)
  }
  if (lang === undefined) return { argv: out }
  if (!(LANGS as readonly string[]).includes(lang)) throw new UsageError('--lang is zh, en or both')
  return { argv: out, lang: lang as Lang }
}

/** Runs one command line; returns the exit code (0 success, 1 rejected/failed check, 2 usage). */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage())
    return name ? 0 : 2
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    const guess = didYouMean(name, COMMANDS.map((c) => c.name))
    io.err(guess ? `va: unknown command "${name}"; did you mean "${guess}"? (va --help lists them all)` : `va: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}\n\n${command.help}`)
    return 0
  }
  try {
    const { argv: commandArgv, lang } = takeLang(rest)
    const runner = await command.load()
    return await runner.run(commandArgv, lang ? { ...io, lang } : io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`va ${name}: ${e.message}\nUsage: ${command.usage}`)
      return 2
    }
    // A fault with a code of its own (exit-codes.ts): one line, that code.
    const failure = failureExit(e, localHome(io.env, io.cwd))
    if (failure.code === 1) throw e
    io.err(`va ${name}: ${failure.line}`)
    return failure.code
  }
}

/**
 * Runs `va` as a program: the process's arguments, streams and folder. Under `npm run va` the
 * folder is npm's INIT_CWD (npm moves to the repository), so relative paths and default
 * outputs are where the user stands.
 */
/**
 * A failure as one line and a code (exit-codes.ts). One that fits no class keeps 1 (a query
 * DuckDB refused is the user's input), unless the state went away under the command (3) or
 * nothing awaited it (`uncaught`: an emulator's callback; the store's, 4).
 */
function machineryExit(e: unknown, uncaught = false): { code: number; line: string } {
  const home = localHome(process.env, process.cwd())
  const failure = failureExit(e, home)
  if (failure.code !== EXIT.rejected) return failure
  if (!existsSync(home) && (uncaught || /ENOENT|Database is closed/.test(failure.line))) {
    return { code: EXIT.state, line: `the local state ${home} went away while the command ran (${failure.line}); nothing more was done` }
  }
  return uncaught ? { code: EXIT.storage, line: `the local store failed: ${failure.line}` } : failure
}

export async function runCli(): Promise<void> {
  const initCwd = process.env['npm_lifecycle_event'] === 'va' ? process.env['INIT_CWD'] : undefined
  if (initCwd) process.chdir(initCwd)
  // An error thrown where no command awaits it (an emulator's callback when the state is deleted
  // under it, say) ends the command with one line and a code of its own, never a stack: the
  // state's (3) when the state is gone, else the store's (4).
  process.on('uncaughtException', (e: unknown) => {
    const { code: exit, line } = machineryExit(e, true)
    process.stderr.write(`va: ${line}\n`)
    if (process.env['VA_DEBUG']) process.stderr.write(`${(e as Error).stack}\n`)
    process.exit(exit)
  })
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') || t.startsWith('\r') ? t : `${t}\n`),
    env: process.env,
    cwd: process.cwd(),
    tty: Boolean(process.stderr.isTTY),
    columns: terminalColumns(process.env, process.stdout.columns),
  }).catch((e: unknown) => {
    // A failure of the machinery, not of the input: one line and its exit code (exit-codes.ts),
    // the stack with VA_DEBUG=1.
    const { code: exit, line } = machineryExit(e)
    process.stderr.write(`va: ${line}\n`)
    if (process.env['VA_DEBUG']) process.stderr.write(`${(e as Error).stack}\n`)
    return exit
  })
  process.exitCode = code
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)
if (isMain) await runCli()

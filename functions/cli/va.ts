#!/usr/bin/env -S npx tsx
import { UsageError, didYouMean, type Command, type CommandIo } from './args.ts'
import { aggregateCommand, appraisalCommand, queryCommand, unlockCommand } from './commands/appraisal.ts'
import { demoCommand } from './commands/demo.ts'
import { redriveCommand, replayCommand } from './commands/operations.ts'
import { reportCommand } from './commands/report.ts'
import { serveCommand } from './commands/serve.ts'
import { statusCommand } from './commands/status.ts'
import { templateCommand } from './commands/template.ts'
import { uploadCommand } from './commands/upload.ts'
import { validateCommand } from './commands/validate.ts'
import { LANGS, terminalColumns, type Lang } from './format.ts'

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'

export const COMMANDS: Command[] = [validateCommand, uploadCommand, statusCommand, aggregateCommand, unlockCommand, appraisalCommand, queryCommand, reportCommand, redriveCommand, replayCommand, templateCommand, demoCommand, serveCommand]

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
    return await command.run(commandArgv, lang ? { ...io, lang } : io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`va ${name}: ${e.message}\nUsage: ${command.usage}`)
      return 2
    }
    throw e
  }
}

/**
 * Runs `va` as a program: the process's arguments, streams and folder. Under `npm run va` the
 * folder is npm's INIT_CWD (npm moves to the repository), so relative paths and default
 * outputs are where the user stands.
 */
export async function runCli(): Promise<void> {
  const initCwd = process.env['npm_lifecycle_event'] === 'va' ? process.env['INIT_CWD'] : undefined
  if (initCwd) process.chdir(initCwd)
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') || t.startsWith('\r') ? t : `${t}\n`),
    env: process.env,
    cwd: process.cwd(),
    tty: Boolean(process.stderr.isTTY),
    columns: terminalColumns(process.env, process.stdout.columns),
  }).catch((e: unknown) => {
    // A failure of the machinery, not of the input: the message, and the stack with VA_DEBUG=1.
    const err = e as Error
    const message = err.message ?? String(e)
    const cause = err.cause ? String((err.cause as Error).message ?? err.cause) : ''
    // An error that quotes its cause already (DuckDB's, for bad SQL) is not repeated.
    process.stderr.write(`va: ${message}${cause && !message.includes(cause) ? ` (${cause})` : ''}\n`)
    if (process.env['VA_DEBUG']) process.stderr.write(`${err.stack}\n`)
    return 1
  })
  process.exitCode = code
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)
if (isMain) await runCli()

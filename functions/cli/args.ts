import { parseArgs, type ParseArgsConfig } from 'node:util'
import { PipelineError } from '../core/errors.ts'
import { localeLang, terminalColumns, type Display, type Lang } from './format.ts'

/** A mistake in how a command was called: exit code 2 (interfaces.md). */
export class UsageError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
  }
}

export interface CommandIo {
  out: (text: string) => void
  err: (text: string) => void
  env: Record<string, string | undefined>
  cwd: string
  /** True when stderr is a terminal (progress bars). */
  tty: boolean
  /** The terminal's width in columns (default: COLUMNS, else 80). */
  columns?: number
  /** The language of human output, from --lang (default: the locale's). */
  lang?: Lang
}

/** How a command draws its human output (format.ts). */
export function displayOf(io: CommandIo): Display {
  return { lang: io.lang ?? localeLang(io.env), columns: io.columns ?? terminalColumns(io.env, undefined) }
}

/** What a command does once loaded: its module exports one of these (functions/cli/commands/). */
export interface CommandRunner {
  run(argv: string[], io: CommandIo): Promise<number>
}

/**
 * A line of va's command table (va.ts): what `va --help` and `va <name> --help` print, and how
 * to load the command's module, which happens only when that command runs.
 */
export interface Command {
  name: string
  summary: string
  usage: string
  help: string
  load(): Promise<CommandRunner>
}

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses flags strictly; an unknown flag or a missing value is a usage error, not a crash. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

export function requireCounty(value: unknown): string {
  if (value === undefined) throw new UsageError('--county is required: the 6-digit county code, e.g. --county 522226')
  if (typeof value !== 'string' || !/^\d{6}$/.test(value)) throw new UsageError('--county needs the 6-digit county code, e.g. --county 522226')
  return value
}

export function requirePeriod(value: unknown, flag = '--period'): string {
  if (value === undefined) throw new UsageError(`${flag} is required: a quarter written like 2024Q2`)
  // 2024q2 is the same quarter: the contract's spelling is upper case.
  const period = typeof value === 'string' ? value.toUpperCase() : ''
  if (!/^\d{4}Q[1-4]$/.test(period)) throw new UsageError(`${flag} needs a quarter written like 2024Q2`)
  return period
}

export function requireTarget(value: unknown): 'local' | 'aws' {
  const t = value ?? 'local'
  if (t !== 'local' && t !== 'aws') throw new UsageError('--target is local (the default) or aws')
  return t
}

/** The nearest of the names to a mistyped one, when it is close enough to be meant (edit distance ≤ 2, or a prefix). */
export function didYouMean(typed: string, names: readonly string[]): string | undefined {
  const scored = names.map((name) => ({ name, d: name.startsWith(typed) && typed.length >= 2 ? 0 : editDistance(typed.toLowerCase(), name) }))
  const best = scored.sort((a, b) => a.d - b.d)[0]
  return best && best.d <= Math.min(2, Math.floor(best.name.length / 2)) ? best.name : undefined
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}

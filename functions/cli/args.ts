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

export interface Command {
  name: string
  summary: string
  usage: string
  help: string
  run(argv: string[], io: CommandIo): Promise<number>
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
  if (typeof value !== 'string' || !/^\d{6}$/.test(value)) throw new UsageError('--county needs the 6-digit county code, e.g. --county 522226')
  return value
}

export function requirePeriod(value: unknown, flag = '--period'): string {
  if (typeof value !== 'string' || !/^\d{4}Q[1-4]$/.test(value)) throw new UsageError(`${flag} needs a quarter written like 2024Q2`)
  return value
}

export function requireTarget(value: unknown): 'local' | 'aws' {
  const t = value ?? 'local'
  if (t !== 'local' && t !== 'aws') throw new UsageError('--target is local (the default) or aws')
  return t
}

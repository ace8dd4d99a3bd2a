import { statfsSync } from 'node:fs'
import { dirname } from 'node:path'
import { PipelineError, StorageError } from '../core/errors.ts'
import { LocalStateError } from '../local/local-errors.ts'

/**
 * The exit codes of `va`. The contract fixes 0, 1 and 2 (interfaces.md); the others say which
 * fault stopped a command, so that a script can tell "the file was rejected" (1) from "the
 * machine could not do it" (3 and up). The README lists them.
 */
export const EXIT = {
  ok: 0,
  /** The input was rejected, or a check failed. */
  rejected: 1,
  usage: 2,
  /** The local state is missing, read-only, unusable, or held by another process too long. */
  state: 3,
  /** Reading or writing the store failed (an emulator or AWS answered with an error). */
  storage: 4,
  /** The disk holding the local state (or a file being written) is full. */
  diskFull: 5,
  /** The input file vanished or became unreadable after it was checked. */
  inputGone: 6,
  /** The local store cannot hold the object's name (a path segment too long in bytes). */
  nameTooLong: 7,
  /** Torn emulator files were found and quarantined (va reconcile reports them). */
  quarantined: 8,
} as const

/** The input file is gone or unreadable after the command checked it. */
export class InputFileError extends PipelineError {}

/** The local store cannot hold this object name: refused before anything is uploaded. */
export class NameTooLongError extends PipelineError {}

function chain(error: unknown): unknown[] {
  const out: unknown[] = []
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    out.push(e)
    e = e instanceof Error ? e.cause : undefined
  }
  return out
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code

/** True when the file system holding `path` (or its nearest existing folder) has no room left. */
export function diskFull(path: string): boolean {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = statfsSync(p)
      return s.bavail * s.bsize < 64 * 1024
    } catch {
      if (dirname(p) === p) return false
    }
  }
}

/** The error's message and its first cause, unless it quotes it already (DuckDB's, for bad SQL). */
function oneLine(error: unknown): string {
  const err = error as Error
  const message = err?.message ?? String(error)
  const cause = err?.cause ? String((err.cause as Error).message ?? err.cause) : ''
  return `${message}${cause && !message.includes(cause) ? ` (${cause})` : ''}`
}

/** The exit code and the one line to print for a failure that ended a command. */
export function failureExit(error: unknown, home?: string): { code: number; line: string } {
  const links = chain(error)
  const line = oneLine(error)
  if (links.some((e) => e instanceof NameTooLongError)) return { code: EXIT.nameTooLong, line }
  if (links.some((e) => e instanceof InputFileError)) return { code: EXIT.inputGone, line }
  if (links.some((e) => codeOf(e) === 'ENOSPC' || codeOf(e) === 'EDQUOT') || (home !== undefined && diskFull(home))) {
    return { code: EXIT.diskFull, line: `the disk is full${home ? ` (the local state is ${home})` : ''}: ${line}` }
  }
  if (links.some((e) => e instanceof LocalStateError)) return { code: EXIT.state, line }
  if (links.some((e) => ['EROFS', 'EACCES', 'EPERM'].includes(codeOf(e) ?? ''))) return { code: EXIT.state, line: `the local state cannot be written: ${line}` }
  if (links.some((e) => e instanceof StorageError)) return { code: EXIT.storage, line }
  return { code: EXIT.rejected, line }
}

/**
 * The one base of the pipeline's own errors. Every error keeps the error it wraps as `cause`
 * (ES2022), so a log or a dead letter shows the whole chain: which operation on which key
 * failed, and the SDK's or the file system's own words beneath.
 *
 * Findings are values, not errors: bad data never throws. These are for what is not the
 * county's doing (a bucket unreachable, a bad configuration, a bug).
 */
export class PipelineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A misconfiguration found at start-up (environment, scoring configuration, SQL files). */
export class ConfigurationError extends PipelineError {}

/** Reading or writing an object store, a table or a local file failed. */
export class StorageError extends PipelineError {}

/** The messages of an error and of its causes, outermost first, for a one-line report. */
export function describeError(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) {
      parts.push(current.message)
      current = current.cause
    } else {
      parts.push(String(current))
      break
    }
  }
  return parts.filter((p, i) => p && p !== parts[i - 1]).join(': ')
}

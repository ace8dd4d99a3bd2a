import { PipelineError } from '../core/errors.ts'

/** The local state cannot be used: missing, read-only, or held by another process too long. */
export class LocalStateError extends PipelineError {}

/** The process that owned the local state ended while this one was attached to it. */
export class OwnerGoneError extends LocalStateError {}

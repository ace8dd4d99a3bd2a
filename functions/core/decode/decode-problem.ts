import type { Finding, FindingCode, Message } from '../../../schemas/findings.ts'
import { finding } from '../findings.ts'
import { PipelineError } from '../errors.ts'

/**
 * Thrown inside the decoders to unwind a parse that has met bad input, and caught at the
 * public boundary (`decodeFile`, `SheetSource.rows()`), where it becomes a finding. It never
 * escapes this folder: findings are values, and this is only the way they travel up a deep
 * parser without threading a result through every call.
 */
export class DecodeStop extends PipelineError {
  readonly finding: Finding

  constructor(found: Finding) {
    super(found.message.en)
    this.name = 'DecodeStop'
    this.finding = found
  }
}

/** A file-level finding: no `row`, the place (line, entry) is in the detail. */
export function fileProblem(code: FindingCode, detail: Message, sheet?: string): Finding {
  return sheet === undefined ? finding({ code, detail }) : finding({ code, sheet, detail })
}

export function stop(code: FindingCode, detail: Message, sheet?: string): DecodeStop {
  return new DecodeStop(fileProblem(code, detail, sheet))
}

/**
 * The problems list of a decoded file. Restarting a sheet can meet the same problem again;
 * it is listed once.
 */
export class ProblemList {
  readonly items: Finding[] = []
  readonly #seen = new Set<string>()

  add(found: Finding): void {
    const key = `${found.code}\u0000${found.sheet ?? ''}\u0000${found.message.en}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    this.items.push(found)
  }
}

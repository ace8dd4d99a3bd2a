import { COUNTY_DATASETS } from '../../../schemas/datasets.ts'
import type { DatasetName, Finding } from '../../../schemas/findings.ts'
import type { UploadLimits } from '../../../schemas/settings.ts'
import type { ByteCodecs } from '../decode/byte-codecs.ts'
import { decodeFile } from '../decode/decode-file.ts'
import type { ByteSource, DecodeResult, FileFormat } from '../decode/types.ts'
import type { UploadPlace } from '../upload-place.ts'
import { validateFile, type RecordSink, type ValidationContext, type ValidationOutcome } from './validate-file.ts'

/** What the check of one file's bytes needs, and nothing that does I/O: it runs in Node and in a browser. */
export interface SourceCheck {
  place: UploadPlace
  fileName: string
  source: ByteSource
  receivedAt: Date
  submissionId: string
  /**
   * Keyed HMAC of a resident ID number (head_id_hash). Only rows kept by a sink are hashed:
   * a check without a sink (the browser's) finds ID numbers without ever hashing them.
   */
  hashId: (value: string) => string
  /** The dataset, when the caller names it (`va validate --dataset`). */
  dataset?: DatasetName
  limits: UploadLimits
  /** The runtime's inflate, CRC-32 and UTF-8 check. */
  codecs: ByteCodecs
  /** File-level errors found before reading (wrong_place, period_locked): the whole answer. */
  preFindings?: Finding[]
  /** Earlier uploads and the registry, when the caller has them (the server does; a browser does not). */
  loaders?: StateLoaders
}

export type StateLoaders = Partial<Pick<ValidationContext, 'previous' | 'earlierRoster' | 'registry' | 'counterpart'>>

/**
 * The pure part of the pipeline's check (`checkUpload`): decoding within the limits and every
 * rule that needs only the file, the place and the time, plus the rules whose loaders are given.
 */
export async function checkSource(input: SourceCheck, sink?: RecordSink): Promise<{ outcome: ValidationOutcome; format?: FileFormat }> {
  const preFindings = input.preFindings ?? []
  const ctx = validationContext(input, input.limits, preFindings, input.loaders)
  const decoded: DecodeResult = preFindings.length > 0
    ? { ok: false, problems: [] }
    : await decodeFile(input.source, { codecs: input.codecs, fileName: input.fileName, limits: { maxBytes: input.limits.maxBytes } })
  const outcome = await validateFile(decoded, ctx, sink, { fileBytes: input.source.size })
  return decoded.ok ? { outcome, format: decoded.file.format } : { outcome }
}

/** What the validator needs to know: the place, the time, the limits, the loaders of earlier uploads. */
export function validationContext(
  input: Pick<SourceCheck, 'place' | 'receivedAt' | 'submissionId' | 'hashId' | 'dataset'>,
  limits: UploadLimits,
  preFindings: Finding[] = [],
  loaders: StateLoaders = {},
): ValidationContext {
  const { place } = input
  const ctx: ValidationContext = {
    county: place.kind === 'county' ? place.county : null,
    period: place.kind === 'county' ? place.period : null,
    candidates: place.kind === 'registry' ? ['org_units'] : place.kind === 'targets' ? ['targets'] : COUNTY_DATASETS,
    receivedAt: input.receivedAt,
    deadlineDays: limits.deadlineDays,
    maxRows: limits.maxRows,
    hashId: input.hashId,
    submissionId: input.submissionId,
    preFindings,
  }
  if (place.kind === 'registry') ctx.dataset = 'org_units'
  else if (place.kind === 'targets') {
    ctx.dataset = 'targets'
    if (place.scope !== undefined) ctx.scope = place.scope
  }
  else if (input.dataset) ctx.dataset = input.dataset
  return Object.assign(ctx, loaders)
}

import type { ValidationReport } from '../../../../schemas/findings.ts'
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from '../../../../schemas/settings.ts'
import { bufferByteSource } from '../../../core/decode/byte-source.ts'
import { checkSource } from '../../../core/validate/check-source.ts'
import { parseUploadKey } from '../../../core/upload-place.ts'
import { browserByteCodecs } from './browser-byte-codecs.ts'

export interface BrowserCheckInput {
  bytes: Uint8Array
  fileName: string
  /** `uploads/<county>/<period>/<file>`, `registry/org_units/<file>` or `registry/targets/<file>`. */
  key: string
  receivedAt: Date
  limits?: UploadLimits
}

/**
 * The pipeline's check of one file (core's checkSource, the code `va validate` and the Lambda
 * run), in the page: the same findings, without the quarter-over-quarter and roster checks,
 * which need the server's history. ID numbers are found, never hashed: no row is kept.
 */
export async function checkInBrowser(input: BrowserCheckInput): Promise<ValidationReport> {
  const { outcome } = await checkSource({
    place: parseUploadKey(input.key),
    fileName: input.fileName,
    source: bufferByteSource(input.bytes),
    receivedAt: input.receivedAt,
    submissionId: 'browser-check',
    hashId: () => {
      throw new Error('the browser check keeps no rows, so it never hashes an ID number')
    },
    limits: input.limits ?? DEFAULT_UPLOAD_LIMITS,
    codecs: browserByteCodecs,
  })
  return outcome.report
}

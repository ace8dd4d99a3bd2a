/**
 * Every setting of the pipeline that more than one place needs, defined once. The Lambda
 * environment (`env.ts`) defaults to these, the stack (infra/) writes them into the functions'
 * environment, and the local runtime, the CLI and the decoders read them from here.
 */

/** What one upload may be (validation.md: file_too_large, too_many_rows, archive_limits). */
export const UPLOAD_LIMITS = {
  /** `file_too_large` above this many bytes. */
  maxBytes: 200_000_000,
  /** `too_many_rows` above this many data rows. */
  maxRows: 2_000_000,
  /** Days after the quarter's last day before `late_submission`. */
  deadlineDays: 10,
  /** XLSX: `archive_limits` above this many unpacked bytes in all. */
  maxUnpackedBytes: 1024 * 1024 * 1024,
  /** XLSX: `archive_limits` above this many entries. */
  maxEntries: 10_000,
} as const

export interface UploadLimits {
  maxBytes: number
  maxRows: number
  deadlineDays: number
}

/** The default upload limits as the use cases take them. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxBytes: UPLOAD_LIMITS.maxBytes,
  maxRows: UPLOAD_LIMITS.maxRows,
  deadlineDays: UPLOAD_LIMITS.deadlineDays,
}

/** `va template`: rows under the header that carry data validation (the example row included). */
export const TEMPLATE_DATA_ROWS = 2000
/**
 * The portal page's Content-Security-Policy (portal.md: strict, no third-party requests), sent
 * by CloudFront's response headers policy on AWS and by `va serve` locally. Everything comes
 * from the page's own origin; `connectOrigins` adds where the browser posts uploads on AWS (the
 * ingest bucket's own address: presigned POSTs go straight to S3, never through the API).
 */
export function portalContentSecurityPolicy(connectOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    `connect-src 'self'${connectOrigins.map((o) => ` ${o}`).join('')}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ')
}

/**
 * Evidence files of a response (rectification.md, "Responded"): PDF, image or XLSX, at most
 * 20 MB, recognised by their content, never by their name.
 */

export const EVIDENCE_MAX_BYTES = 20 * 1024 * 1024

export type EvidenceKind = 'pdf' | 'png' | 'jpeg' | 'gif' | 'webp' | 'xlsx'

export const EVIDENCE_CONTENT_TYPES: Record<EvidenceKind, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to))

/**
 * The kind of an evidence file from its bytes, or undefined when it is none of them. An XLSX is
 * a ZIP whose entries include `[Content_Types].xml` and a part under `xl/` (their names are
 * stored uncompressed in the local headers and the central directory).
 */
export function evidenceKind(bytes: Uint8Array): EvidenceKind | undefined {
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf'
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) return 'png'
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif'
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp'
  if (ascii(bytes, 0, 4) === 'PK\u0003\u0004') {
    const text = new TextDecoder('latin1').decode(bytes)
    if (text.includes('[Content_Types].xml') && text.includes('xl/')) return 'xlsx'
  }
  return undefined
}

/** The lake key of an evidence file (interfaces.md): the file's own name, without any folder part. */
export function evidenceKey(county: string, itemId: string, fileName: string): string {
  const last = fileName.split(/[\\/]/).pop() ?? ''
  // Control characters never reach an object key.
  const base = [...last].filter((c) => c.charCodeAt(0) >= 0x20).join('').trim() || 'evidence'
  return `rectification/${county}/${itemId}/${base}`
}

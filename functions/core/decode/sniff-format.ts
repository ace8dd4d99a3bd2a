import type { Message } from '../../../schemas/findings.ts'

/** How many leading bytes decide the format (contract/validation.md, "Reading a file"). */
export const SNIFF_BYTES = 8 * 1024

export type Sniffed =
  | { kind: 'zip' }
  | { kind: 'json' }
  | { kind: 'csv' }
  | { kind: 'unsupported'; detail: Message }

interface Signature {
  bytes: readonly number[]
  detail: Message
}

const SAVE_AS_XLSX: Message = {
  zh: '这是旧版 Excel（.xls）文件，请另存为 .xlsx 后再上传',
  en: 'this is an old Excel (.xls) file; save it as .xlsx and upload again',
}

const SIGNATURES: readonly Signature[] = [
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], detail: SAVE_AS_XLSX },
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], detail: { zh: '这是 PNG 图片', en: 'this is a PNG image' } },
  { bytes: [0xff, 0xd8, 0xff], detail: { zh: '这是 JPEG 图片', en: 'this is a JPEG image' } },
  { bytes: [0x47, 0x49, 0x46, 0x38, 0x37, 0x61], detail: { zh: '这是 GIF 图片', en: 'this is a GIF image' } },
  { bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], detail: { zh: '这是 GIF 图片', en: 'this is a GIF image' } },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], detail: { zh: '这是 PDF 文档', en: 'this is a PDF document' } },
]

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  if (head.length < bytes.length) return false
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false
  return true
}

/**
 * Decides the format from the first bytes only, never from the file name: a PNG named
 * `.csv` is still a PNG. ZIPs are told apart (XLSX or not) by the caller, which must read
 * the central directory for that.
 */
export function sniffFormat(head: Uint8Array): Sniffed {
  // Local file header, or the end record of an empty archive: both are ZIPs.
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return { kind: 'zip' }
  for (const signature of SIGNATURES) {
    if (startsWith(head, signature.bytes)) return { kind: 'unsupported', detail: signature.detail }
  }
  const nul = head.indexOf(0)
  if (nul !== -1) {
    // UTF-16 text is the common honest case of NUL bytes in a "CSV": say so.
    if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
      return {
        kind: 'unsupported',
        detail: { zh: '这是 UTF-16 文本，请另存为 UTF-8 编码的 CSV', en: 'this is UTF-16 text; save it as UTF-8 CSV' },
      }
    }
    return {
      kind: 'unsupported',
      detail: {
        zh: `第 ${nul + 1} 个字节是 NUL，这是二进制文件而不是文本`,
        en: `byte ${nul + 1} is NUL: a binary file, not text`,
      },
    }
  }
  let at = startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : 0
  while (at < head.length) {
    const byte = head[at]
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) break
    at++
  }
  const first = head[at]
  return first === 0x5b || first === 0x7b ? { kind: 'json' } : { kind: 'csv' }
}

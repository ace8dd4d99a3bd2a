import { PipelineError } from '../errors.ts'

/**
 * The byte work that each runtime does natively: raw-deflate inflating (XLSX), CRC-32 (ZIP
 * entries) and strict UTF-8 validation (text formats). Core stays pure and runs in Node and
 * in the browser alike; the caller injects the runtime's own implementation
 * (adapters/node-byte-codecs.ts on Node, portal/src/check/browser-byte-codecs.ts in a page).
 */
export interface ByteCodecs {
  /**
   * Raw deflate as a pull stream: nothing is inflated ahead of what the consumer takes.
   * Corrupt compressed data ends the iteration with a `CorruptDeflate`.
   */
  inflateRaw(raw: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>
  /** CRC-32 (ISO-HDLC, as ZIP uses it) of `bytes`, continuing from `previous`. */
  crc32(bytes: Uint8Array, previous: number): number
  /** Strict UTF-8: no overlongs, surrogates or code points past U+10FFFF (as a fatal TextDecoder). */
  isUtf8(bytes: Uint8Array): boolean
}

/** The compressed data of a ZIP entry could not be inflated. */
export class CorruptDeflate extends PipelineError {}

let table: Uint32Array | undefined

/** CRC-32 in plain JavaScript, for runtimes without a native one (the browser). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  let crc = ~previous >>> 0
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

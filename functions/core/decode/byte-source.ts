import type { ByteSource } from './types.ts'

/**
 * Chunk size of `stream()`. Large enough that per-chunk costs (a read call, a decode call,
 * an async hop) vanish against the work on the bytes; small enough to keep memory flat.
 */
export const STREAM_CHUNK = 256 * 1024

/** Bytes already in memory (tests, small downloads, the browser). Files: adapters/file-byte-source.ts. */
export function bufferByteSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async read(position, length) {
      const start = Math.max(0, Math.min(position, bytes.length))
      const end = Math.max(start, Math.min(position + length, bytes.length))
      return bytes.subarray(start, end)
    },
    async *stream() {
      for (let at = 0; at < bytes.length; at += STREAM_CHUNK) {
        yield bytes.subarray(at, Math.min(at + STREAM_CHUNK, bytes.length))
      }
    },
  }
}

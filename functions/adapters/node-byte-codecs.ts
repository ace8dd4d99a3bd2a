import { isUtf8 } from 'node:buffer'
import { Readable } from 'node:stream'
import { crc32, createInflateRaw } from 'node:zlib'
import { CorruptDeflate, type ByteCodecs } from '../core/decode/byte-codecs.ts'

/** Inflated chunk size: zlib's per-call cost makes small chunks several times slower. */
const INFLATE_CHUNK = 256 * 1024

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('Z_')
}

async function* inflateRaw(raw: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK })
  const input = Readable.from(raw)
  input.on('error', (error) => inflater.destroy(error))
  input.pipe(inflater)
  try {
    for await (const chunk of inflater) yield chunk as Uint8Array
  } catch (error) {
    if (isZlibError(error)) throw new CorruptDeflate('corrupt deflate data', { cause: error })
    throw error
  } finally {
    input.destroy()
    inflater.destroy()
  }
}

/** Node's zlib and buffer: native inflate, CRC-32 and UTF-8 validation. */
export const nodeByteCodecs: ByteCodecs = {
  inflateRaw,
  crc32: (bytes, previous) => crc32(bytes, previous),
  isUtf8: (bytes) => isUtf8(bytes),
}

import { CorruptDeflate, crc32, type ByteCodecs } from '../../../core/decode/byte-codecs.ts'

/**
 * The browser's own inflate (`DecompressionStream('deflate-raw')`), pulled chunk by chunk so
 * that nothing is inflated ahead of what the reader takes (the unpack budget counts as it goes).
 */
async function* inflateRaw(raw: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const input = raw[Symbol.asyncIterator]()
  const compressed = new ReadableStream<BufferSource>({
    async pull(controller) {
      const next = await input.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value as Uint8Array<ArrayBuffer>)
    },
    async cancel() {
      await input.return?.()
    },
  })
  const reader = compressed.pipeThrough<Uint8Array>(new DecompressionStream('deflate-raw')).getReader()
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>
      try {
        next = await reader.read()
      } catch (error) {
        // The stream fails with a TypeError on corrupt data; a DecodeStop from the source passes as it is.
        if (error instanceof TypeError) throw new CorruptDeflate('corrupt deflate data', { cause: error })
        throw error
      }
      if (next.done) return
      yield next.value
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Inflate, CRC-32 and the UTF-8 check as a browser has them (core's CRC-32 in plain JavaScript). */
export const browserByteCodecs: ByteCodecs = {
  inflateRaw,
  crc32,
  isUtf8(bytes) {
    try {
      utf8.decode(bytes)
      return true
    } catch {
      return false
    }
  },
}

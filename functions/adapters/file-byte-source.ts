import { open } from 'node:fs/promises'
import { STREAM_CHUNK } from '../core/decode/byte-source.ts'
import type { ByteSource } from '../core/decode/types.ts'

/**
 * A local file, read through one handle: random access for the ZIP reader, sequential chunks
 * for text. The size is taken once at open, so a file that grows meanwhile is read as it was.
 * `close()` releases the handle and may be called more than once.
 */
export async function fileByteSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r')
  let size: number
  try {
    size = (await handle.stat()).size
  } catch (error) {
    await handle.close()
    throw error
  }
  let closed = false

  async function read(position: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, Math.min(position, size))
    const wanted = Math.max(0, Math.min(length, size - start))
    const buffer = Buffer.allocUnsafe(wanted)
    let filled = 0
    // A read may return fewer bytes than asked; loop until done or the file ends early.
    while (filled < wanted) {
      const { bytesRead } = await handle.read(buffer, filled, wanted - filled, start + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return buffer.subarray(0, filled)
  }

  return {
    size,
    read,
    async *stream() {
      for (let at = 0; at < size; ) {
        const chunk = await read(at, STREAM_CHUNK)
        if (chunk.length === 0) return
        at += chunk.length
        yield chunk
      }
    },
    async close() {
      if (closed) return
      closed = true
      await handle.close()
    },
  }
}

/**
 * `detectTextEncoding` validates UTF-8 with `buffer.isUtf8`, chunk by chunk, carrying a
 * character cut by a chunk's end: it must decide exactly as a fatal TextDecoder over the
 * whole stream would, however the bytes are cut.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { detectTextEncoding } from '../../../functions/core/decode/text-encoding.ts'
import type { ByteSource } from '../../../functions/core/decode/types.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

function chunked(bytes: Uint8Array, cuts: number[]): ByteSource {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  return {
    size: bytes.length,
    read: async (p, n) => bytes.subarray(p, p + n),
    async *stream() {
      let at = 0
      for (const p of [...points, bytes.length]) {
        if (p > at) yield bytes.subarray(at, p)
        at = Math.max(at, p)
      }
    },
  }
}

/** The decision as the first version made it: a fatal streaming decode of every chunk. */
async function reference(source: ByteSource): Promise<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let first = true
  let bom = false
  try {
    for await (const chunk of source.stream()) {
      if (first) {
        bom = chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf
        first = false
      }
      decoder.decode(chunk, { stream: true })
    }
    decoder.decode()
  } catch {
    return 'gb18030'
  }
  return bom ? 'utf-8-bom' : 'utf-8'
}

const text = fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => new TextEncoder().encode(s))
const noisy = fc.tuple(text, fc.uint8Array({ maxLength: 6 }), fc.nat(), text).map(([a, junk, at, b]) => {
  const out = new Uint8Array(a.length + junk.length + b.length)
  out.set(a)
  out.set(junk, a.length)
  out.set(b, a.length + junk.length)
  return at % 4 === 0 ? out.subarray(0, Math.max(0, out.length - (at % 3))) : out
})
const withBom = (bytes: fc.Arbitrary<Uint8Array>) => fc.tuple(fc.boolean(), bytes).map(([bom, b]) => (bom ? Uint8Array.from([0xef, 0xbb, 0xbf, ...b]) : b))

describe('detectTextEncoding', () => {
  it('decides as a fatal decoder would, wherever the chunks are cut', async () => {
    await fc.assert(
      fc.asyncProperty(withBom(fc.oneof(text, noisy, fc.uint8Array({ maxLength: 40 }))), fc.array(fc.nat(), { maxLength: 8 }), async (bytes, cuts) => {
        expect(await detectTextEncoding(chunked(bytes, cuts), nodeByteCodecs)).toBe(await reference(chunked(bytes, cuts)))
      }),
      { seed: 29, numRuns: 3000 },
    )
  })

  it.each([
    ['a 3-byte character cut after its first byte', [0xe6, 0x9d, 0x91], [1], 'utf-8'],
    ['a 4-byte character cut in three', [0xf0, 0xa0, 0x80, 0x80], [1, 3], 'utf-8'],
    ['a lead byte at the very end', [0x61, 0xe6], [1], 'gb18030'],
    ['a surrogate encoded as UTF-8', [0xed, 0xa0, 0x80], [2], 'gb18030'],
    ['an overlong slash', [0xc0, 0xaf], [1], 'gb18030'],
  ] as const)('%s', async (_name, bytes, cuts, encoding) => {
    expect(await detectTextEncoding(chunked(Uint8Array.from(bytes), [...cuts]), nodeByteCodecs)).toBe(encoding)
  })
})

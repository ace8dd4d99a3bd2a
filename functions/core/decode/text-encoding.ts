import { type DecodeStop, stop } from './decode-problem.ts'
import type { ByteCodecs } from './byte-codecs.ts'
import type { ByteSource } from './types.ts'
import { PipelineError } from '../errors.ts'

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'gb18030'

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
}

/**
 * Strict UTF-8 first, else GB18030 (contract/validation.md, "Reading a file"). The UTF-8 check
 * is a full streaming pass before any row is read, so the main pass never has to restart
 * mid-file with another decoder. GB18030 is not checked here: its errors surface during the
 * main pass (`decodeTextChunks`), which stops with `encoding`.
 *
 * The pass validates without decoding (the runtime's `isUtf8`, the same strictness as a fatal
 * TextDecoder: no overlongs, surrogates or code points past U+10FFFF): a character cut by
 * a chunk's end is carried over to the next chunk.
 */
export async function detectTextEncoding(source: ByteSource, { isUtf8 }: Pick<ByteCodecs, 'isUtf8'>): Promise<TextEncoding> {
  let first = true
  let bom = false
  let carry: Uint8Array = new Uint8Array(0)
  for await (const chunk of source.stream()) {
    if (first) {
      bom = hasUtf8Bom(chunk)
      first = false
    }
    const bytes = carry.length === 0 ? chunk : concat(carry, chunk)
    const end = completeLength(bytes)
    if (!isUtf8(bytes.subarray(0, end))) return 'gb18030'
    carry = bytes.slice(end)
  }
  if (carry.length > 0 && !isUtf8(carry)) return 'gb18030'
  return bom ? 'utf-8-bom' : 'utf-8'
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/**
 * The length of `bytes` without a UTF-8 sequence that its last bytes begin but do not
 * finish (at most 3 bytes); anything malformed is left in, for `isUtf8` to refuse.
 */
function completeLength(bytes: Uint8Array): number {
  const end = bytes.length
  let k = end - 1
  while (k >= 0 && end - k <= 3 && (bytes[k]! & 0xc0) === 0x80) k--
  if (k < 0) return end
  const lead = bytes[k]!
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return k + need > end ? k : end
}

/** A fatal TextDecoder throws a TypeError on bad bytes (Node adds a code; browsers do not). */
function isDecodeError(error: unknown): boolean {
  return error instanceof TypeError
}

function decoderFor(encoding: TextEncoding) {
  // The default `ignoreBOM: false` strips a leading UTF-8 BOM; a U+FEFF further in is kept.
  return new TextDecoder(encoding === 'gb18030' ? 'gb18030' : 'utf-8', { fatal: true })
}

/**
 * Bytes the chosen encoding rejects, met in the main pass. The text before them has been
 * handed out, so the caller, which counts lines, says on which line they are.
 */
export class BadTextBytes extends PipelineError {
  constructor() {
    super('bytes that are neither UTF-8 nor GB18030')
    this.name = 'BadTextBytes'
  }
}

/** The `encoding` finding for bad bytes on a line. */
export function encodingProblem(line: number): DecodeStop {
  return stop('encoding', {
    zh: `第 ${line} 行含有既不属于 UTF-8 也不属于 GB18030 的字节，请另存为 UTF-8 编码`,
    en: `line ${line} holds bytes that are neither UTF-8 nor GB18030; save the file as UTF-8`,
  })
}

/** The text of `chunk` up to its first undecodable byte. */
function validPrefix(chunk: Uint8Array, encoding: TextEncoding): string {
  const text = new TextDecoder(encoding === 'gb18030' ? 'gb18030' : 'utf-8', { ignoreBOM: true }).decode(chunk)
  const bad = text.indexOf('\uFFFD')
  return bad === -1 ? text : text.slice(0, bad)
}

/**
 * The text of the source, chunk by chunk. On bytes the encoding rejects it yields the text of
 * that chunk up to them, then throws `BadTextBytes`.
 */
export async function* decodeTextChunks(source: ByteSource, encoding: TextEncoding): AsyncGenerator<string> {
  const decoder = decoderFor(encoding)
  for await (const chunk of source.stream()) {
    let text: string
    try {
      text = decoder.decode(chunk, { stream: true })
    } catch (error) {
      if (!isDecodeError(error)) throw error
      const prefix = validPrefix(chunk, encoding)
      if (prefix.length > 0) yield prefix
      throw new BadTextBytes()
    }
    if (text.length > 0) yield text
  }
  let tail: string
  try {
    tail = decoder.decode()
  } catch (error) {
    if (!isDecodeError(error)) throw error
    // An incomplete character at the very end: the text before it was all handed out.
    throw new BadTextBytes()
  }
  if (tail.length > 0) yield tail
}

/** The whole text (JSON is parsed whole; its size is bounded by `maxBytes`). */
export async function decodeWholeText(source: ByteSource, encoding: TextEncoding): Promise<string> {
  const parts: string[] = []
  try {
    for await (const text of decodeTextChunks(source, encoding)) parts.push(text)
  } catch (error) {
    if (!(error instanceof BadTextBytes)) throw error
    let line = 1
    for (const part of parts) for (let i = part.indexOf('\n'); i !== -1; i = part.indexOf('\n', i + 1)) line++
    throw encodingProblem(line)
  }
  return parts.join('')
}

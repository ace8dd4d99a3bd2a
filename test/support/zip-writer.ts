/**
 * A tiny ZIP writer for test fixtures: honest archives by default, and every header field
 * overridable to build broken or hostile ones (lying sizes, encryption flags, odd methods).
 *
 *   writeZip([{ name: 'a.txt', data: 'hello' }])
 *   writeZip([{ name: 'x', data: big, declare: { uncompressedSize: 10 } }]) // lies about its size
 *   writeZip([{ name: 'bomb', ...zeroDeflate(2048) }])                    // 2 GiB of zeros, ~2 MB
 */
import { constants, crc32 as zlibCrc32, deflateRawSync } from 'node:zlib'

export interface ZipEntrySpec {
  /** Path inside the archive, `/`-separated. */
  name: string
  /** Content; a string is written as UTF-8. Ignored when `compressed` is given. */
  data?: Uint8Array | string
  /** `deflate` (the default) or `store`. */
  method?: 'deflate' | 'store'
  /**
   * Already-deflated bytes written as the entry's data (method 8), for streams too large to
   * hold inflated, such as `zeroDeflate`'s. `uncompressedSize` and `crc` describe the content.
   */
  compressed?: Uint8Array
  uncompressedSize?: number
  crc?: number
  /** Values written in both headers instead of the true ones, to build lying archives. */
  declare?: {
    uncompressedSize?: number
    compressedSize?: number
    crc?: number
    /** Raw method number (0 store, 8 deflate, 12 bzip2, …). */
    method?: number
    /** Raw general-purpose flags (bit 0: encrypted). */
    flags?: number
  }
}

export interface ZipOptions {
  comment?: string
  /** Entry count written in the end record instead of the true one. */
  declaredEntryCount?: number
}

/** CRC-32 as ZIP stores it, optionally continuing from an earlier value. */
export function crc32(data: Uint8Array | string, previous = 0): number {
  return zlibCrc32(data, previous) >>> 0
}

function bytesOf(data: Uint8Array | string | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0)
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data
}

/** Writes the archive: local headers and data, central directory, end record. */
export function writeZip(entries: readonly ZipEntrySpec[], options: ZipOptions = {}): Uint8Array {
  const parts: Uint8Array[] = []
  const central: Uint8Array[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    let payload: Uint8Array
    let method: number
    let size: number
    let crc: number
    if (entry.compressed !== undefined) {
      payload = entry.compressed
      method = 8
      size = entry.uncompressedSize ?? 0
      crc = entry.crc ?? 0
    } else {
      const data = bytesOf(entry.data)
      method = entry.method === 'store' ? 0 : 8
      payload = method === 8 ? deflateRawSync(data) : data
      size = data.length
      crc = crc32(data)
    }
    const declared = {
      method: entry.declare?.method ?? method,
      flags: entry.declare?.flags ?? (/^[\x20-\x7e]*$/.test(entry.name) ? 0 : 0x800),
      crc: entry.declare?.crc ?? crc,
      compressedSize: entry.declare?.compressedSize ?? payload.length,
      uncompressedSize: entry.declare?.uncompressedSize ?? size,
    }
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(declared.flags, 6)
    local.writeUInt16LE(declared.method, 8)
    local.writeUInt16LE(0, 10) // time 00:00
    local.writeUInt16LE(0x21, 12) // date 1980-01-01
    local.writeUInt32LE(declared.crc >>> 0, 14)
    local.writeUInt32LE(declared.compressedSize >>> 0, 18)
    local.writeUInt32LE(declared.uncompressedSize >>> 0, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    parts.push(local, name, payload)

    const header = Buffer.alloc(46)
    header.writeUInt32LE(0x02014b50, 0)
    header.writeUInt16LE(20, 4)
    header.writeUInt16LE(20, 6)
    header.writeUInt16LE(declared.flags, 8)
    header.writeUInt16LE(declared.method, 10)
    header.writeUInt16LE(0, 12)
    header.writeUInt16LE(0x21, 14)
    header.writeUInt32LE(declared.crc >>> 0, 16)
    header.writeUInt32LE(declared.compressedSize >>> 0, 20)
    header.writeUInt32LE(declared.uncompressedSize >>> 0, 24)
    header.writeUInt16LE(name.length, 28)
    header.writeUInt32LE(offset, 42)
    central.push(header, name)
    offset += local.length + name.length + payload.length
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0)
  const comment = Buffer.from(options.comment ?? '', 'utf8')
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  const count = options.declaredEntryCount ?? entries.length
  end.writeUInt16LE(count, 8)
  end.writeUInt16LE(count, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  end.writeUInt16LE(comment.length, 20)
  return Buffer.concat([...parts, ...central, end, comment])
}

const MIB = 1024 * 1024

/**
 * A raw deflate stream of `mebibytes` MiB of zeros, about 1 KiB per MiB, built without ever
 * holding the zeros: one sync-flushed segment deflating 1 MiB of zeros only refers back to
 * zeros, so it can be repeated, and a final empty block ends the stream. With `crc: true` the
 * CRC of the whole content is computed too (about 0.25 s per GiB).
 */
export function zeroDeflate(mebibytes: number, options: { crc?: boolean } = {}): { compressed: Uint8Array; uncompressedSize: number; crc: number } {
  const zeros = Buffer.alloc(MIB)
  const segment = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_SYNC_FLUSH })
  const finalBlock = deflateRawSync(Buffer.alloc(0))
  const compressed = Buffer.concat([...Array.from({ length: mebibytes }, () => segment), finalBlock])
  let crc = 0
  if (options.crc === true) for (let i = 0; i < mebibytes; i++) crc = crc32(zeros, crc)
  // Sizes of 4 GiB and more do not fit a plain ZIP header; they wrap as a lying writer's would.
  return { compressed, uncompressedSize: (mebibytes * MIB) % 2 ** 32, crc }
}

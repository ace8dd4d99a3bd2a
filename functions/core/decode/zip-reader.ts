import type { Message } from '../../../schemas/findings.ts'
import { CorruptDeflate, type ByteCodecs } from './byte-codecs.ts'
import { stop } from './decode-problem.ts'
import type { ByteSource } from './types.ts'

const EOCD_SIZE = 22
/** The end record sits in the last 22 bytes plus a comment of at most 65,535 bytes. */
const EOCD_SEARCH = EOCD_SIZE + 0xffff
const CENTRAL_HEADER_SIZE = 46
const LOCAL_HEADER_SIZE = 30
const READ_CHUNK = 64 * 1024
/**
 * An entry may not inflate to more than its declared size plus this: more means the header
 * lies about the size (the "lying headers" zip bomb), and inflating stops there.
 */
export const DECLARED_SIZE_MARGIN = 1024 * 1024

const SIG_LOCAL = 0x04034b50
const SIG_CENTRAL = 0x02014b50
const SIG_END = 0x06054b50
const SIG_ZIP64_LOCATOR = 0x07064b50

export interface ZipEntry {
  /** The name as stored. */
  name: string
  /** Lower-cased name: OPC part names are case-insensitive. */
  key: string
  flags: number
  method: number
  crc: number
  compressedSize: number
  uncompressedSize: number
  localHeaderOffset: number
}

function malformed(detail: Message): never {
  throw stop('malformed', detail)
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

const nameDecoder = new TextDecoder('utf-8')

/**
 * Counts the bytes produced by inflating, over all entries of one archive, against
 * `maxUnpackedBytes`. The count is of bytes actually produced, never of the sizes the
 * headers declare.
 */
export class UnpackBudget {
  #total = 0
  readonly max: number

  constructor(max: number) {
    this.max = max
  }

  get total(): number {
    return this.#total
  }

  add(bytes: number, entry: ZipEntry): void {
    this.#total += bytes
    if (this.#total > this.max) {
      throw stop('archive_limits', {
        zh: `解压到条目「${entry.name}」时已超过 ${this.max} 字节的上限`,
        en: `unpacking passed the limit of ${this.max} bytes while inflating entry "${entry.name}"`,
      })
    }
  }
}

/**
 * A ZIP archive read by random access through a `ByteSource`: the central directory once at
 * open, and each entry's bytes on demand, inflated as a stream. Every problem is thrown as a
 * `DecodeStop` (`malformed`, `archive_limits`); nothing is trusted from the headers that
 * could make memory or time grow.
 */
export class ZipArchive {
  readonly entries: readonly ZipEntry[]
  readonly #byKey: ReadonlyMap<string, ZipEntry>
  readonly #source: ByteSource
  readonly #codecs: ByteCodecs

  private constructor(source: ByteSource, codecs: ByteCodecs, entries: ZipEntry[], byKey: Map<string, ZipEntry>) {
    this.#source = source
    this.#codecs = codecs
    this.entries = entries
    this.#byKey = byKey
  }

  static async open(source: ByteSource, maxEntries: number, codecs: ByteCodecs): Promise<ZipArchive> {
    const size = source.size
    if (size < EOCD_SIZE) malformed({ zh: 'ZIP 文件不完整（可能被截断）', en: 'the ZIP is incomplete (truncated?)' })
    const tailStart = Math.max(0, size - EOCD_SEARCH)
    const tail = await source.read(tailStart, size - tailStart)
    if (tail.length !== size - tailStart) malformed({ zh: 'ZIP 文件读取不完整', en: 'the ZIP could not be read to its end' })
    const tailView = view(tail)

    // The last end record whose comment reaches exactly to the end of the file; failing
    // that, the last one that fits at all (some writers leave bytes after it).
    let end = -1
    let loose = -1
    for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
      if (tailView.getUint32(at, true) !== SIG_END) continue
      const commentLength = tailView.getUint16(at + 20, true)
      if (at + EOCD_SIZE + commentLength === tail.length) {
        end = at
        break
      }
      if (loose === -1 && at + EOCD_SIZE + commentLength <= tail.length) loose = at
    }
    if (end === -1) end = loose
    if (end === -1) {
      malformed({
        zh: '找不到 ZIP 的中央目录结尾记录，文件可能被截断',
        en: 'the ZIP has no end-of-central-directory record: the file is truncated or corrupt',
      })
    }
    const endAbsolute = tailStart + end
    const disk = tailView.getUint16(end + 4, true)
    const centralDisk = tailView.getUint16(end + 6, true)
    const entriesOnDisk = tailView.getUint16(end + 8, true)
    const totalEntries = tailView.getUint16(end + 10, true)
    const centralSize = tailView.getUint32(end + 12, true)
    const centralOffset = tailView.getUint32(end + 16, true)
    const zip64Locator = end >= 20 && tailView.getUint32(end - 20, true) === SIG_ZIP64_LOCATOR
    if (zip64Locator || totalEntries === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
      malformed({ zh: '不支持 ZIP64 格式的压缩包', en: 'ZIP64 archives are not supported' })
    }
    if (disk !== 0 || centralDisk !== 0 || entriesOnDisk !== totalEntries) {
      malformed({ zh: '不支持分卷 ZIP', en: 'multi-volume ZIP archives are not supported' })
    }
    if (totalEntries > maxEntries) throw tooManyEntries(totalEntries, maxEntries)
    if (centralOffset + centralSize > endAbsolute) {
      malformed({ zh: 'ZIP 中央目录位置错误，文件可能被截断', en: 'the ZIP central directory lies outside the file: truncated or corrupt' })
    }

    const central = await source.read(centralOffset, centralSize)
    if (central.length !== centralSize) malformed({ zh: 'ZIP 中央目录读取不完整', en: 'the ZIP central directory could not be read' })
    const centralView = view(central)
    const entries: ZipEntry[] = []
    const byKey = new Map<string, ZipEntry>()
    let at = 0
    while (at < central.length) {
      if (entries.length >= maxEntries) throw tooManyEntries(entries.length + 1, maxEntries)
      if (at + CENTRAL_HEADER_SIZE > central.length || centralView.getUint32(at, true) !== SIG_CENTRAL) {
        malformed({ zh: `ZIP 中央目录第 ${entries.length + 1} 项损坏`, en: `ZIP central directory entry ${entries.length + 1} is corrupt` })
      }
      const flags = centralView.getUint16(at + 8, true)
      const method = centralView.getUint16(at + 10, true)
      const crc = centralView.getUint32(at + 16, true)
      const compressedSize = centralView.getUint32(at + 20, true)
      const uncompressedSize = centralView.getUint32(at + 24, true)
      const nameLength = centralView.getUint16(at + 28, true)
      const extraLength = centralView.getUint16(at + 30, true)
      const commentLength = centralView.getUint16(at + 32, true)
      const localHeaderOffset = centralView.getUint32(at + 42, true)
      const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength
      if (next > central.length) {
        malformed({ zh: `ZIP 中央目录第 ${entries.length + 1} 项损坏`, en: `ZIP central directory entry ${entries.length + 1} is corrupt` })
      }
      const name = nameDecoder.decode(central.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength))
      at = next
      const entry: ZipEntry = { name, key: name.toLowerCase(), flags, method, crc, compressedSize, uncompressedSize, localHeaderOffset }
      checkEntry(entry, centralOffset)
      if (byKey.has(entry.key)) {
        malformed({ zh: `ZIP 中有两个同名条目「${name}」`, en: `the ZIP holds two entries named "${name}"` })
      }
      byKey.set(entry.key, entry)
      entries.push(entry)
    }
    if (entries.length !== totalEntries) {
      malformed({
        zh: `ZIP 结尾记录写有 ${totalEntries} 个条目，中央目录实有 ${entries.length} 个`,
        en: `the ZIP end record declares ${totalEntries} entries but the central directory holds ${entries.length}`,
      })
    }
    return new ZipArchive(source, codecs, entries, byKey)
  }

  /** The entry of that name, compared case-insensitively. */
  get(name: string): ZipEntry | undefined {
    return this.#byKey.get(name.toLowerCase())
  }

  /**
   * The entry's bytes, inflated as they are read. Stops with `archive_limits` when the entry
   * outgrows its declared size by `DECLARED_SIZE_MARGIN` or `budget` runs out, and with
   * `malformed` on corrupt data, a size or CRC that does not match, or a truncated file.
   */
  async *chunks(entry: ZipEntry, budget?: UnpackBudget): AsyncGenerator<Uint8Array> {
    const dataStart = await this.#dataStart(entry)
    const raw = this.#rawChunks(entry, dataStart)
    const produced = entry.method === 0 ? raw : this.#codecs.inflateRaw(raw)
    let total = 0
    let crc = 0
    try {
      for await (const chunk of produced) {
        total += chunk.length
        if (total > entry.uncompressedSize + DECLARED_SIZE_MARGIN) {
          throw stop('archive_limits', {
            zh: `条目「${entry.name}」解压后远大于其声明的 ${entry.uncompressedSize} 字节（压缩包头信息不实）`,
            en: `entry "${entry.name}" inflates to far more than the ${entry.uncompressedSize} bytes it declares (lying headers)`,
          })
        }
        budget?.add(chunk.length, entry)
        crc = this.#codecs.crc32(chunk, crc)
        yield chunk
      }
    } catch (error) {
      if (error instanceof CorruptDeflate) {
        malformed({ zh: `条目「${entry.name}」的压缩数据损坏`, en: `the compressed data of entry "${entry.name}" is corrupt` })
      }
      throw error
    }
    if (total !== entry.uncompressedSize || crc >>> 0 !== entry.crc) {
      malformed({
        zh: `条目「${entry.name}」解压后的大小或校验值（CRC）与记录不符`,
        en: `entry "${entry.name}" does not match its recorded size or CRC`,
      })
    }
  }

  async #dataStart(entry: ZipEntry): Promise<number> {
    const header = await this.#source.read(entry.localHeaderOffset, LOCAL_HEADER_SIZE)
    const headerView = view(header)
    if (header.length !== LOCAL_HEADER_SIZE || headerView.getUint32(0, true) !== SIG_LOCAL) {
      malformed({ zh: `条目「${entry.name}」的本地文件头损坏`, en: `the local header of entry "${entry.name}" is corrupt` })
    }
    if ((headerView.getUint16(6, true) & 0x41) !== 0) {
      malformed({ zh: `条目「${entry.name}」已加密`, en: `entry "${entry.name}" is encrypted` })
    }
    const start = entry.localHeaderOffset + LOCAL_HEADER_SIZE + headerView.getUint16(26, true) + headerView.getUint16(28, true)
    if (start + entry.compressedSize > this.#source.size) {
      malformed({ zh: `条目「${entry.name}」超出文件末尾，文件可能被截断`, en: `entry "${entry.name}" runs past the end of the file: truncated` })
    }
    return start
  }

  async *#rawChunks(entry: ZipEntry, start: number): AsyncGenerator<Uint8Array> {
    const end = start + entry.compressedSize
    for (let at = start; at < end; ) {
      const chunk = await this.#source.read(at, Math.min(READ_CHUNK, end - at))
      if (chunk.length === 0) {
        malformed({ zh: `条目「${entry.name}」的数据不完整`, en: `the data of entry "${entry.name}" is incomplete` })
      }
      at += chunk.length
      yield chunk
    }
  }
}

function tooManyEntries(count: number, max: number) {
  return stop('archive_limits', {
    zh: `压缩包有 ${count} 个以上条目，超过 ${max} 个的上限`,
    en: `the archive holds ${count} or more entries, over the limit of ${max}`,
  })
}

function checkEntry(entry: ZipEntry, centralOffset: number): void {
  // Bit 0: traditional encryption; bit 6: strong encryption.
  if ((entry.flags & 0x41) !== 0) {
    malformed({ zh: `条目「${entry.name}」已加密，请取消密码保护后另存`, en: `entry "${entry.name}" is encrypted; remove the password and save again` })
  }
  if (entry.method !== 0 && entry.method !== 8) {
    malformed({
      zh: `条目「${entry.name}」使用了不支持的压缩方式 ${entry.method}`,
      en: `entry "${entry.name}" uses compression method ${entry.method}, which is not supported`,
    })
  }
  if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
    malformed({ zh: '不支持 ZIP64 格式的压缩包', en: 'ZIP64 archives are not supported' })
  }
  if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
    malformed({ zh: `条目「${entry.name}」的大小记录自相矛盾`, en: `entry "${entry.name}" records contradictory sizes` })
  }
  if (entry.localHeaderOffset + LOCAL_HEADER_SIZE > centralOffset) {
    malformed({ zh: `条目「${entry.name}」的位置错误`, en: `entry "${entry.name}" points outside the archive data` })
  }
}

import { cp, open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'

/**
 * The DynamoDB emulator (dynalite) keeps its tables in LevelDB under `<state>/dynamodb`. LevelDB
 * recovers from a kill by itself, but a damaged file (a disk fault, a copy cut short, a
 * hand-edit) is either fatal at open (an empty CURRENT, a garbled MANIFEST: dynalite then throws
 * from a callback) or, worse, silently dropped: a write-ahead log record whose checksum fails is
 * skipped without a word and its items vanish. This reads the store's files before dynalite
 * opens them, so that a damaged store is reported, copied aside and made to open again, never
 * skipped silently; reconciliation then re-records every upload whose record the damage took.
 */

export interface LevelDamage {
  file: string
  problem: string
}

const BLOCK = 32768
const HEADER = 7
/** The 8 bytes every LevelDB table file ends with (table/format.h: kTableMagicNumber, little-endian). */
const TABLE_MAGIC = Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb])
const TABLE_FOOTER = 48

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

function crc32c(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff
  for (let i = start; i < end; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** LevelDB stores CRCs masked (util/crc32c.h) so that a CRC of data holding CRCs stays distinct. */
function masked(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}

/**
 * Checks one file in LevelDB's log format (the write-ahead `*.log` and the `MANIFEST-*`):
 * 32 KiB blocks of records, each `crc32c(4) length(2) type(1) payload`. A record that ends
 * past the file's end at the very end is a write cut off by a kill (`torn`); any checksum
 * mismatch or impossible header elsewhere is damage.
 */
export function checkLogFormat(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  while (at < bytes.length) {
    const left = BLOCK - (at % BLOCK)
    if (left < HEADER) {
      at += left
      continue
    }
    if (at + HEADER > bytes.length) return `a record header cut off at byte ${at} (the last write did not finish)`
    const crc = view.getUint32(at, true)
    const length = view.getUint16(at + 4, true)
    const type = bytes[at + 6]!
    if (crc === 0 && length === 0 && type === 0) {
      at += left // preallocated zeros: the rest of the block holds nothing
      continue
    }
    if (type < 1 || type > 4) return `an unknown record type ${type} at byte ${at}`
    if (HEADER + length > left) return `a record at byte ${at} runs past its block`
    if (at + HEADER + length > bytes.length) return `a record cut off at byte ${at} (the last write did not finish)`
    if (masked(crc32c(bytes, at + 6, at + HEADER + length)) !== crc) return `a checksum mismatch in the record at byte ${at}`
    at += HEADER + length
  }
  return undefined
}

/** Every damage found in a LevelDB folder; empty for a sound store or a folder not yet made. */
export async function checkLevelStore(dir: string): Promise<LevelDamage[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
  const damage: LevelDamage[] = []
  const stored = names.filter((n) => /^\d+\.(log|ldb|sst)$/.test(n) || n.startsWith('MANIFEST-'))
  if (!names.includes('CURRENT')) {
    if (stored.length) damage.push({ file: 'CURRENT', problem: 'missing while the store holds data files' })
  } else {
    const current = (await readFile(join(dir, 'CURRENT'), 'utf8'))
    const manifest = /^(MANIFEST-\d+)\n$/.exec(current)?.[1]
    if (!manifest) damage.push({ file: 'CURRENT', problem: current.length ? 'does not name a manifest' : 'empty' })
    else if (!names.includes(manifest)) damage.push({ file: 'CURRENT', problem: `names ${manifest}, which is missing` })
  }
  for (const name of stored) {
    const path = join(dir, name)
    if (name.endsWith('.ldb') || name.endsWith('.sst')) {
      if (!(await endsWithTableMagic(path))) damage.push({ file: name, problem: 'a table file without its footer (cut short or overwritten)' })
      continue
    }
    const problem = checkLogFormat(await readFile(path))
    if (problem) damage.push({ file: name, problem })
  }
  return damage
}

async function endsWithTableMagic(path: string): Promise<boolean> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    if (size < TABLE_FOOTER) return false
    const tail = Buffer.alloc(8)
    await file.read(tail, 0, 8, size - 8)
    return tail.equals(TABLE_MAGIC)
  } finally {
    await file.close()
  }
}

export interface LevelRepair {
  damage: LevelDamage[]
  /** Where the damaged store was copied, as found, before anything was changed. */
  copiedTo: string
  /**
   * `dropped`: only write-ahead log records were damaged; LevelDB's recovery at open drops each
   * record whose checksum fails (its items are gone). `rebuilt`: CURRENT, a manifest or a table
   * file was damaged, so the store does not open; LevelDB's repair rebuilt it from every
   * readable file.
   */
  outcome: 'dropped' | 'rebuilt'
}

/**
 * Checks the store; when damaged, copies it whole to `quarantineDir` (kept for a person to look
 * at) and makes it open again. Log damage is left to LevelDB's recovery, which checks each
 * record's checksum and drops the bad ones; its repair is kept for the files without which the
 * store does not open, since it reads logs without checksums and would keep garbled records.
 * The caller reconciles the ingest bucket with the ledger next, which records again every upload
 * whose items the damage took.
 */
export async function repairDamagedStore(dir: string, quarantineDir: string): Promise<LevelRepair | undefined> {
  const damage = await checkLevelStore(dir)
  if (!damage.length) return undefined
  await cp(dir, quarantineDir, { recursive: true, filter: (src) => !src.endsWith('LOCK') })
  const logsOnly = damage.every((d) => d.file.endsWith('.log'))
  if (!logsOnly) await ClassicLevel.repair(dir)
  return { damage, copiedTo: quarantineDir, outcome: logsOnly ? 'dropped' : 'rebuilt' }
}

import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { ByteSource } from '../../../functions/core/decode/types.ts'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import { buildXlsx, xlsxEntries } from '../../support/xlsx-builder.ts'
import { writeZip, zeroDeflate, type ZipEntrySpec } from '../../support/zip-writer.ts'
import { codes, onlyRows, readAll, readSource } from './read-all.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

const SPEC = { sheets: [{ name: 'S', rows: [['村代码', '总人口'], ['522226101203', 512]] }] }
const SHEET = 'xl/worksheets/sheet1.xml'

function entries(): ZipEntrySpec[] {
  return xlsxEntries(SPEC)
}

function replaced(name: string, change: (entry: ZipEntrySpec) => ZipEntrySpec): ZipEntrySpec[] {
  return entries().map((entry) => (entry.name === name ? change(entry) : entry))
}

const MIB = 1024 * 1024

describe('XLSX archive structure', () => {
  it('reads a workbook whose entries are stored, not deflated', async () => {
    const result = await readAll(writeZip(entries().map((entry) => ({ ...entry, method: 'store' as const }))))
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['村代码', '总人口'] },
      { line: 2, cells: ['522226101203', 512] },
    ])
  })

  it('reads a workbook with an archive comment after the end record', async () => {
    const result = await readAll(writeZip(entries(), { comment: 'PK\u0005\u0006 not an end record' }))
    expect(onlyRows(result)).toHaveLength(2)
  })

  it('says malformed for a workbook cut in half', async () => {
    const bytes = buildXlsx(SPEC)
    const result = await readAll(bytes.subarray(0, Math.floor(bytes.length / 2)))
    expect(result.ok).toBe(false)
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('end-of-central-directory')
  })

  it('says malformed for a workbook whose central directory is cut off', async () => {
    const bytes = buildXlsx(SPEC)
    expect(codes(await readAll(bytes.subarray(0, bytes.length - 10)))).toEqual(['malformed'])
  })

  it('says malformed for corrupt deflate data', async () => {
    const garbage = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22])
    const result = await readAll(writeZip(replaced(SHEET, (entry) => ({ name: entry.name, compressed: garbage, uncompressedSize: 100, crc: 0 }))))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain(`the compressed data of entry "${SHEET}" is corrupt`)
  })

  it('says malformed for deflate data that ends before its last block', async () => {
    const compressed = deflateRawSync(Buffer.alloc(10_000, 0x41))
    const result = await readAll(writeZip(replaced(SHEET, (entry) => ({ name: entry.name, compressed: compressed.subarray(0, compressed.length - 3), uncompressedSize: 10_000 }))))
    expect(codes(result)).toEqual(['malformed'])
  })

  it('says malformed for a CRC that does not match the content', async () => {
    const result = await readAll(writeZip(replaced(SHEET, (entry) => ({ ...entry, declare: { crc: 0x12345678 } }))))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('does not match its recorded size or CRC')
  })

  it.each([
    ['an encrypted entry', { flags: 1 }, 'is encrypted'],
    ['compression method 12 (bzip2)', { method: 12 }, 'uses compression method 12'],
    ['a ZIP64 size marker', { uncompressedSize: 0xffffffff }, 'ZIP64'],
  ])('says malformed for %s', async (_what, declare, english) => {
    const result = await readAll(writeZip(replaced(SHEET, (entry) => ({ ...entry, declare }))))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain(english)
  })

  it('says malformed when the end record counts other entries than the directory holds', async () => {
    const result = await readAll(writeZip(entries(), { declaredEntryCount: 3 }))
    expect(codes(result)).toEqual(['malformed'])
  })

  it('says malformed for two entries of the same name', async () => {
    const result = await readAll(writeZip([...entries(), { name: 'XL/Workbook.xml', data: '<workbook/>' }]))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('two entries named')
  })
})

describe('XLSX archive limits', () => {
  it('says archive_limits for more entries than maxEntries', async () => {
    const result = await readAll(buildXlsx(SPEC), { limits: { maxEntries: 5 } })
    expect(codes(result)).toEqual(['archive_limits'])
  })

  it('counts entries in the directory, not trusting a small count in the end record', async () => {
    const result = await readAll(writeZip(entries(), { declaredEntryCount: 2 }), { limits: { maxEntries: 5 } })
    expect(codes(result)).toEqual(['archive_limits'])
  })

  it('says archive_limits for a zip bomb with honest headers, measured while inflating', async () => {
    const bomb = { name: 'xl/media/image1.bin', data: new Uint8Array(3 * MIB) }
    const result = await readAll(writeZip([...entries(), bomb]), { limits: { maxUnpackedBytes: 2 * MIB } })
    expect(codes(result)).toEqual(['archive_limits'])
    expect(result.problems[0]?.message.en).toContain('unpacking passed the limit of 2097152 bytes while inflating entry "xl/media/image1.bin"')
  })

  it('says archive_limits for a zip bomb spread over many entries, counting their total', async () => {
    const bombs = Array.from({ length: 10 }, (_, i) => ({ name: `xl/media/part${i}.bin`, data: new Uint8Array(300_000) }))
    const result = await readAll(writeZip([...entries(), ...bombs]), { limits: { maxUnpackedBytes: 2 * MIB } })
    expect(codes(result)).toEqual(['archive_limits'])
  })

  it('says archive_limits for a zip bomb whose headers declare small sizes', async () => {
    const bomb = { name: 'xl/media/image1.bin', data: new Uint8Array(3 * MIB), declare: { uncompressedSize: 1000 } }
    const result = await readAll(writeZip([...entries(), bomb]), { limits: { maxUnpackedBytes: 2 * MIB } })
    expect(codes(result)).toEqual(['archive_limits'])
  })

  it('says archive_limits for lying headers even under a roomy total limit', async () => {
    const sheet = { name: SHEET, ...zeroDeflate(8), declare: { uncompressedSize: 2000 } }
    const result = await readAll(writeZip(replaced(SHEET, () => sheet)))
    expect(codes(result)).toEqual(['archive_limits'])
    expect(result.problems[0]?.message.en).toContain(`entry "${SHEET}" inflates to far more than the 2000 bytes it declares`)
  })

  it('stops a real-size bomb (2 MB of deflate, 2 GiB of zeros) at the default 1 GiB while inflating, in little memory', async () => {
    const bomb = zeroDeflate(2048)
    expect(bomb.compressed.length).toBeLessThan(3_000_000)
    const bytes = writeZip(replaced(SHEET, (entry) => ({ name: entry.name, ...bomb })))
    const baseline = process.memoryUsage.rss()
    let peak = baseline
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss())
    }, 20)
    const started = performance.now()
    let result
    try {
      result = await readAll(bytes)
    } finally {
      clearInterval(sampler)
    }
    peak = Math.max(peak, process.memoryUsage.rss())
    console.info(`real-size bomb: stopped in ${Math.round(performance.now() - started)} ms, rss +${Math.round((peak - baseline) / MIB)} MiB`)
    expect(codes(result)).toEqual(['archive_limits'])
    expect(result.problems[0]?.message.en).toContain(`passed the limit of ${1024 * MIB} bytes while inflating entry "${SHEET}"`)
    // Holding the inflated bytes would take 1 GiB; streaming keeps the growth to buffers.
    expect(peak - baseline).toBeLessThan(256 * MIB)
  })
})

describe('XLSX file handles', () => {
  function tracked(bytes: Uint8Array): { source: ByteSource; closes: () => number } {
    let closes = 0
    const inner = bufferByteSource(bytes)
    return {
      source: { ...inner, size: inner.size, close: async () => void closes++ },
      closes: () => closes,
    }
  }

  it('closes the source itself when the file cannot be read', async () => {
    const { source, closes } = tracked(buildXlsx(SPEC).subarray(0, 100))
    expect(codes(await readSource(source))).toEqual(['malformed'])
    expect(closes()).toBe(1)
  })

  it('leaves the source open for reading, and closes it once on close()', async () => {
    const { source, closes } = tracked(buildXlsx(SPEC))
    const result = await decodeFile(source, { codecs: nodeByteCodecs })
    expect(closes()).toBe(0)
    if (!result.ok) throw new Error('not opened')
    await result.file.close()
    await result.file.close()
    expect(closes()).toBe(1)
  })
})

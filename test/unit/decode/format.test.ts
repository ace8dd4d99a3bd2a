import { describe, expect, it } from 'vitest'
import type { ByteSource } from '../../../functions/core/decode/types.ts'
import { writeZip } from '../../support/zip-writer.ts'
import { codes, onlyRows, readAll, readSource } from './read-all.ts'

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52])
const OLE2 = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)])

/** A source that fails the test if anything is read from it. */
function unreadable(size: number): ByteSource {
  return {
    size,
    read: () => Promise.reject(new Error('read must not be called')),
    stream: () => {
      throw new Error('stream must not be called')
    },
  }
}

describe('format by content', () => {
  it.each([
    ['a PNG named .csv', PNG, 'report.csv', 'this is a PNG image'],
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), 'photo.xlsx', 'this is a JPEG image'],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'x.csv', 'this is a GIF image'],
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), 'report.csv', 'this is a PDF document'],
    ['an OLE2 .xls', OLE2, 'report.xls', 'save it as .xlsx'],
    ['UTF-16 text', Buffer.from('\ufeffa,b\n', 'utf16le'), 'report.csv', 'UTF-16'],
    ['text with a NUL byte', Buffer.from('a,b\n1,\u0000\n'), 'report.csv', 'byte 7 is NUL'],
  ])('refuses %s as unsupported_format', async (_what, bytes, fileName, english) => {
    const result = await readAll(bytes, { fileName })
    expect(result.ok).toBe(false)
    expect(codes(result)).toEqual(['unsupported_format'])
    expect(result.problems[0]?.message.en).toContain(english)
    expect(result.problems[0]?.message.en).toContain(`(file "${fileName}")`)
  })

  it('tells the user of an .xls to save it as .xlsx, in Chinese too', async () => {
    const result = await readAll(OLE2)
    expect(result.problems[0]?.message.zh).toContain('请另存为 .xlsx')
  })

  it('refuses a ZIP that is not an XLSX', async () => {
    const zip = writeZip([{ name: 'word/document.xml', data: '<w:document/>' }])
    const result = await readAll(zip, { fileName: 'report.xlsx' })
    expect(codes(result)).toEqual(['unsupported_format'])
    expect(result.problems[0]?.message.en).toContain('a ZIP that is not an XLSX')
  })

  it('says empty_file for zero bytes', async () => {
    const result = await readAll(new Uint8Array(0))
    expect(codes(result)).toEqual(['empty_file'])
  })

  it('says file_too_large above maxBytes without reading a byte', async () => {
    const result = await readSource(unreadable(11), { limits: { maxBytes: 10 } })
    expect(codes(result)).toEqual(['file_too_large'])
    expect(result.problems[0]?.message.en).toContain('the file is 11 bytes; the limit is 10 bytes')
  })

  it('reads text starting with [ or { (after a BOM and whitespace) as JSON, whatever its name', async () => {
    const result = await readAll('\ufeff \r\n\t[{"a":1}]', { fileName: 'data.csv' })
    expect(result).toMatchObject({ ok: true, format: 'json', encoding: 'utf-8-bom' })
  })

  it('reads other text as CSV, whatever its name', async () => {
    const result = await readAll('a,b\n', { fileName: 'data.json' })
    expect(result).toMatchObject({ ok: true, format: 'csv' })
    expect(onlyRows(result)).toEqual([{ line: 1, cells: ['a', 'b'] }])
  })

  it('looks for NUL bytes in the first 8 KiB only', async () => {
    const text = Buffer.concat([Buffer.from(`a\n${'x'.repeat(8192)}\n`), Buffer.from([0]), Buffer.from('\n')])
    const result = await readAll(text)
    expect(result).toMatchObject({ ok: true, format: 'csv', problems: [] })
    expect(onlyRows(result).map((row) => row.line)).toEqual([1, 2, 3])
  })
})

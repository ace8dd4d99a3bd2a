import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { fileByteSource } from '../../../functions/adapters/file-byte-source.ts'
import { buildXlsx } from '../../support/xlsx-builder.ts'
import { codes, onlyRows, readSource } from './read-all.ts'

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-decode-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const chunk of stream) parts.push(chunk)
  return Buffer.concat(parts)
}

describe('byte sources', () => {
  it('reads a buffer at random positions, clamped to its end, and streams it whole', async () => {
    const bytes = Buffer.from('0123456789')
    const source = bufferByteSource(bytes)
    expect(source.size).toBe(10)
    expect(Buffer.from(await source.read(3, 4)).toString()).toBe('3456')
    expect(Buffer.from(await source.read(8, 10)).toString()).toBe('89')
    expect((await source.read(20, 5)).length).toBe(0)
    expect((await collect(source.stream())).toString()).toBe('0123456789')
  })

  it('reads a file at random positions and streams it in chunks, more than once', async () => {
    const path = join(dir, 'data.bin')
    const bytes = Buffer.alloc(700_000)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 251
    await writeFile(path, bytes)
    const source = await fileByteSource(path)
    try {
      expect(source.size).toBe(700_000)
      expect(Buffer.from(await source.read(699_990, 100))).toEqual(bytes.subarray(699_990))
      // Buffer.equals, not toEqual: a deep comparison of 700,000 elements costs seconds of CPU.
      for (const pass of ['first', 'second']) {
        const streamed = await collect(source.stream())
        expect(streamed.length, `${pass} pass: length`).toBe(bytes.length)
        expect(streamed.equals(bytes), `${pass} pass: the file's bytes`).toBe(true)
      }
    } finally {
      await source.close?.()
    }
  })

  it('closes the file handle when the file is refused, so later reads fail', async () => {
    const path = join(dir, 'image.csv')
    await writeFile(path, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))
    const source = await fileByteSource(path)
    expect(codes(await readSource(source))).toEqual(['unsupported_format'])
    await expect(source.read(0, 4)).rejects.toThrow()
    await source.close?.()
  })

  it('reads an XLSX from a file and closes the handle once', async () => {
    const path = join(dir, 'book.xlsx')
    await writeFile(path, buildXlsx({ sheets: [{ name: 'S', rows: [['a', 1]] }] }))
    const source = await fileByteSource(path)
    const result = await readSource(source)
    expect(onlyRows(result)).toEqual([{ line: 1, cells: ['a', 1] }])
    await expect(source.read(0, 4)).rejects.toThrow()
  })

  it('rejects a path that does not exist (an infrastructure error, not a finding)', async () => {
    await expect(fileByteSource(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

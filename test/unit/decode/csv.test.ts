import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import type { ByteSource } from '../../../functions/core/decode/types.ts'
import { codes, onlyRows, readAll, readSource } from './read-all.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

describe('CSV encodings', () => {
  it('reads strict UTF-8 and says so', async () => {
    const result = await readAll('村代码,村名\n522226101203,印江镇\n')
    expect(result).toMatchObject({ ok: true, format: 'csv', encoding: 'utf-8', problems: [] })
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['村代码', '村名'] },
      { line: 2, cells: ['522226101203', '印江镇'] },
    ])
  })

  it('strips a UTF-8 BOM and reports utf-8-bom', async () => {
    const result = await readAll(Buffer.concat([BOM, Buffer.from('村代码,村名\r\n1,印江\r\n')]))
    expect(result).toMatchObject({ ok: true, encoding: 'utf-8-bom', problems: [] })
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['村代码', '村名'] },
      { line: 2, cells: ['1', '印江'] },
    ])
  })

  it('falls back to GB18030 when the bytes are not UTF-8', async () => {
    const bytes = iconv.encode('村代码,村名,备注\n522226101203,印江镇,“脱贫”𠀀\n', 'gb18030')
    const result = await readAll(bytes)
    expect(result).toMatchObject({ ok: true, encoding: 'gb18030', problems: [] })
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['村代码', '村名', '备注'] },
      { line: 2, cells: ['522226101203', '印江镇', '“脱贫”𠀀'] },
    ])
  })

  it('stops with encoding when the bytes are neither UTF-8 nor GB18030', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from('\n')])
    const result = await readAll(bytes)
    expect(result).toMatchObject({ ok: true, encoding: 'gb18030' })
    expect(onlyRows(result)).toEqual([{ line: 1, cells: ['a', 'b'] }])
    expect(codes(result)).toEqual(['encoding'])
    expect(result.problems[0]?.row).toBeUndefined()
    expect(result.problems[0]?.message.en).toContain('line 2 holds bytes that are neither UTF-8 nor GB18030')
    expect(result.problems[0]?.message.zh).toContain('第 2 行含有既不属于 UTF-8 也不属于 GB18030 的字节')
  })

  it('hands out every row before a GB18030 error far into the file, and names its line', async () => {
    const good = iconv.encode('村代码,村名\n' + '1,印江\n'.repeat(100_000), 'gb18030')
    const result = await readAll(Buffer.concat([good, Buffer.from('2,'), Buffer.from([0xff, 0x0a])]))
    const rows = onlyRows(result)
    expect(codes(result)).toEqual(['encoding'])
    expect(result.problems[0]?.message.en).toContain('line 100002 holds bytes')
    expect(rows.length).toBe(100_001)
    expect(rows[100_000]).toEqual({ line: 100_001, cells: ['1', '印江'] })
  })

  it('keeps a BOM in the middle of the text as a U+FEFF character', async () => {
    const result = await readAll(Buffer.concat([Buffer.from('a\n'), BOM, Buffer.from('b\n')]))
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['a'] },
      { line: 2, cells: ['\uFEFFb'] },
    ])
  })
})

describe('CSV records and lines', () => {
  it('yields title lines above the header as plain rows', async () => {
    const result = await readAll('2024年第二季度村报表\n填报单位：印江县,,\nvillage_code,population,households\n522226101203,512,130\n')
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['2024年第二季度村报表'] },
      { line: 2, cells: ['填报单位：印江县', '', ''] },
      { line: 3, cells: ['village_code', 'population', 'households'] },
      { line: 4, cells: ['522226101203', '512', '130'] },
    ])
  })

  it('reads quoted commas, newlines and escaped quotes, and numbers later lines physically', async () => {
    const text = 'a,b,c\n"x, y","line1\nline2\r\nline3","say ""hi"""\nnext,row,here\n"",",",""""\n'
    expect(onlyRows(await readAll(text))).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['x, y', 'line1\nline2\r\nline3', 'say "hi"'] },
      { line: 5, cells: ['next', 'row', 'here'] },
      { line: 6, cells: ['', ',', '"'] },
    ])
  })

  it('treats CRLF, LF and a lone CR each as one line break', async () => {
    expect(onlyRows(await readAll('a\r\nb\nc\rd\r\re'))).toEqual([
      { line: 1, cells: ['a'] },
      { line: 2, cells: ['b'] },
      { line: 3, cells: ['c'] },
      { line: 4, cells: ['d'] },
      { line: 5, cells: [''] },
      { line: 6, cells: ['e'] },
    ])
  })

  it('emits empty lines as rows so numbering is kept, and no row after the final newline', async () => {
    expect(onlyRows(await readAll('a\n\n\nb\n'))).toEqual([
      { line: 1, cells: ['a'] },
      { line: 2, cells: [''] },
      { line: 3, cells: [''] },
      { line: 4, cells: ['b'] },
    ])
  })

  it('keeps cells exactly as written: spaces, empty fields, a bare quote inside a field', async () => {
    expect(onlyRows(await readAll(' a , b ,,c,\nab"c,d"\n'))).toEqual([
      { line: 1, cells: [' a ', ' b ', '', 'c', ''] },
      { line: 2, cells: ['ab"c', 'd"'] },
    ])
  })

  it('reads a last record without a final newline', async () => {
    expect(onlyRows(await readAll('a,b\n1,"2"'))).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
    ])
  })

  it('restarts from the top when rows() is called again', async () => {
    const result = await decodeFile(bufferByteSource(Buffer.from('h\n1\n2\n')), { codecs: nodeByteCodecs })
    if (!result.ok) throw new Error('not opened')
    const sheet = result.file.sheets[0]
    if (sheet === undefined) throw new Error('no sheet')
    for await (const row of sheet.rows()) {
      expect(row.line).toBe(1)
      break
    }
    const lines: number[] = []
    for await (const row of sheet.rows()) lines.push(row.line)
    expect(lines).toEqual([1, 2, 3])
  })
})

describe('CSV problems', () => {
  it('reports an unterminated quote at the line where it opened, after the rows before it', async () => {
    const result = await readAll('a,b\n1,2\n3,"open\nmore\nstill\n')
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
    ])
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('the quote opened on line 3 is never closed')
    expect(result.problems[0]?.message.zh).toContain('第 3 行')
  })

  it('reports other characters after a closing quote at that line', async () => {
    const result = await readAll('a,b\n"multi\nline",2\n"ab"x,c\n')
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['multi\nline', '2'] },
    ])
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('line 4: a closing quote is followed by other characters')
  })

  it('stops on a field over 1 MiB as a line too long', async () => {
    const result = await readAll(`a\n${'x'.repeat(1024 * 1024 + 1)}\nb\n`)
    expect(onlyRows(result)).toEqual([{ line: 1, cells: ['a'] }])
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('line 2 is too long')
  })

  it('stops on a record over 4 MiB made of short fields', async () => {
    const result = await readAll(`${'ab,'.repeat(1_500_000)}\n`)
    expect(onlyRows(result)).toEqual([])
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('line 1 is too long')
  })

  it('stops a huge single-line file after about 1 MiB of its text, not at its end', async () => {
    // A virtual 150 MB file of one line: only the UTF-8 pre-pass reads it all.
    const size = 150_000_000
    const chunk = Buffer.alloc(256 * 1024, 0x78)
    let streamed = 0
    let passes = 0
    const source: ByteSource = {
      size,
      async read(position, length) {
        return chunk.subarray(0, Math.max(0, Math.min(length, size - position, chunk.length)))
      },
      async *stream() {
        passes++
        streamed = 0
        for (let at = 0; at < size; at += chunk.length) {
          const piece = chunk.subarray(0, Math.min(chunk.length, size - at))
          streamed += piece.length
          yield piece
        }
      },
    }
    const result = await readSource(source)
    expect(codes(result)).toEqual(['malformed'])
    expect(passes).toBe(2)
    expect(streamed).toBeLessThanOrEqual(2 * 1024 * 1024)
  })
})

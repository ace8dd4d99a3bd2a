import { describe, expect, it } from 'vitest'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import { buildXlsx, xlsxEntries, type XlsxSpec } from '../../support/xlsx-builder.ts'
import { writeZip, type ZipEntrySpec } from '../../support/zip-writer.ts'
import { codes, onlyRows, readAll, readSheet } from './read-all.ts'

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'

/** The workbook of `spec` with one entry's text replaced. */
function withEntry(spec: XlsxSpec, name: string, replace: (xml: string) => string): Uint8Array {
  const entries = xlsxEntries(spec).map((entry): ZipEntrySpec => (entry.name === name ? { ...entry, data: replace(String(entry.data)) } : entry))
  return writeZip(entries)
}

/** A workbook whose first sheet's `<sheetData>` is exactly `sheetData`. */
function withSheetData(sheetData: string): Uint8Array {
  return withEntry({ sheets: [{ name: 'S', rows: [['placeholder']] }] }, 'xl/worksheets/sheet1.xml', () =>
    `<?xml version="1.0"?><worksheet xmlns="${MAIN_NS}"><sheetData>${sheetData}</sheetData></worksheet>`)
}

describe('XLSX cells', () => {
  it('reads shared strings, inline strings, numbers and booleans as they are typed', async () => {
    const result = await readAll(buildXlsx({
      sheets: [{ name: '村报表', rows: [
        ['村代码', '村名', '总人口', '是否'],
        ['522226101203', { inline: '印江镇 & <村>' }, 512, true],
        ['522226101204', '  spaced  ', -0.5, false],
      ] }],
    }))
    expect(result).toMatchObject({ ok: true, format: 'xlsx', encoding: undefined, problems: [] })
    if (!result.ok) return
    expect(result.sheets.map((sheet) => sheet.name)).toEqual(['村报表'])
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['村代码', '村名', '总人口', '是否'] },
      { line: 2, cells: ['522226101203', '印江镇 & <村>', 512, true] },
      { line: 3, cells: ['522226101204', '  spaced  ', -0.5, false] },
    ])
  })

  it('reads all strings inline the same way', async () => {
    const result = await readAll(buildXlsx({ strings: 'inline', sheets: [{ name: 'S', rows: [['a', 'b'], ['c']] }] }))
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['c'] },
    ])
  })

  it('flags cells with built-in date format 14 and a custom 年月日 format as dates, not other numbers', async () => {
    const result = await readAll(buildXlsx({
      sheets: [{ name: 'S', rows: [
        ['识别日期', '消除日期', '金额', '比例'],
        [{ date: 45474 }, { date: 45480, format: 'yyyy"年"m"月"d"日"' }, { number: 1234.5, format: '#,##0.00"元"' }, { number: 0.25, format: 10 }],
      ] }],
    }))
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['识别日期', '消除日期', '金额', '比例'] },
      { line: 2, cells: [45474, 45480, 1234.5, 0.25], dateCells: [0, 1] },
    ])
  })

  it('moves 1904-system date serials to the 1900 system', async () => {
    const result = await readAll(buildXlsx({ date1904: true, sheets: [{ name: 'S', rows: [[{ date: 44012 }, 44012]] }] }))
    expect(onlyRows(result)).toEqual([{ line: 1, cells: [45474, 44012], dateCells: [0] }])
  })

  it('leaves hidden and very hidden sheets out, keeping the order of the rest', async () => {
    const result = await readAll(buildXlsx({
      sheets: [
        { name: '说明', hidden: true, rows: [['hidden']] },
        { name: '数据', rows: [['a']] },
        { name: '代码表', hidden: 'veryHidden', rows: [['very']] },
        { name: '汇总', rows: [['b']] },
      ],
    }))
    if (!result.ok) throw new Error('not opened')
    expect(result.sheets).toEqual([
      { name: '数据', rows: [{ line: 1, cells: ['a'] }] },
      { name: '汇总', rows: [{ line: 1, cells: ['b'] }] },
    ])
  })

  it('fills gaps between cells with null and keeps sheet row numbers for rows placed lower', async () => {
    const result = await readAll(buildXlsx({
      sheets: [{ name: 'S', rows: [['title'], { row: 4, cells: ['a', null, null, 'd'] }, [null, 'b']] }],
    }))
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['title'] },
      { line: 4, cells: ['a', null, null, 'd'] },
      { line: 5, cells: [null, 'b'] },
    ])
  })

  it('places cells and rows without r by order', async () => {
    const result = await readAll(buildXlsx({ sheets: [{ name: 'S', omitReferences: true, rows: [['a', null, 'c'], [1, 2]] }] }))
    expect(onlyRows(result)).toEqual([
      { line: 1, cells: ['a', null, 'c'] },
      { line: 2, cells: [1, 2] },
    ])
  })

  it('takes the cached value of formulas, the text of error values, and concatenated rich text without phonetics', async () => {
    const result = await readAll(buildXlsx({
      sheets: [{ name: 'S', rows: [[
        { formula: 'SUM(B2:B9)', value: 42 },
        { formula: 'A1&"x"', value: '42x' },
        { formula: 'A1>1', value: true },
        { error: '#DIV/0!' },
        { rich: ['印江', '土家族', ' 自治县'], phonetic: 'yinjiang' },
      ]] }],
    }))
    expect(onlyRows(result)).toEqual([{ line: 1, cells: [42, '42x', true, '#DIV/0!', '印江土家族 自治县'] }])
  })

  it('decodes numeric character references and _xHHHH_ escapes in strings', async () => {
    const result = await readAll(withSheetData(
      '<row r="1"><c r="A1" t="inlineStr"><is><t>a&#x4E00;&#20108;b</t></is></c>' +
      '<c r="B1" t="inlineStr"><is><t>line1_x000D__x000A_line2 _x005F_x0041_</t></is></c>' +
      '<c r="C1" t="str"><v>&lt;&amp;&gt;&quot;&apos;</v></c></row>'))
    expect(onlyRows(result)).toEqual([{ line: 1, cells: ['a一二b', 'line1\r\nline2 _x0041_', '<&>"\''] }])
  })

  it('reads CDATA, comments and namespace prefixes', async () => {
    const result = await readAll(withEntry({ sheets: [{ name: 'S', rows: [['x']] }] }, 'xl/worksheets/sheet1.xml', () =>
      `<?xml version="1.0"?><x:worksheet xmlns:x="${MAIN_NS}"><!-- a comment --><x:sheetData>` +
      '<x:row r="2"><x:c r="C2" t="inlineStr"><x:is><x:t><![CDATA[<raw> & text]]></x:t></x:is></x:c></x:row>' +
      '</x:sheetData></x:worksheet>'))
    expect(onlyRows(result)).toEqual([{ line: 2, cells: [null, null, '<raw> & text'] }])
  })

  it('follows absolute relationship targets', async () => {
    const result = await readAll(buildXlsx({ absoluteTargets: true, sheets: [{ name: 'S', rows: [['a']] }] }))
    expect(onlyRows(result)).toEqual([{ line: 1, cells: ['a'] }])
  })

  it('restarts a sheet from the top when rows() is called again, after a partial read', async () => {
    const result = await decodeFile(bufferByteSource(buildXlsx({
      sheets: [{ name: 'A', rows: [['a1'], ['a2'], ['a3']] }, { name: 'B', rows: [['b1'], ['b2']] }],
    })), { codecs: nodeByteCodecs })
    if (!result.ok) throw new Error('not opened')
    const [a, b] = result.file.sheets
    if (a === undefined || b === undefined) throw new Error('two sheets expected')
    for await (const row of a.rows()) {
      expect(row.cells).toEqual(['a1'])
      break
    }
    for await (const row of b.rows()) {
      expect(row.cells).toEqual(['b1'])
      break
    }
    expect(await readSheet(a)).toEqual([
      { line: 1, cells: ['a1'] },
      { line: 2, cells: ['a2'] },
      { line: 3, cells: ['a3'] },
    ])
    expect(result.file.problems).toEqual([])
    await result.file.close()
    await result.file.close()
  })

  it('offers no sheets when every sheet is hidden', async () => {
    const result = await readAll(buildXlsx({ sheets: [{ name: 'S', hidden: true, rows: [['a']] }] }))
    expect(result).toMatchObject({ ok: true, sheets: [], problems: [] })
  })
})

describe('XLSX problems inside the workbook', () => {
  it('stops a sheet at a shared string index that does not exist, after the rows before it', async () => {
    const result = await readAll(withSheetData('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="B2" t="s"><v>99</v></c></row>'))
    expect(onlyRows(result)).toEqual([{ line: 1, cells: [1] }])
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.sheet).toBe('S')
    expect(result.problems[0]?.message.en).toContain('cell B2 refers to shared string 99, which does not exist')
  })

  it.each([
    ['an undefined entity', '<row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row>', 'an undefined entity &nbsp;'],
    ['a mismatched end tag', '<row r="1"><c r="A1"><v>1</v></row>', '</row> does not close <c>'],
    ['a row number of 0', '<row r="0"><c r="A1"><v>1</v></c></row>', 'a row number outside'],
    ['a bad cell reference', '<row r="1"><c r="1A"><v>1</v></c></row>', 'is not a cell reference'],
  ])('says malformed for %s in a sheet', async (_what, sheetData, english) => {
    const result = await readAll(withSheetData(sheetData))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain(english)
  })

  it('says malformed when a sheet part ends mid-way', async () => {
    const result = await readAll(withEntry({ sheets: [{ name: 'S', rows: [['a'], ['b']] }] }, 'xl/worksheets/sheet1.xml', (xml) =>
      xml.slice(0, xml.indexOf('<row r="2"') + 12)))
    expect(codes(result)).toEqual(['malformed'])
  })

  it('says malformed when the workbook names a sheet whose part is missing', async () => {
    const entries = xlsxEntries({ sheets: [{ name: 'S', rows: [['a']] }] }).filter((entry) => entry.name !== 'xl/worksheets/sheet1.xml')
    const result = await readAll(writeZip(entries))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('the part "xl/worksheets/sheet1.xml" of sheet "S" is missing')
  })

  it('says malformed when the workbook relationships are missing', async () => {
    const entries = xlsxEntries({ sheets: [{ name: 'S', rows: [['a']] }] }).filter((entry) => entry.name !== 'xl/_rels/workbook.xml.rels')
    expect(codes(await readAll(writeZip(entries)))).toEqual(['malformed'])
  })
})

describe('XLSX DOCTYPE and entities', () => {
  const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'

  it('says malformed for entity expansion in the shared strings, expanding nothing', async () => {
    const result = await readAll(withEntry({ sheets: [{ name: 'S', rows: [['a']] }] }, 'xl/sharedStrings.xml', (xml) =>
      laughs + xml.slice(xml.indexOf('<sst')).replace('<t>a</t>', '<t>&lol3;</t>')))
    expect(result.ok).toBe(false)
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('entry "xl/sharedStrings.xml": contains a <!DOCTYPE')
  })

  it('says malformed for a DOCTYPE in a sheet', async () => {
    const result = await readAll(withEntry({ sheets: [{ name: 'S', rows: [['a']] }] }, 'xl/worksheets/sheet1.xml', (xml) =>
      xml.replace('<worksheet', '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet')))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.zh).toContain('含有 <!DOCTYPE')
  })

  it('finds a DOCTYPE that straddles two chunks of an entry', async () => {
    // Stored entries are read 64 KiB at a time: put the seam inside the keyword.
    const filler = '<Properties>' + ' '.repeat(64 * 1024 - 12 - 4)
    const entry = { name: 'docProps/custom.xml', method: 'store' as const, data: `${filler}<!DOCTYPE x><y/></Properties>` }
    const result = await readAll(writeZip([...xlsxEntries({ sheets: [{ name: 'S', rows: [['a']] }] }), entry]))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('entry "docProps/custom.xml": contains a <!DOCTYPE')
  })

  it('says malformed for a DOCTYPE in an XML part that is never parsed', async () => {
    const entries = [...xlsxEntries({ sheets: [{ name: 'S', rows: [['a']] }] }), { name: 'docProps/app.xml', data: `${laughs}<Properties/>` }]
    const result = await readAll(writeZip(entries))
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('entry "docProps/app.xml"')
  })
})

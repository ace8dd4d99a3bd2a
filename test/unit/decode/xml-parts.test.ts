import { describe, expect, it } from 'vitest'
import { isDateFormat, isDateFormatCode } from '../../../functions/core/decode/number-format.ts'
import { columnIndex } from '../../../functions/core/decode/xlsx-sheet-parser.ts'
import { resolveTarget } from '../../../functions/core/decode/xlsx-parts.ts'
import { decodeEntities, parseAttributes, XmlError, XmlScanner, type XmlHandler } from '../../../functions/core/decode/xml-scanner.ts'

describe('number formats', () => {
  it.each([
    ['yyyy-mm-dd', true],
    ['yyyy"年"m"月"d"日"', true],
    ['[$-804]yyyy"年"m"月"', true],
    ['h:mm AM/PM', true],
    ['mm:ss', true],
    ['0.00', false],
    ['#,##0.00"元"', false],
    ['"days: "0', false],
    ['[Red]0.00', false],
    ['[h]', false],
    ['\\d0', false],
    ['0_m', false],
    ['0*s', false],
    ['General', false],
    ['@', false],
  ])('%s is a date format: %s', (code, expected) => {
    expect(isDateFormatCode(code)).toBe(expected)
  })

  it('knows the built-in date ids 14–22, 27–36, 45–47 and 50–58, and nothing around them', () => {
    const dates = Array.from({ length: 60 }, (_, id) => id).filter((id) => isDateFormat(id, new Map()))
    expect(dates).toEqual([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58])
  })

  it('lets a workbook redefine a built-in id', () => {
    expect(isDateFormat(14, new Map([[14, '0.00']]))).toBe(false)
  })
})

describe('XML scanning', () => {
  function events(chunks: string[]): string[] {
    const out: string[] = []
    const handler: XmlHandler = {
      open: (name, attributes, selfClosing) => void out.push(`<${name}${attributes}${selfClosing ? '/' : ''}>`),
      close: (name) => void out.push(`</${name}>`),
      text: (value) => void out.push(value),
    }
    const scanner = new XmlScanner(handler)
    for (const chunk of chunks) scanner.push(chunk)
    scanner.end()
    return out
  }

  const XML = '<?xml version="1.0"?><a x="1 > 0" y=\'"\'><!-- c --><b/>t&amp;u<![CDATA[<&>]]></a>'

  it('reports tags, decoded text and CDATA, skipping the declaration and comments', () => {
    expect(events([XML])).toEqual(['<a x="1 > 0" y=\'"\'>', '<b/>', '</b>', 't&u', '<&>', '</a>'])
  })

  it('gives the same events wherever the text is cut', () => {
    const whole = events([XML]).join('')
    for (let cut = 0; cut <= XML.length; cut++) {
      expect(events([XML.slice(0, cut), XML.slice(cut)]).join(''), `cut at ${cut}`).toBe(whole)
    }
  })

  it.each([
    ['a DOCTYPE', '<!DOCTYPE a><a/>'],
    ['an ENTITY declaration', '<a><!ENTITY x "y"></a>'],
    ['an unclosed element', '<a><b></b>'],
    ['a mismatched end tag', '<a></b>'],
    ['two roots', '<a/><b/>'],
    ['text outside the root', '<a/>x'],
    ['an undefined entity', '<a>&foo;</a>'],
    ['a bare ampersand', '<a>AT&T</a>'],
    ['a reference to NUL', '<a>&#0;</a>'],
    ['a tag cut short', '<a><b'],
    ['no root at all', '   '],
  ])('refuses %s', (_what, xml) => {
    expect(() => events([xml])).toThrow(XmlError)
  })

  it('decodes the five entities and numeric references, astral ones included', () => {
    expect(decodeEntities('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x20000;')).toBe('<>&"\'AB𠀀')
  })

  it('reads attributes in either quote, decoded', () => {
    expect(Object.fromEntries(parseAttributes(' a="1"  b = \'x&amp;y\' r:id="rId1"'))).toEqual({ a: '1', b: 'x&y', 'r:id': 'rId1' })
    expect(() => parseAttributes(' a=1')).toThrow(XmlError)
  })
})

describe('XLSX references', () => {
  it.each([
    ['A1', 0],
    ['Z9', 25],
    ['AA10', 26],
    ['xfd1', 16383],
    ['XFD', 16383],
  ])('%s is column %i', (reference, column) => {
    expect(columnIndex(reference)).toBe(column)
  })

  it.each([['1A'], ['XFE1'], ['A1B'], ['']])('%s is not a cell reference', (reference) => {
    expect(() => columnIndex(reference)).toThrow(XmlError)
  })

  it.each([
    ['worksheets/sheet1.xml', 'xl/worksheets/sheet1.xml'],
    ['/xl/worksheets/sheet2.xml', 'xl/worksheets/sheet2.xml'],
    ['./worksheets/../worksheets/sheet3.xml', 'xl/worksheets/sheet3.xml'],
    ['worksheets/sheet%201.xml', 'xl/worksheets/sheet 1.xml'],
  ])('resolves the target %s to %s', (target, path) => {
    expect(resolveTarget(target)).toBe(path)
  })
})

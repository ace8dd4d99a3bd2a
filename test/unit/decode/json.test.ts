import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { decodeJson } from '../../../functions/core/decode/decode-json.ts'
import { codes, onlyRows, readAll } from './read-all.ts'

describe('JSON uploads', () => {
  it('reads an array of row objects: a header row of the keys in first-seen order, then rows aligned to it', async () => {
    const text = JSON.stringify([
      { village_code: '522226101203', population: 512, active: true },
      { village_code: '522226101204', note: null, extra: { a: [1, 2] }, population: '480' },
    ])
    const result = await readAll(text)
    expect(result).toMatchObject({ ok: true, format: 'json', encoding: 'utf-8', problems: [] })
    expect(onlyRows(result)).toEqual([
      { line: 0, cells: ['village_code', 'population', 'active', 'note', 'extra'] },
      { line: 1, cells: ['522226101203', 512, true, null, null] },
      { line: 2, cells: ['522226101204', '480', null, null, '{"a":[1,2]}'] },
    ])
  })

  it('reads an object with a rows array the same way', async () => {
    const result = await readAll(JSON.stringify({ dataset: 'village_report', rows: [{ a: 1 }, { b: [true] }] }))
    expect(onlyRows(result)).toEqual([
      { line: 0, cells: ['a', 'b'] },
      { line: 1, cells: [1, null] },
      { line: 2, cells: [null, '[true]'] },
    ])
  })

  it('reads an empty array as a header row with no keys and no rows', async () => {
    expect(onlyRows(await readAll('[]'))).toEqual([{ line: 0, cells: [] }])
  })

  it('reads GB18030 JSON', async () => {
    const result = await readAll(iconv.encode('[{"村名":"印江镇"}]', 'gb18030'))
    expect(result).toMatchObject({ ok: true, encoding: 'gb18030' })
    expect(onlyRows(result)).toEqual([
      { line: 0, cells: ['村名'] },
      { line: 1, cells: ['印江镇'] },
    ])
  })

  it('says encoding for JSON that is neither UTF-8 nor GB18030', async () => {
    const result = await readAll(Buffer.concat([Buffer.from('[\n{"a":"'), Buffer.from([0xff]), Buffer.from('"}]')]))
    expect(result.ok).toBe(false)
    expect(codes(result)).toEqual(['encoding'])
    expect(result.problems[0]?.message.en).toContain('line 2 holds bytes that are neither UTF-8 nor GB18030')
  })

  it('says malformed for invalid JSON, naming the line and column', async () => {
    const result = await readAll('[\n  {"a": 1},\n  {"b": }\n]')
    expect(result.ok).toBe(false)
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('not valid JSON at line 3, column 9')
    expect(result.problems[0]?.message.zh).toContain('第 3 行第 9 列不是有效的 JSON')
  })

  it.each([
    ['[1,', 'the JSON ends too early'],
    ['[1 2]', 'not valid JSON at line 1, column 4'],
    ['{"a":1,}', 'not valid JSON at line 1, column 8'],
    ['[01]', 'not valid JSON at line 1, column 3'],
    ['["a raw\ttab"]', 'not valid JSON at line 1, column 8'],
    ['["bad \\x escape"]', 'not valid JSON at line 1, column 7'],
    ['[{"a": 1}] x', 'not valid JSON at line 1, column 12'],
  ])('places the syntax error of %s', async (text, english) => {
    const result = await readAll(text)
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain(english)
  })

  it.each([
    ['an object without rows', '{"data": []}', 'a JSON object without a "rows" array'],
    ['rows that is not an array', '{"rows": {"a": 1}}', 'a JSON object without a "rows" array'],
    ['an element that is not an object', '[{"a": 1}, 2]', 'element 1 (from 0) is not an object'],
    ['an element that is an array', '[{"a": 1}, {"b": 2}, [3]]', 'element 2 (from 0) is not an object'],
    ['a null element', '[null]', 'element 0 (from 0) is not an object'],
  ])('says malformed for %s', async (_what, text, english) => {
    const result = await readAll(text)
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain(english)
  })

  it.each([['42'], ['"text"'], ['true'], ['null']])('says malformed for the scalar %s', (text) => {
    const result = decodeJson(text)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.problem.code).toBe('malformed')
      expect(result.problem.message.en).toContain('the top level must be an array of row objects')
    }
  })

  it('reads a scalar upload as CSV, since it does not start with [ or {', async () => {
    expect(onlyRows(await readAll('42'))).toEqual([{ line: 1, cells: ['42'] }])
  })

  it('gives a finding, not a RangeError, for arrays nested 10,000 deep', async () => {
    const result = await readAll(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('element 0 (from 0) is not an object')
  })

  it('gives a finding, not a RangeError, for a value nested 10,000 deep inside a row', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`
    const result = await readAll(`[{"ok": 1}, {"x": ${deep}}]`)
    expect(codes(result)).toEqual(['malformed'])
    expect(result.problems[0]?.message.en).toContain('element 1 (from 0) is nested more than 1000 levels deep')
  })

  it('gives a finding for a top-level object nested 10,000 deep', async () => {
    const result = await readAll(`${'{"rows":'.repeat(10_000)}[]${'}'.repeat(10_000)}`)
    expect(codes(result)).toEqual(['malformed'])
  })

  it('stringifies values nested a few levels deep', async () => {
    expect(onlyRows(await readAll('[{"x": {"y": {"z": [1, {"w": null}]}}}]'))).toEqual([
      { line: 0, cells: ['x'] },
      { line: 1, cells: ['{"y":{"z":[1,{"w":null}]}}'] },
    ])
  })
})

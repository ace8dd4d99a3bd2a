import type { Finding, Message } from '../../../schemas/findings.ts'
import { fileProblem } from './decode-problem.ts'
import { MAX_COLUMNS, type CellValue, type RawRow, type SheetSource } from './types.ts'

/**
 * Nested values deeper than this are refused: `JSON.stringify` recurses and would overflow the
 * stack somewhere past a few thousand levels, and no table cell needs more than a handful.
 */
export const MAX_JSON_DEPTH = 1000

/**
 * Every row is yielded with a cell for every key of every row, so rows × keys cells are made
 * however few the file writes: a million `{}` after 16,000 one-key rows would be 16 billion.
 * An honest table writes each cell (≥ 5 characters: `"k":1,`); this bound is far above that.
 */
const CELLS_PER_CHAR = 4
const CELLS_SLACK = 1024 * 1024

type JsonObject = Record<string, unknown>

function malformed(detail: Message): { ok: false; problem: Finding } {
  return { ok: false, problem: fileProblem('malformed', detail) }
}

function isRowObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The offset of the first syntax error in `text` (its length for an unexpected end), found
 * without recursion. V8's messages do not always carry a position, and quote the input.
 */
export function jsonErrorOffset(text: string): number {
  const n = text.length
  const stack: ('array' | 'object')[] = []
  let i = 0
  const skipSpace = () => {
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break
      i++
    }
  }
  const string = (): boolean => {
    if (text[i] !== '"') return false
    i++
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return true
      }
      if (c < 0x20) return false
      if (c === 0x5c) {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else return false
      } else i++
    }
    return false
  }
  const scalar = (): boolean => {
    if (text[i] === '"') return string()
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length
        return true
      }
    }
    const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
    number.lastIndex = i
    if (!number.test(text)) return false
    i = number.lastIndex
    return true
  }
  let expect: 'value' | 'key' | 'after' = 'value'
  for (;;) {
    skipSpace()
    if (expect === 'value') {
      const c = text[i]
      if (c === '{' || c === '[') {
        stack.push(c === '{' ? 'object' : 'array')
        i++
        skipSpace()
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop()
          i++
          expect = 'after'
        } else expect = c === '{' ? 'key' : 'value'
        continue
      }
      if (!scalar()) return i
      expect = 'after'
    } else if (expect === 'key') {
      if (!string()) return i
      skipSpace()
      if (text[i] !== ':') return i
      i++
      expect = 'value'
    } else {
      const top = stack[stack.length - 1]
      if (top === undefined) return i < n ? i : -1
      const c = text[i]
      if (c === ',') {
        i++
        expect = top === 'object' ? 'key' : 'value'
      } else if (c === (top === 'object' ? '}' : ']')) {
        stack.pop()
        i++
      } else return i
    }
  }
}

/** Where a JSON syntax error is, as line and column. */
function syntaxPlace(text: string): Message {
  const offset = jsonErrorOffset(text)
  if (offset < 0) return { zh: '不是有效的 JSON', en: 'not valid JSON' }
  if (offset >= text.length) return { zh: 'JSON 在结束前中断', en: 'the JSON ends too early' }
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  const column = offset - lineStart + 1
  return { zh: `第 ${line} 行第 ${column} 列不是有效的 JSON`, en: `not valid JSON at line ${line}, column ${column}` }
}

/** The depth of nested arrays and objects below `value`, walked without recursion. */
function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }]
  while (stack.length > 0) {
    const top = stack.pop()
    if (top === undefined) break
    if (typeof top.value !== 'object' || top.value === null) continue
    if (top.depth >= limit) return true
    const children = Array.isArray(top.value) ? top.value : Object.values(top.value)
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: top.depth + 1 })
    }
  }
  return false
}

function toCell(value: unknown): CellValue {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return JSON.stringify(value)
}

/**
 * A JSON upload: an array of row objects, or an object whose `rows` is one. The sheet yields a
 * synthetic header row (line 0) with the union of the keys in first-seen order, then one row per
 * element (line = index + 1) with cells in header order; nested values become their JSON text.
 * Everything that could stop the file is checked here, before the first row is read.
 */
export function decodeJson(text: string): { ok: true; sheet: SheetSource } | { ok: false; problem: Finding } {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    if (error instanceof SyntaxError) return malformed(syntaxPlace(text))
    // V8 reports input too deep or too big for its parser as a RangeError.
    if (error instanceof RangeError) return malformed({ zh: 'JSON 嵌套过深或过大', en: 'the JSON is nested too deeply or too large' })
    throw error
  }

  let elements: unknown[]
  if (Array.isArray(parsed)) elements = parsed
  else if (isRowObject(parsed) && Array.isArray(parsed['rows'])) elements = parsed['rows']
  else if (isRowObject(parsed)) {
    return malformed({ zh: 'JSON 对象中没有 rows 数组', en: 'a JSON object without a "rows" array' })
  } else {
    return malformed({ zh: 'JSON 顶层应为行对象数组，或含 rows 数组的对象', en: 'the top level must be an array of row objects, or an object with a "rows" array' })
  }

  const keys: string[] = []
  const seen = new Set<string>()
  for (let index = 0; index < elements.length; index++) {
    const element = elements[index]
    if (!isRowObject(element)) {
      return malformed({ zh: `第 ${index} 个元素（从 0 起）不是对象`, en: `element ${index} (from 0) is not an object` })
    }
    if (exceedsDepth(element, MAX_JSON_DEPTH)) {
      return malformed({
        zh: `第 ${index} 个元素（从 0 起）嵌套超过 ${MAX_JSON_DEPTH} 层`,
        en: `element ${index} (from 0) is nested more than ${MAX_JSON_DEPTH} levels deep`,
      })
    }
    for (const key of Object.keys(element)) {
      if (!seen.has(key)) {
        seen.add(key)
        keys.push(key)
      }
    }
    if (keys.length > MAX_COLUMNS) {
      return malformed({
        zh: `到第 ${index} 个元素（从 0 起）为止各行已用了 ${keys.length} 个不同的键，超过表格最多 ${MAX_COLUMNS} 列`,
        en: `up to element ${index} (from 0) the rows use ${keys.length} different keys, more than the ${MAX_COLUMNS} columns a table can have`,
      })
    }
  }

  if (elements.length * keys.length > CELLS_PER_CHAR * text.length + CELLS_SLACK) {
    return malformed({
      zh: `${elements.length} 行、${keys.length} 个不同的键，大多数行缺少大多数键，不是表格数据`,
      en: `${elements.length} rows and ${keys.length} different keys, most rows lacking most keys: not table data`,
    })
  }

  const rows = elements as JsonObject[]
  return {
    ok: true,
    sheet: {
      async *rows(): AsyncGenerator<RawRow> {
        yield { line: 0, cells: [...keys] }
        for (let index = 0; index < rows.length; index++) {
          const element = rows[index] ?? {}
          yield { line: index + 1, cells: keys.map((key) => (Object.hasOwn(element, key) ? toCell(element[key]) : null)) }
        }
      },
    },
  }
}

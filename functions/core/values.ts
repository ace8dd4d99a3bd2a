import type { ColumnType } from '../../schemas/datasets.ts'
import type { Message } from '../../schemas/findings.ts'
import type { CellValue } from './decode/types.ts'
import { dayNumber } from './period.ts'
import { isResidentId } from './resident-id.ts'

/**
 * Value parsing of the contract's types (village_report.md, "Types"). Every parser takes the
 * cell as the file holds it and returns the typed value or the code of what is wrong with it.
 */

export type ParsedValue = string | number | boolean
export type ValueProblem = 'type' | 'range' | 'enum' | 'format'
export type ParseResult =
  | { ok: true; value: ParsedValue }
  | { ok: false; code: ValueProblem; detail?: Message }

/** The sentinel of an empty cell: null, '', or only white space (full-width included). */
export const EMPTY = Symbol('empty')

const BLANK_RE = /^[\s\u3000\u00a0\ufeff\u200b]*$/

export function isBlank(cell: CellValue): boolean {
  if (cell === null) return true
  if (typeof cell !== 'string') return false
  // A printable ASCII first character is not white space: no need for the expression.
  const c = cell.charCodeAt(0)
  if (c > 0x20 && c < 0x7f) return false
  return BLANK_RE.test(cell)
}

/**
 * True when `s` is non-empty printable ASCII without spaces (0x21–0x7e): then
 * `normaliseText(s) === s` (no NFKC change, nothing to trim) and its length is its
 * character count. Most cells of a real file are such text, and the parsers below take a
 * shortcut for them that gives exactly the result of their general path.
 */
export function isPlainAscii(s: string): boolean {
  const n = s.length
  if (n === 0) return false
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f) return false
  }
  return true
}

/** `s` is 1 or more ASCII digits only. */
function allDigits(s: string, from: number, to: number): boolean {
  if (from >= to) return false
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }
  return true
}

/** The number written by the ASCII digits `s[from, to)`. */
function digitsValue(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) n = n * 10 + s.charCodeAt(i) - 48
  return n
}

/** Plain decimal text (digits, at most one inner '.'), which `parseNumberText` reads as `Number(s)`. */
function plainDecimal(s: string): boolean {
  const n = s.length
  const dot = s.indexOf('.')
  if (dot === -1) return allDigits(s, 0, n)
  return allDigits(s, 0, dot) && allDigits(s, dot + 1, n)
}

/** NFKC (full-width digits and punctuation to ASCII), trimmed, Unicode minus to '-'. */
export function normaliseText(text: string): string {
  let s = text
  // Cheap check first: most cells are plain ASCII and need no normalisation.
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(s)) s = s.normalize('NFKC').replace(/[\u2212\u2012\u2013\u2014\u2015]/g, '-')
  return s.replace(/^[\s\u3000\u00a0\ufeff\u200b]+|[\s\u3000\u00a0\ufeff\u200b]+$/g, '')
}

/** The text of a cell as a finding's `value` echoes it. */
export function cellText(cell: CellValue): string {
  if (cell === null) return ''
  return typeof cell === 'string' ? cell : String(cell)
}

const PLAIN_NUMBER_RE = /^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$/
const LEADING_DOT_RE = /^[+-]?\.\d+$/
const SCIENTIFIC_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+$/

/** A decimal number as written: thousands separators, sign, fraction, scientific notation. */
export function parseNumberText(text: string): number | undefined {
  if (plainDecimal(text)) {
    const n = Number(text)
    if (Number.isFinite(n)) return n
  }
  const s = normaliseText(text)
  if (PLAIN_NUMBER_RE.test(s) || LEADING_DOT_RE.test(s) || SCIENTIFIC_RE.test(s)) {
    const n = Number(s.replace(/,/g, ''))
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

function numericCell(cell: CellValue): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined
  if (typeof cell === 'string') return parseNumberText(cell)
  return undefined
}

/** A number, or a rate written with % (or ％): 25% is 0.25. */
function rateCell(cell: CellValue): number | undefined {
  if (typeof cell !== 'string') return numericCell(cell)
  const m = /^(.*?)\s*[%％]$/.exec(normaliseText(cell))
  if (!m) return numericCell(cell)
  const n = parseNumberText(m[1]!)
  return n === undefined ? undefined : n / 100
}

const TRUE_WORDS = new Set(['是', 'y', 'yes', 'true', '1'])
const FALSE_WORDS = new Set(['否', 'n', 'no', 'false', '0'])

export function parseBool(cell: CellValue): boolean | undefined {
  if (typeof cell === 'boolean') return cell
  if (typeof cell === 'number') return cell === 1 ? true : cell === 0 ? false : undefined
  if (typeof cell !== 'string') return undefined
  // A word as listed needs no normalising (the lists hold normalised, lower-case words).
  if (TRUE_WORDS.has(cell)) return true
  if (FALSE_WORDS.has(cell)) return false
  const s = normaliseText(cell).toLowerCase()
  if (TRUE_WORDS.has(s)) return true
  if (FALSE_WORDS.has(s)) return false
  return undefined
}

/** `YYYYQn` exactly (digits, a capital Q, 1–4). */
function isPlainPeriod(s: string): boolean {
  if (s.length !== 6 || s.charCodeAt(4) !== 0x51 || !allDigits(s, 0, 4)) return false
  const q = s.charCodeAt(5)
  return q >= 0x31 && q <= 0x34
}

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, '1': 1, '2': 2, '3': 3, '4': 4 }

/** `2024Q2`, `2024q2`, `2024-Q2`, `2024 Q2`, `2024年第2季度`, `2024年第二季度` → `2024Q2`. */
export function parsePeriodText(text: string): string | undefined {
  const s = normaliseText(text).replace(/\s+/g, '')
  let m = /^(\d{4})-?[Qq]([1-4])$/.exec(s)
  if (m) return `${m[1]}Q${m[2]}`
  m = /^(\d{4})年第?([1-4一二三四])季度?$/.exec(s)
  if (m) return `${m[1]}Q${CN_DIGITS[m[2]!]}`
  return undefined
}

/** A statistical code of one of the allowed lengths; a numeric XLSX cell is accepted when whole. */
export function parseCode(cell: CellValue, lengths: readonly number[]): string | undefined {
  let s: string
  if (typeof cell === 'number') {
    if (!Number.isSafeInteger(cell) || cell < 0) return undefined
    s = String(cell)
  } else if (typeof cell === 'string') {
    if (allDigits(cell, 0, cell.length)) return lengths.includes(cell.length) ? cell : undefined
    s = normaliseText(cell)
  } else {
    return undefined
  }
  return /^\d+$/.test(s) && lengths.includes(s.length) ? s : undefined
}

/** Excel's 1900 date system, with its phantom 1900-02-29 (serial 60). */
export function excelSerialToDay(serial: number): number | undefined {
  if (!Number.isFinite(serial) || serial < 1 || serial >= 2_958_466) return undefined
  const whole = Math.floor(serial)
  if (whole === 60) return undefined
  // Serial 1 is 1900-01-01; from serial 61 on, Excel counts the nonexistent 1900-02-29.
  return whole < 60 ? dayNumber(1899, 12, 31) + whole : dayNumber(1899, 12, 30) + whole
}

/**
 * The day number of a valid Gregorian date, by arithmetic (days from civil, H. Hinnant): the
 * same as `validCalendarDay`, without a Date object, for the common `YYYY-MM-DD` cells.
 */
function calendarDay(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 9999) return undefined
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  const days = m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
  if (d > days) return undefined
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function validCalendarDay(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 9999) return undefined
  const day = dayNumber(y, m, d)
  const back = new Date(day * 86_400_000)
  return back.getUTCMonth() + 1 === m && back.getUTCDate() === d ? day : undefined
}

/**
 * A date as a day number: `2024-03-05`, `2024/3/5`, `2024.3.5`, `2024年3月5日` (an optional
 * midnight time is allowed, as Excel's CSV export writes it), or an Excel serial from XLSX.
 * A date that does not exist in the calendar is rejected, never rolled over.
 */
export function parseDate(cell: CellValue): number | undefined {
  if (typeof cell === 'number') return excelSerialToDay(cell)
  if (typeof cell !== 'string') return undefined
  // YYYY-MM-DD as written, the common spelling: read without the expressions.
  if (cell.length === 10 && cell.charCodeAt(4) === 0x2d && cell.charCodeAt(7) === 0x2d && allDigits(cell, 0, 4) && allDigits(cell, 5, 7) && allDigits(cell, 8, 10)) {
    return calendarDay(digitsValue(cell, 0, 4), digitsValue(cell, 5, 7), digitsValue(cell, 8, 10))
  }
  const s = normaliseText(cell)
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$/.exec(s)
  if (!m) m = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(s)
  if (!m) return undefined
  return validCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))
}

/** Maps a Chinese or English enum word to its English key (case-insensitive for English). */
export function enumLookup(values: Readonly<Record<string, string>>): (word: string) => string | undefined {
  const map = new Map<string, string>()
  for (const [zh, en] of Object.entries(values)) {
    map.set(zh, en)
    map.set(en.toLowerCase(), en)
  }
  // Spellings that normalising leaves as they are: a word written exactly so is found at once.
  const exact = new Map([...map].filter(([k]) => normaliseText(k).toLowerCase() === k))
  return (word) => exact.get(word) ?? map.get(normaliseText(word).toLowerCase())
}

const LIST_SPLIT_RE = /[、,，;；\s\u3000]+/


/** GB 11643 resident ID: 17 digits and an ISO 7064 MOD 11-2 check character (0–9 or X). */
export function parseIdNumber(cell: CellValue): string | undefined {
  if (typeof cell !== 'string') return undefined
  // 17 digits and a digit or X, as written: nothing to normalise or upper-case.
  if (cell.length === 18 && allDigits(cell, 0, 17)) {
    const last = cell.charCodeAt(17)
    if ((last >= 0x30 && last <= 0x39) || last === 0x58) {
      return isResidentId(cell) ? cell : undefined
    }
  }
  const s = normaliseText(cell).toUpperCase()
  if (!/^\d{17}[\dX]$/.test(s)) return undefined
  return isResidentId(s) ? s : undefined
}

/** Spellings a memoizing parser remembers per column. */
const MEMO_ENTRIES = 1 << 14
/** After this many cells, a column whose cells mostly differ stops remembering them. */
const MEMO_TRIAL = 4096

/**
 * The same parser, remembering what each text cell parsed to: a roster's dates, categories,
 * village codes and yes/no cells repeat, and a look-up costs far less than parsing. A column
 * whose cells are mostly distinct (household numbers, ID numbers) gives up remembering after a
 * trial. Parsing depends on the text alone, so the results are the same either way.
 */
export function memoizeParser(parse: (cell: CellValue, isDate: boolean) => ParseResult): (cell: CellValue, isDate: boolean) => ParseResult {
  let memo: Map<string, ParseResult> | undefined = new Map()
  let seen = 0
  let misses = 0
  return (cell, isDate) => {
    if (memo === undefined || typeof cell !== 'string' || isDate) return parse(cell, isDate)
    const known = memo.get(cell)
    if (seen < MEMO_TRIAL) {
      seen++
      if (known === undefined) misses++
      if (seen === MEMO_TRIAL && misses * 2 > seen) memo = undefined
    }
    if (known !== undefined) return known
    const result = parse(cell, isDate)
    if (memo !== undefined && memo.size < MEMO_ENTRIES) memo.set(cell, result)
    return result
  }
}

/**
 * Compiles the parser of one column type once, so the hot path does no dispatch on the type.
 * The returned function is called only for non-blank cells.
 */
export function compileParser(type: ColumnType): (cell: CellValue, isDate: boolean) => ParseResult {
  switch (type.kind) {
    case 'period':
      return (cell) => {
        // `2024Q2` as written is its own normal form.
        if (typeof cell === 'string' && isPlainPeriod(cell)) return { ok: true, value: cell }
        const p = typeof cell === 'string' ? parsePeriodText(cell) : undefined
        return p ? { ok: true, value: p } : { ok: false, code: 'format', detail: { zh: '报告期应写作 2024Q2、2024-Q2 或 2024年第2季度', en: 'write the period as 2024Q2, 2024-Q2 or 2024年第2季度' } }
      }
    case 'code': {
      const lengths = type.lengths
      const zh = `应为 ${lengths.join('、')} 位数字代码`
      const en = `expected a ${lengths.join(', ')}-digit code`
      return (cell) => {
        const c = parseCode(cell, lengths)
        return c ? { ok: true, value: c } : { ok: false, code: 'format', detail: { zh, en } }
      }
    }
    case 'text': {
      const { min = 0, max, pattern, patternText } = type
      return (cell) => {
        const plain = typeof cell === 'string' && isPlainAscii(cell)
        const s = plain ? cell : normaliseText(cellText(cell))
        const len = plain ? s.length : [...s].length
        if (len < min || len > max) return { ok: false, code: 'range', detail: { zh: `长度应在 ${min}–${max} 个字符之间`, en: `length must be ${min}–${max} characters` } }
        if (pattern && !pattern.test(s)) return { ok: false, code: 'format', detail: { zh: `只允许字符 ${patternText}`, en: `only the characters ${patternText} are allowed` } }
        return { ok: true, value: s }
      }
    }
    case 'bool':
      return (cell) => {
        const b = parseBool(cell)
        return b === undefined ? { ok: false, code: 'type', detail: { zh: '应填 是 或 否', en: 'expected yes or no (是/否, Y/N, true/false, 1/0)' } } : { ok: true, value: b }
      }
    case 'int':
    case 'num': {
      const whole = type.kind === 'int'
      const { min, max } = type
      const bound = max === undefined ? `≥ ${min}` : `${min}–${max}`
      const typeDetail: Message = whole ? { zh: '应为整数', en: 'expected a whole number' } : { zh: '应为数字', en: 'expected a number' }
      const rangeDetail: Message = { zh: `应在 ${bound} 范围内`, en: `must be ${bound}` }
      const percent = type.kind === 'num' && type.percent === true
      return (cell) => {
        const n = percent ? rateCell(cell) : numericCell(cell)
        if (n === undefined) return { ok: false, code: 'type', detail: typeDetail }
        if (whole && !Number.isInteger(n)) {
          // A negative fraction is out of bounds before it is a non-integer (validation.md: range, not type).
          return n < min ? { ok: false, code: 'range', detail: rangeDetail } : { ok: false, code: 'type', detail: typeDetail }
        }
        if (n < min || (max !== undefined && n > max) || (whole && !Number.isSafeInteger(n))) return { ok: false, code: 'range', detail: rangeDetail }
        return { ok: true, value: n === 0 ? 0 : n }
      }
    }
    case 'date':
      return (cell) => {
        const d = parseDate(cell)
        return d === undefined ? { ok: false, code: 'type', detail: { zh: '应为有效日期，如 2024-03-05', en: 'expected a real calendar date such as 2024-03-05' } } : { ok: true, value: d }
      }
    case 'enum': {
      const lookup = enumLookup(type.values)
      const allowed = Object.keys(type.values).join('、')
      return (cell) => {
        const v = lookup(cellText(cell))
        return v ? { ok: true, value: v } : { ok: false, code: 'enum', detail: { zh: `应为：${allowed}`, en: `expected one of: ${Object.values(type.values).join(', ')}` } }
      }
    }
    case 'enumList': {
      const lookup = enumLookup(type.values)
      const allowed = Object.keys(type.values).join('、')
      return (cell) => {
        const parts = normaliseText(cellText(cell)).split(LIST_SPLIT_RE).filter((p) => p !== '')
        const out: string[] = []
        for (const p of parts) {
          const v = lookup(p)
          if (!v) return { ok: false, code: 'enum', detail: { zh: `「${p}」不是允许的取值，应为：${allowed}`, en: `"${p}" is not one of: ${Object.values(type.values).join(', ')}` } }
          if (!out.includes(v)) out.push(v)
        }
        return out.length ? { ok: true, value: out.join(',') } : { ok: false, code: 'enum', detail: { zh: `应为：${allowed}`, en: `expected one of: ${Object.values(type.values).join(', ')}` } }
      }
    }
    case 'idNumber':
      return (cell) => {
        const id = parseIdNumber(cell)
        return id ? { ok: true, value: id } : { ok: false, code: 'format', detail: { zh: '身份证号应为 18 位且校验位正确', en: 'an ID number has 18 characters and a valid check digit' } }
      }
  }
}

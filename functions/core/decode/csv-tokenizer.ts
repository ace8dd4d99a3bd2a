import { stop } from './decode-problem.ts'
import { MAX_COLUMNS, type RawRow } from './types.ts'

/** One field longer than this stops the file, so a 1 GB single-line file costs bounded memory. */
export const MAX_FIELD_CHARS = 1024 * 1024
/** One record longer than this (all fields and delimiters) stops the file likewise. */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024

const QUOTE = 0x22
const COMMA = 0x2c
const LF = 0x0a
const CR = 0x0d

const enum State {
  /** At the start of a field (the record may already hold fields). */
  FieldStart,
  /** Inside an unquoted field that began in an earlier chunk; `#partial` holds its start. */
  Unquoted,
  /** Inside a quoted field; `#partial` holds the content so far. */
  Quoted,
  /** Just after a `"` inside a quoted field: an escaped quote, or the closing one. */
  AfterQuote,
}

/**
 * RFC 4180 tokenizer, fed decoded text chunk by chunk (a chunk may end anywhere, even between
 * the CR and LF of one line break). Memory holds one record at most, bounded by the limits.
 *
 * Cells are strings exactly as written; an empty line is a row `['']`. A row's `line` is the
 * physical line its record starts on, counting CRLF, LF and lone CR as one line break each,
 * including the breaks inside quoted fields.
 */
export class CsvTokenizer {
  #line = 1
  #recordLine = 1
  #fields: string[] = []
  #recordChars = 0
  #partial = ''
  #state: State = State.FieldStart
  #quoteLine = 0
  /** The previous chunk ended with a CR, whose LF (if any) starts this chunk. */
  #crPending = false

  /** The physical line the next character will be on. */
  get line(): number {
    return this.#line
  }

  /** Appends every record completed by `text` to `out`; throws `DecodeStop` on bad quoting or limits. */
  push(text: string, out: RawRow[]): void {
    const n = text.length
    let i = 0
    if (n === 0) return
    if (this.#crPending) {
      this.#crPending = false
      if (text.charCodeAt(0) === LF) {
        // The LF completes a CRLF already counted as one line break.
        if (this.#state === State.Quoted) this.#partial += '\n'
        i = 1
      }
    }
    // Positions of the next quote and CR from the fast path's point of view (-2: not searched).
    let nextQuote = -2
    let nextCr = -2

    while (i < n) {
      switch (this.#state) {
        case State.FieldStart: {
          if (this.#fields.length === 0) {
            // Fast path: a whole line with no quote and no lone CR is split natively.
            if (nextQuote !== -1 && nextQuote < i) nextQuote = text.indexOf('"', i)
            const nl = text.indexOf('\n', i)
            if (nl !== -1 && (nextQuote === -1 || nl < nextQuote) && nl - i <= MAX_FIELD_CHARS) {
              let end = nl
              if (end > i && text.charCodeAt(end - 1) === CR) end--
              if (nextCr !== -1 && nextCr < i) nextCr = text.indexOf('\r', i)
              if (nextCr === -1 || nextCr >= end) {
                const cells = end === i ? [''] : text.slice(i, end).split(',')
                if (cells.length > MAX_COLUMNS) this.#tooWide(this.#line)
                out.push({ line: this.#line, cells })
                this.#line++
                this.#recordLine = this.#line
                i = nl + 1
                continue
              }
            }
          }
          if (text.charCodeAt(i) === QUOTE) {
            this.#state = State.Quoted
            this.#quoteLine = this.#line
            this.#partial = ''
            i++
            continue
          }
          let j = i
          while (j < n) {
            const c = text.charCodeAt(j)
            if (c === COMMA || c === LF || c === CR) break
            j++
          }
          if (j === n) {
            this.#partial = text.slice(i)
            this.#state = State.Unquoted
            this.#checkOpenField()
            return
          }
          this.#endField(text.slice(i, j))
          i = this.#delimiter(text, j, out)
          continue
        }
        case State.Unquoted: {
          let j = i
          while (j < n) {
            const c = text.charCodeAt(j)
            if (c === COMMA || c === LF || c === CR) break
            j++
          }
          if (j === n) {
            this.#partial += text.slice(i)
            this.#checkOpenField()
            return
          }
          const value = this.#partial + text.slice(i, j)
          this.#partial = ''
          this.#state = State.FieldStart
          this.#endField(value)
          i = this.#delimiter(text, j, out)
          continue
        }
        case State.Quoted: {
          const q = text.indexOf('"', i)
          const end = q === -1 ? n : q
          this.#countBreaks(text, i, end)
          if (end > i) this.#partial += text.slice(i, end)
          this.#checkOpenField()
          if (q === -1) return
          this.#state = State.AfterQuote
          i = q + 1
          continue
        }
        case State.AfterQuote: {
          const c = text.charCodeAt(i)
          if (c === QUOTE) {
            this.#partial += '"'
            this.#state = State.Quoted
            i++
            continue
          }
          if (c === COMMA || c === LF || c === CR) {
            const value = this.#partial
            this.#partial = ''
            this.#state = State.FieldStart
            this.#endField(value)
            i = this.#delimiter(text, i, out)
            continue
          }
          throw stop('malformed', {
            zh: `第 ${this.#line} 行：右引号后紧跟其他字符（引号内的引号应写成两个 ""）`,
            en: `line ${this.#line}: a closing quote is followed by other characters (a quote inside quotes is written "")`,
          })
        }
      }
    }
  }

  /** Ends the text: emits the last record, or throws `DecodeStop` for an unterminated quote. */
  finish(out: RawRow[]): void {
    switch (this.#state) {
      case State.Quoted:
        throw stop('malformed', {
          zh: `第 ${this.#quoteLine} 行开始的引号直到文件末尾都没有闭合`,
          en: `the quote opened on line ${this.#quoteLine} is never closed`,
        })
      case State.Unquoted:
      case State.AfterQuote: {
        const value = this.#partial
        this.#partial = ''
        this.#state = State.FieldStart
        this.#endField(value)
        this.#emit(out)
        return
      }
      case State.FieldStart:
        // `a,` at the end of the file: the record ends with an empty field.
        if (this.#fields.length > 0) {
          this.#endField('')
          this.#emit(out)
        }
    }
  }

  /** Consumes the delimiter at `j` (comma or line break); returns where the next field starts. */
  #delimiter(text: string, j: number, out: RawRow[]): number {
    const c = text.charCodeAt(j)
    if (c === COMMA) return j + 1
    this.#emit(out)
    this.#line++
    this.#recordLine = this.#line
    if (c === CR) {
      if (j + 1 === text.length) {
        this.#crPending = true
        return j + 1
      }
      if (text.charCodeAt(j + 1) === LF) return j + 2
    }
    return j + 1
  }

  #endField(value: string): void {
    if (value.length > MAX_FIELD_CHARS) this.#tooLong(this.#recordLine)
    if (this.#fields.length >= MAX_COLUMNS) this.#tooWide(this.#recordLine)
    this.#recordChars += value.length + 1
    if (this.#recordChars > MAX_RECORD_CHARS) this.#tooLong(this.#recordLine)
    this.#fields.push(value)
  }

  #checkOpenField(): void {
    const length = this.#partial.length
    if (length > MAX_FIELD_CHARS || this.#recordChars + length > MAX_RECORD_CHARS) this.#tooLong(this.#recordLine)
  }

  #emit(out: RawRow[]): void {
    out.push({ line: this.#recordLine, cells: this.#fields })
    this.#fields = []
    this.#recordChars = 0
  }

  /** Counts line breaks in quoted content `text[from, to)`: CRLF, LF and lone CR are one each. */
  #countBreaks(text: string, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const c = text.charCodeAt(k)
      if (c === LF) this.#line++
      else if (c === CR) {
        this.#line++
        if (k + 1 < to) {
          if (text.charCodeAt(k + 1) === LF) k++
        } else if (to === text.length) {
          this.#crPending = true
        }
      }
    }
  }

  #tooWide(line: number): never {
    throw stop('malformed', {
      zh: `第 ${line} 行过长：超过 ${MAX_COLUMNS} 列（Excel 的最大列数），不是表格数据`,
      en: `line ${line} is too long: more than ${MAX_COLUMNS} cells (Excel's widest sheet), not table data`,
    })
  }

  #tooLong(line: number): never {
    throw stop('malformed', {
      zh: `第 ${line} 行过长（单个字段超过 1 MiB 或整行超过 4 MiB），可能不是 CSV 文件或引号未闭合`,
      en: `line ${line} is too long (a field over 1 MiB or a record over 4 MiB): not a CSV file, or a quote left open`,
    })
  }
}

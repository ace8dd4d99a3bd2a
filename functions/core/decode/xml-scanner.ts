import { PipelineError } from '../errors.ts'
/**
 * A small incremental XML scanner for the parts of an XLSX. It is deliberately not a full XML
 * parser: a `<!DOCTYPE` (or any other declaration) is an error, so no entity is ever defined or
 * expanded; only the five predefined entities and numeric character references are decoded.
 * Text is fed in chunks of any size; events are delivered as complete tags and text runs.
 */

/**
 * Bad XML, or XML that breaks the rules of the part it is in; the caller turns it into a
 * `malformed` finding naming the entry. `message` is English, `zh` its Chinese.
 */
export class XmlError extends PipelineError {
  readonly zh: string

  constructor(message: string, zh = 'XML 结构有误') {
    super(message)
    this.name = 'XmlError'
    this.zh = zh
  }
}

export interface XmlHandler {
  /** `name` is the local name (any `x:` prefix dropped); `attributes` is the raw attribute text. */
  open(name: string, attributes: string, selfClosing: boolean): void
  close(name: string): void
  /** Decoded text (entities resolved, CDATA as is); may be called several times in a row. */
  text(value: string): void
}

/** No single tag or text run may be longer than this: a guard against one endless token. */
export const MAX_TOKEN_CHARS = 32 * 1024 * 1024

const LT = 0x3c
const GT = 0x3e
const SLASH = 0x2f
const QUOT = 0x22
const APOS = 0x27

function localName(qualified: string): string {
  const colon = qualified.indexOf(':')
  return colon === -1 ? qualified : qualified.slice(colon + 1)
}

function isNameEnd(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === SLASH || c === GT
}

export class XmlScanner {
  readonly #handler: XmlHandler
  /** Text not yet consumed: the start of an unfinished token, possibly in several pieces. */
  readonly #pending: string[] = []
  #pendingLength = 0
  /** The character that can end the unfinished token ('' when any may). */
  #waitFor = ''
  readonly #stack: string[] = []
  #sawRoot = false

  constructor(handler: XmlHandler) {
    this.#handler = handler
  }

  push(chunk: string): void {
    // While waiting for the end of a long token, only look for the character that can end
    // it; the text is joined once it arrives, so a long token costs linear time.
    if (this.#pending.length > 0 && this.#waitFor !== '' && chunk.indexOf(this.#waitFor) === -1) {
      this.#pending.push(chunk)
      this.#pendingLength += chunk.length
      if (this.#pendingLength > MAX_TOKEN_CHARS) throw new XmlError('a tag or text run is too long')
      return
    }
    this.#pending.push(chunk)
    const s = this.#pending.length === 1 ? chunk : this.#pending.join('')
    this.#pending.length = 0
    const n = s.length
    let i = 0
    let waitFor = ''
    while (i < n) {
      const lt = s.indexOf('<', i)
      if (lt === -1) {
        waitFor = '<' // text up to the end: wait for its end, an entity may be split
        break
      }
      if (lt > i) this.#text(s, i, lt)
      i = lt
      if (lt + 1 >= n) {
        waitFor = ''
        break
      }
      const c = s.charCodeAt(lt + 1)
      waitFor = '>'
      if (c === SLASH) {
        const gt = s.indexOf('>', lt + 2)
        if (gt === -1) break
        this.#close(s.slice(lt + 2, gt).trim())
        i = gt + 1
      } else if (c === 0x3f) {
        // Processing instruction, including the XML declaration: skipped.
        const end = s.indexOf('?>', lt + 2)
        if (end === -1) break
        i = end + 2
      } else if (c === 0x21) {
        const consumed = this.#declaration(s, lt)
        if (consumed === -1) {
          if (n - lt < 9) waitFor = ''
          break
        }
        i = consumed
      } else {
        const gt = findTagEnd(s, lt + 1)
        if (gt === -1) break
        this.#open(s, lt + 1, gt)
        i = gt + 1
      }
    }
    if (i < n) {
      const rest = s.slice(i)
      this.#pending.push(rest)
      this.#pendingLength = rest.length
      this.#waitFor = waitFor
      if (rest.length > MAX_TOKEN_CHARS) throw new XmlError('a tag or text run is too long')
    } else {
      this.#pendingLength = 0
    }
  }

  /** The text is complete: anything left open is an error. */
  end(): void {
    const rest = this.#pending.join('')
    this.#pending.length = 0
    this.#pendingLength = 0
    if (rest.indexOf('<') !== -1) throw new XmlError('the XML ends inside a tag')
    if (rest.trim().length > 0) throw new XmlError(this.#stack.length > 0 ? 'the XML ends inside an element' : 'text after the root element')
    if (this.#stack.length > 0) throw new XmlError(`the element <${this.#stack[this.#stack.length - 1]}> is never closed`)
    if (!this.#sawRoot) throw new XmlError('the XML has no root element')
  }

  #text(s: string, from: number, to: number): void {
    if (this.#stack.length === 0) {
      // Only whitespace may stand outside the root element.
      for (let k = from; k < to; k++) {
        const c = s.charCodeAt(k)
        if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) throw new XmlError('text outside the root element')
      }
      return
    }
    const raw = s.slice(from, to)
    this.#handler.text(raw.indexOf('&') === -1 ? raw : decodeEntities(raw))
  }

  /** `<!--…-->`, `<![CDATA[…]]>`, or a forbidden declaration. Returns the end, or -1 to wait. */
  #declaration(s: string, lt: number): number {
    if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4)
      return end === -1 ? -1 : end + 3
    }
    if (s.startsWith('<![CDATA[', lt)) {
      if (this.#stack.length === 0) throw new XmlError('CDATA outside the root element')
      const end = s.indexOf(']]>', lt + 9)
      if (end === -1) return -1
      this.#handler.text(s.slice(lt + 9, end))
      return end + 3
    }
    // Still possibly the start of a comment or CDATA: wait for more text.
    const available = s.slice(lt, lt + 9)
    if (available.length < 9 && ('<![CDATA['.startsWith(available) || '<!--'.startsWith(available))) return -1
    // `<!DOCTYPE` and every other declaration: refusing them is what keeps entities out.
    throw new XmlError('a <!DOCTYPE or other declaration is not allowed', '含有 <!DOCTYPE 等声明，不允许')
  }

  #open(s: string, from: number, gt: number): void {
    let nameEnd = from
    while (nameEnd < gt && !isNameEnd(s.charCodeAt(nameEnd))) nameEnd++
    if (nameEnd === from) throw new XmlError('a tag without a name')
    const qualified = s.slice(from, nameEnd)
    const selfClosing = s.charCodeAt(gt - 1) === SLASH
    const attributes = s.slice(nameEnd, selfClosing ? gt - 1 : gt)
    if (this.#stack.length === 0) {
      if (this.#sawRoot) throw new XmlError('a second root element')
      this.#sawRoot = true
    }
    if (!selfClosing) this.#stack.push(qualified)
    this.#handler.open(localName(qualified), attributes, selfClosing)
    if (selfClosing) this.#handler.close(localName(qualified))
  }

  #close(qualified: string): void {
    const open = this.#stack.pop()
    if (open !== qualified) throw new XmlError(`</${qualified}> does not close <${open ?? ''}>`)
    this.#handler.close(localName(qualified))
  }
}

/** The index of the `>` ending a tag opened before `from`, skipping quoted attribute values. */
function findTagEnd(s: string, from: number): number {
  let k = from
  for (;;) {
    const gt = s.indexOf('>', k)
    if (gt === -1) return -1
    // Most tags have no quote before their `>` that hides it; check the run for quotes.
    let quote = -1
    for (let j = k; j < gt; j++) {
      const c = s.charCodeAt(j)
      if (c === QUOT || c === APOS || c === LT) {
        if (c === LT) throw new XmlError('"<" inside a tag')
        quote = j
        break
      }
    }
    if (quote === -1) return gt
    const close = s.indexOf(s[quote] ?? '"', quote + 1)
    if (close === -1) return -1
    k = close + 1
  }
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 || code === 0xa || code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
  )
}

/** Resolves the five predefined entities and numeric references; anything else is an error. */
export function decodeEntities(raw: string): string {
  let out = ''
  let i = 0
  for (;;) {
    const amp = raw.indexOf('&', i)
    if (amp === -1) return i === 0 ? raw : out + raw.slice(i)
    out += raw.slice(i, amp)
    const semi = raw.indexOf(';', amp + 1)
    if (semi === -1 || semi - amp > 12) throw new XmlError('an "&" that starts no entity')
    const body = raw.slice(amp + 1, semi)
    if (body.charCodeAt(0) === 0x23) {
      const hex = body.charCodeAt(1) === 0x78
      const digits = body.slice(hex ? 2 : 1)
      if (!(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) throw new XmlError(`a bad character reference &${body};`)
      const code = Number.parseInt(digits, hex ? 16 : 10)
      if (!isXmlChar(code)) throw new XmlError(`a character reference to a forbidden character &${body};`)
      out += String.fromCodePoint(code)
    } else {
      const named = NAMED_ENTITIES[body]
      if (named === undefined) throw new XmlError(`an undefined entity &${body};`)
      out += named
    }
    i = semi + 1
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/** One attribute read by `nextAttribute`; reused between calls to spare allocations. */
export interface AttributeCursor {
  name: string
  value: string
  /** Where the next attribute starts: pass back as `from`. */
  end: number
}

/**
 * Reads the attribute at or after `from` in a tag's raw attribute text into `cursor`, its
 * value decoded; false when there are no more. Anything but `name="value"` pairs is an error.
 */
export function nextAttribute(raw: string, from: number, cursor: AttributeCursor): boolean {
  const n = raw.length
  let k = from
  while (k < n && isSpace(raw.charCodeAt(k))) k++
  if (k >= n) return false
  const nameStart = k
  while (k < n && raw.charCodeAt(k) !== 0x3d && !isSpace(raw.charCodeAt(k))) k++
  const nameEnd = k
  while (k < n && isSpace(raw.charCodeAt(k))) k++
  if (nameEnd === nameStart || raw.charCodeAt(k) !== 0x3d) throw new XmlError('a malformed attribute')
  k++
  while (k < n && isSpace(raw.charCodeAt(k))) k++
  const quote = raw.charCodeAt(k)
  if (quote !== QUOT && quote !== APOS) throw new XmlError('a malformed attribute')
  const close = raw.indexOf(quote === QUOT ? '"' : "'", k + 1)
  if (close === -1) throw new XmlError('a malformed attribute')
  const value = raw.slice(k + 1, close)
  cursor.name = raw.slice(nameStart, nameEnd)
  cursor.value = value.indexOf('&') === -1 ? value : decodeEntities(value)
  cursor.end = close + 1
  return true
}

/**
 * Walks the attributes of a tag in order, calling `visit` with each qualified name and decoded
 * value; stops early when `visit` returns true.
 */
export function forEachAttribute(raw: string, visit: (name: string, value: string) => boolean | void): void {
  const cursor: AttributeCursor = { name: '', value: '', end: 0 }
  while (nextAttribute(raw, cursor.end, cursor)) {
    if (visit(cursor.name, cursor.value) === true) return
  }
}

/** The attributes of a tag, by qualified name. */
export function parseAttributes(raw: string): Map<string, string> {
  const out = new Map<string, string>()
  forEachAttribute(raw, (name, value) => {
    out.set(name, value)
  })
  return out
}

/** One attribute's value by qualified name. */
export function attribute(raw: string, wanted: string): string | undefined {
  let found: string | undefined
  forEachAttribute(raw, (name, value) => {
    if (name !== wanted) return false
    found = value
    return true
  })
  return found
}

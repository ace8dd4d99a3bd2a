/**
 * The byte-level pieces of a Parquet writer: a growable byte buffer, the Thrift compact
 * protocol for page headers and the footer, the RLE/bit-packed hybrid for levels and
 * dictionary indexes, and a Snappy compressor. Written for one job, flat columns of a few
 * physical types, and for speed: no per-value allocation anywhere.
 * (Formats: apache/parquet-format `parquet.thrift` and `Encodings.md`; google/snappy `format_description.txt`.)
 */

/** A growable byte buffer with little-endian writers. */
export class Bytes {
  buf: Uint8Array
  view: DataView
  length = 0

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity)
    this.view = new DataView(this.buf.buffer)
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): void {
    this.reserve(1)
    this.buf[this.length++] = v
  }

  u32(v: number): void {
    this.reserve(4)
    this.view.setUint32(this.length, v >>> 0, true)
    this.length += 4
  }

  i32(v: number): void {
    this.reserve(4)
    this.view.setInt32(this.length, v, true)
    this.length += 4
  }

  /** A whole number (|v| < 2^53) as a little-endian two's-complement int64, without BigInt. */
  i64(v: number): void {
    this.reserve(8)
    const hi = Math.floor(v / 4294967296)
    this.view.setUint32(this.length, v - hi * 4294967296, true)
    this.view.setInt32(this.length + 4, hi, true)
    this.length += 8
  }

  f64(v: number): void {
    this.reserve(8)
    this.view.setFloat64(this.length, v, true)
    this.length += 8
  }

  varint(v: number): void {
    this.reserve(10)
    let n = v
    while (n > 0x7f) {
      this.buf[this.length++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    this.buf[this.length++] = n
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** A string as UTF-8; ASCII is copied by a plain loop, anything else through the encoder. */
  utf8(s: string): void {
    const n = s.length
    this.reserve(n * 3)
    const buf = this.buf
    let at = this.length
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        const written = encoder.encodeInto(s.slice(i), buf.subarray(at)).written
        this.length = at + written
        return
      }
      buf[at++] = c
    }
    this.length = at
  }

  /** A PLAIN BYTE_ARRAY value: its UTF-8 length (4 bytes) and bytes. */
  lengthPrefixedUtf8(s: string): void {
    this.reserve(4)
    const start = this.length
    this.length += 4
    this.utf8(s)
    this.view.setUint32(start, this.length - start - 4, true)
  }

  subarray(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }

  clear(): void {
    this.length = 0
  }
}

const encoder = new TextEncoder()

/** UTF-8 bytes of a string (statistics, metadata). */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s)
}

// ---- Thrift compact protocol ----

const T_TRUE = 1
const T_FALSE = 2
const T_I32 = 5
const T_I64 = 6
const T_BINARY = 8
const T_LIST = 9
const T_STRUCT = 12

/**
 * Writes Thrift compact structs field by field, in increasing field order. Integers are
 * JS numbers (all our sizes and offsets are far below 2^53).
 */
export class ThriftWriter {
  readonly out: Bytes
  #last: number[] = [0]

  constructor(out: Bytes) {
    this.out = out
  }

  #field(id: number, type: number): void {
    const last = this.#last[this.#last.length - 1]!
    const delta = id - last
    if (delta > 0 && delta <= 15) this.out.u8((delta << 4) | type)
    else {
      this.out.u8(type)
      this.#zigzag(id)
    }
    this.#last[this.#last.length - 1] = id
  }

  #zigzag(v: number): void {
    this.out.varint(v >= 0 ? v * 2 : -v * 2 - 1)
  }

  i32(id: number, v: number): void {
    this.#field(id, T_I32)
    this.#zigzag(v)
  }

  i64(id: number, v: number): void {
    this.#field(id, T_I64)
    this.#zigzag(v)
  }

  bool(id: number, v: boolean): void {
    this.#field(id, v ? T_TRUE : T_FALSE)
  }

  binary(id: number, v: Uint8Array | string): void {
    this.#field(id, T_BINARY)
    const bytes = typeof v === 'string' ? utf8Bytes(v) : v
    this.out.varint(bytes.length)
    this.out.bytes(bytes)
  }

  structBegin(id: number): void {
    this.#field(id, T_STRUCT)
    this.#last.push(0)
  }

  structEnd(): void {
    this.out.u8(0)
    this.#last.pop()
  }

  #listHeader(id: number, size: number, elementType: number): void {
    this.#field(id, T_LIST)
    if (size < 15) this.out.u8((size << 4) | elementType)
    else {
      this.out.u8(0xf0 | elementType)
      this.out.varint(size)
    }
  }

  listI32(id: number, values: readonly number[]): void {
    this.#listHeader(id, values.length, T_I32)
    for (const v of values) this.#zigzag(v)
  }

  listBinary(id: number, values: readonly string[]): void {
    this.#listHeader(id, values.length, T_BINARY)
    for (const v of values) {
      const bytes = utf8Bytes(v)
      this.out.varint(bytes.length)
      this.out.bytes(bytes)
    }
  }

  /** A list of structs: `write` is called per element between its begin and end. */
  listStruct<T>(id: number, items: readonly T[], write: (item: T) => void): void {
    this.#listHeader(id, items.length, T_STRUCT)
    for (const item of items) {
      this.#last.push(0)
      write(item)
      this.out.u8(0)
      this.#last.pop()
    }
  }

  /** The stop byte of the top-level struct. */
  end(): void {
    this.out.u8(0)
  }
}

// ---- RLE / bit-packed hybrid ----

/** Bits needed for values 0..max. */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max)
}

/**
 * The RLE/bit-packed hybrid encoding of `values[0, n)` with `width` bits each (no length
 * prefix). Runs of 8 or more equal values become RLE runs; the rest is bit-packed in groups
 * of 8, the last group padded with zeros (the reader knows the count).
 */
export function writeHybrid(out: Bytes, values: ArrayLike<number>, n: number, width: number): void {
  const valueBytes = (width + 7) >> 3
  let packedStart = 0
  let i = 0
  while (i < n) {
    const v = values[i]!
    let run = 1
    while (i + run < n && values[i + run] === v) run++
    if (run >= 8) {
      // Pad the pending bit-packed values to a whole group with the run's first values.
      const pending = i - packedStart
      const pad = (8 - (pending & 7)) & 7
      if (pending > 0) {
        if (run - pad >= 8) {
          writePacked(out, values, packedStart, pending + pad, width)
          i += pad
          run -= pad
        } else {
          i += run
          continue
        }
      }
      out.varint(run * 2)
      for (let b = 0; b < valueBytes; b++) out.u8((v >>> (8 * b)) & 0xff)
      i += run
      packedStart = i
    } else {
      i += run
    }
  }
  if (packedStart < n) writePacked(out, values, packedStart, n - packedStart, width)
}

function writePacked(out: Bytes, values: ArrayLike<number>, from: number, count: number, width: number): void {
  const groups = Math.ceil(count / 8)
  out.varint(groups * 2 + 1)
  const bytes = groups * width
  out.reserve(bytes)
  const buf = out.buf
  const start = out.length
  buf.fill(0, start, start + bytes)
  let bit = 0
  for (let k = 0; k < count; k++) {
    let v = values[from + k]!
    let remaining = width
    while (remaining > 0) {
      const at = start + (bit >> 3)
      const shift = bit & 7
      const take = Math.min(8 - shift, remaining)
      buf[at]! |= (v & ((1 << take) - 1)) << shift
      v >>>= take
      bit += take
      remaining -= take
    }
  }
  out.length = start + bytes
}

// ---- Snappy ----

const SNAPPY_BLOCK = 1 << 16
const HASH_BITS = 14
const HASH_SIZE = 1 << HASH_BITS
const table = new Int32Array(HASH_SIZE)

/** Upper bound of the compressed size of `n` bytes (snappy's MaxCompressedLength). */
export function snappyMaxLength(n: number): number {
  return 32 + n + Math.floor(n / 6)
}

/**
 * Snappy-compresses `input` onto `out`, block by block (64 KiB), with the reference
 * implementation's skipping: where no match is found, lookups thin out, so incompressible
 * data (hex hashes) costs little.
 */
export function snappyCompress(out: Bytes, input: Uint8Array): void {
  out.reserve(snappyMaxLength(input.length))
  out.varint(input.length)
  for (let start = 0; start < input.length; start += SNAPPY_BLOCK) {
    compressBlock(out, input, start, Math.min(input.length, start + SNAPPY_BLOCK))
  }
}

function load32(a: Uint8Array, i: number): number {
  return a[i]! | (a[i + 1]! << 8) | (a[i + 2]! << 16) | (a[i + 3]! << 24)
}

function hash32(v: number): number {
  return Math.imul(v, 0x1e35a7bd) >>> (32 - HASH_BITS)
}

function compressBlock(out: Bytes, a: Uint8Array, start: number, end: number): void {
  let literalStart = start
  if (end - start >= 15) {
    table.fill(-1)
    const limit = end - 15
    let ip = start + 1
    let nextHash = hash32(load32(a, ip))
    outer: for (;;) {
      let skip = 32
      let candidate: number
      let next = ip
      // Find a 4-byte match, looking less often the longer nothing matches.
      do {
        ip = next
        const h = nextHash
        next = ip + (skip++ >> 5)
        if (next > limit) break outer
        nextHash = hash32(load32(a, next))
        candidate = table[h]!
        table[h] = ip
      } while (candidate < 0 || load32(a, candidate) !== load32(a, ip))
      emitLiteral(out, a, literalStart, ip)
      // Emit copies for as long as matches follow matches.
      for (;;) {
        const base = ip
        let matched = 4
        while (ip + matched < end && a[candidate + matched] === a[ip + matched]) matched++
        ip += matched
        emitCopy(out, base - candidate, matched)
        literalStart = ip
        if (ip >= limit) break outer
        const prev = load32(a, ip - 1)
        table[hash32(prev)] = ip - 1
        const cur = load32(a, ip)
        const h = hash32(cur)
        candidate = table[h]!
        table[h] = ip
        if (candidate < 0 || load32(a, candidate) !== cur) {
          ip++
          nextHash = hash32(load32(a, ip))
          break
        }
      }
    }
  }
  if (literalStart < end) emitLiteral(out, a, literalStart, end)
}

function emitLiteral(out: Bytes, a: Uint8Array, from: number, to: number): void {
  const n = to - from
  if (n === 0) return
  const len = n - 1
  const buf = out.buf
  let at = out.length
  if (len < 60) buf[at++] = len << 2
  else if (len < 0x100) {
    buf[at++] = 60 << 2
    buf[at++] = len
  } else if (len < 0x10000) {
    buf[at++] = 61 << 2
    buf[at++] = len & 0xff
    buf[at++] = len >>> 8
  } else if (len < 0x1000000) {
    buf[at++] = 62 << 2
    buf[at++] = len & 0xff
    buf[at++] = (len >>> 8) & 0xff
    buf[at++] = len >>> 16
  } else {
    buf[at++] = 63 << 2
    buf[at++] = len & 0xff
    buf[at++] = (len >>> 8) & 0xff
    buf[at++] = (len >>> 16) & 0xff
    buf[at++] = len >>> 24
  }
  buf.set(a.subarray(from, to), at)
  out.length = at + n
}

function emitCopy(out: Bytes, offset: number, length: number): void {
  let n = length
  while (n >= 68) {
    emitCopyUpTo64(out, offset, 64)
    n -= 64
  }
  if (n > 64) {
    emitCopyUpTo64(out, offset, 60)
    n -= 60
  }
  emitCopyUpTo64(out, offset, n)
}

function emitCopyUpTo64(out: Bytes, offset: number, n: number): void {
  const buf = out.buf
  let at = out.length
  if (n < 12 && offset < 2048) {
    buf[at++] = 1 | ((n - 4) << 2) | ((offset >>> 8) << 5)
    buf[at++] = offset & 0xff
  } else {
    buf[at++] = 2 | ((n - 1) << 2)
    buf[at++] = offset & 0xff
    buf[at++] = offset >>> 8
  }
  out.length = at
}

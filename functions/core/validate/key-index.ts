/**
 * Memory-lean bookkeeping for the checks of one file: which key was first seen on which row
 * (duplicate_key), which rows were rejected, and where each row sits in the file.
 *
 * A `Map<string, number>` of a million household numbers costs ~100 bytes a key; here a key
 * costs 12 bytes of an open-addressing table (a 64-bit hash and a row) at ≤ 75% load, 16–24
 * bytes a key with the table's headroom. Equal hashes are taken for equal keys when they are met, and every such hit is
 * checked exactly afterwards against the keys as the file holds them (`duplicate-keys.ts` reads
 * the file again for that, only when there were hits). A collision between two different keys
 * makes the validator check the file again from the start under another hash seed, so
 * `duplicate_key`, `rows.rejected` and everything else stay exact.
 */

/** The last hash computed (two 32-bit halves; no tuple allocated per key). */
export const hashed = { hi: 0, lo: 0 }

/**
 * A 64-bit hash of the key's UTF-16 code units under `seed`, in `hashed`: two independent
 * 32-bit lanes (FNV-1a-like and murmur-like), each finished with murmur3's fmix32.
 */
export function keyHash(key: string, seed = 0): void {
  let a = (0x811c9dc5 ^ Math.imul(seed, 0x27d4eb2f)) | 0
  let b = (0x9747b28c ^ Math.imul(seed, 0x85ebca6b)) | 0
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  a ^= key.length
  a ^= a >>> 16
  a = Math.imul(a, 0x85ebca6b)
  a ^= a >>> 13
  a = Math.imul(a, 0xc2b2ae35)
  a ^= a >>> 16
  b ^= b >>> 16
  b = Math.imul(b, 0x85ebca6b)
  b ^= b >>> 13
  b = Math.imul(b, 0xc2b2ae35)
  b ^= b >>> 16
  hashed.hi = a | 0
  hashed.lo = b | 0
}

/** Writes the 64-bit hash of `key` under `seed` into `hashed`. */
export type KeyHash = (key: string, seed: number) => void

/** What the index knew of a key when it was offered. */
export type KeySighting =
  | { seen: false }
  /** `reported`: the first row has already been reported as a duplicate. */
  | { seen: true; firstRow: number; reported: boolean }

const NOT_SEEN: KeySighting = { seen: false }

export interface KeyIndex {
  /** Records `row` as the key's first row if the key is new; else says where it was first seen. */
  offer(key: string, row: number): KeySighting
  /** Marks the key's first row as reported (so it is reported once). */
  markReported(key: string): void
  /**
   * Rows whose key must still be compared with the key as the file holds it, each with the
   * key it was taken to be equal to. Empty for an exact index.
   */
  readonly unverified: ReadonlyMap<number, string>
  /** Two different keys met with one hash: the index cannot be trusted for this file. */
  readonly collided: boolean
}

/** The exact index: every key kept as a string (the last resort after repeated collisions). */
export class ExactKeyIndex implements KeyIndex {
  readonly #first = new Map<string, number>()
  readonly unverified: ReadonlyMap<number, string> = new Map()
  readonly collided = false

  offer(key: string, row: number): KeySighting {
    const packed = this.#first.get(key)
    if (packed === undefined) {
      this.#first.set(key, row)
      return NOT_SEEN
    }
    return { seen: true, firstRow: Math.abs(packed), reported: packed < 0 }
  }

  markReported(key: string): void {
    const packed = this.#first.get(key)
    if (packed !== undefined && packed > 0) this.#first.set(key, -packed)
  }
}

/**
 * Keys by a 64-bit hash in an open-addressing table (linear probing): 12 bytes a slot, the
 * hash and the first row (negative once reported), at most 75% full. A hash met again is taken
 * for the same key and listed in `unverified`; duplicate-keys.ts reads those rows again and
 * compares the keys exactly. Two different keys under one hash (at 5M keys, about one file in
 * a million) make it check the file again under another seed.
 */
export class HashedKeyIndex implements KeyIndex {
  #slots: Int32Array
  #mask: number
  #size = 0
  readonly #hash: KeyHash
  readonly #seed: number
  /** Earlier rows whose key equality was assumed from the hash, with the key it must equal. */
  readonly unverified = new Map<number, string>()
  collided = false

  constructor(options: { hash?: KeyHash; seed?: number } = {}, capacity = 1 << 12) {
    this.#hash = options.hash ?? keyHash
    this.#seed = options.seed ?? 0
    this.#slots = new Int32Array(capacity * 3)
    this.#mask = capacity - 1
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#slots.byteLength
  }

  #find(hi: number, lo: number): number {
    const slots = this.#slots
    const mask = this.#mask
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask
    for (;;) {
      const at = i * 3
      if (slots[at + 2] === 0 || (slots[at] === hi && slots[at + 1] === lo)) return at
      i = (i + 1) & mask
    }
  }

  offer(key: string, row: number): KeySighting {
    this.#hash(key, this.#seed)
    const hi = hashed.hi
    const lo = hashed.lo
    const at = this.#find(hi, lo)
    const slots = this.#slots
    const packed = slots[at + 2]!
    if (packed === 0) {
      slots[at] = hi
      slots[at + 1] = lo
      slots[at + 2] = row
      if (++this.#size * 4 > (this.#mask + 1) * 3) this.#grow()
      return NOT_SEEN
    }
    const firstRow = Math.abs(packed)
    const assumed = this.unverified.get(firstRow)
    if (assumed === undefined) this.unverified.set(firstRow, key)
    else if (assumed !== key) this.collided = true
    return { seen: true, firstRow, reported: packed < 0 }
  }

  markReported(key: string): void {
    this.#hash(key, this.#seed)
    const at = this.#find(hashed.hi, hashed.lo)
    const packed = this.#slots[at + 2]!
    if (packed > 0) this.#slots[at + 2] = -packed
  }

  #grow(): void {
    const old = this.#slots
    const capacity = (this.#mask + 1) * 2
    this.#slots = new Int32Array(capacity * 3)
    this.#mask = capacity - 1
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] === 0) continue
      const to = this.#find(old[at]!, old[at + 1]!)
      this.#slots[to] = old[at]!
      this.#slots[to + 1] = old[at + 1]!
      this.#slots[to + 2] = old[at + 2]!
    }
  }
}

/** A growable set of row numbers as bits (rows.rejected of millions of rows in a few hundred KB). */
export class RowBits {
  #bits = new Uint32Array(1024)
  #count = 0

  add(row: number): void {
    const word = row >>> 5
    if (word >= this.#bits.length) {
      let size = this.#bits.length * 2
      while (size <= word) size *= 2
      const next = new Uint32Array(size)
      next.set(this.#bits)
      this.#bits = next
    }
    const mask = 1 << (row & 31)
    if ((this.#bits[word]! & mask) === 0) {
      this.#bits[word]! |= mask
      this.#count++
    }
  }

  get size(): number {
    return this.#count
  }
}

/**
 * Row → line, for findings about an earlier row: the offset `line - row` is the same for long
 * stretches of a file (it changes at title lines, quoted line breaks, skipped sheet rows),
 * so only the rows where it changes are kept.
 */
export class RowLines {
  #rows: number[] = []
  #offsets: number[] = []

  note(row: number, line: number): void {
    const offset = line - row
    const n = this.#offsets.length
    if (n === 0 || this.#offsets[n - 1] !== offset) {
      this.#rows.push(row)
      this.#offsets.push(offset)
    }
  }

  lineOf(row: number): number {
    const rows = this.#rows
    let lo = 0
    let hi = rows.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (rows[mid]! <= row) lo = mid
      else hi = mid - 1
    }
    return row + (this.#offsets[lo] ?? 0)
  }
}

/**
 * `head_id_hash` (monitored_households.md): HMAC-SHA256 of the resident ID number under the
 * pipeline's key, as lower-case hex. Node's `createHmac` costs ~2 µs a call (a fresh native
 * object each time), which is most of a roster row's budget; this computes the same HMAC in
 * plain JS from the key's two precomputed pad states, so that one 18-character ID costs two
 * SHA-256 compressions and no allocation but the result string.
 * (RFC 2104 HMAC; FIPS 180-4 SHA-256. test/unit/validate/id-hash.test.ts holds it to node:crypto.)
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

const INITIAL = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])

/**
 * One SHA-256 compression of the 16 big-endian words `block` into `state`. The 64 rounds are
 * written out once, when the module loads, with the message schedule in 16 rolling locals
 * and the constants inlined: a third faster than the loop (no array for the schedule, no
 * table loads), for the two compressions every ID number costs.
 */
const compress = new Function('s', 'm', compressSource()) as (state: Int32Array, block: Int32Array) => void

function compressSource(): string {
  const v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
  let src = 'let a=s[0],b=s[1],c=s[2],d=s[3],e=s[4],f=s[5],g=s[6],h=s[7],t1=0,t2=0;\n'
  for (let i = 0; i < 16; i++) src += `let w${i}=m[${i}];\n`
  for (let i = 0; i < 64; i++) {
    const w = `w${i % 16}`
    if (i >= 16) {
      const w15 = `w${(i - 15) % 16}`
      const w2 = `w${(i - 2) % 16}`
      const w7 = `w${(i - 7) % 16}`
      src += `${w}=(${w}+(((${w15}>>>7)|(${w15}<<25))^((${w15}>>>18)|(${w15}<<14))^(${w15}>>>3))+${w7}+(((${w2}>>>17)|(${w2}<<15))^((${w2}>>>19)|(${w2}<<13))^(${w2}>>>10)))|0;\n`
    }
    // The working variables rotate by renaming: round i's a..h are v shifted by i.
    const [A, B, C, D, E, F, G, H] = v.map((_, j) => v[(j - (i % 8) + 8) % 8]!)
    src += `t1=(${H}+(((${E}>>>6)|(${E}<<26))^((${E}>>>11)|(${E}<<21))^((${E}>>>25)|(${E}<<7)))+((${E}&${F})^(~${E}&${G}))+${K[i]!}+${w})|0;\n`
    src += `t2=((((${A}>>>2)|(${A}<<30))^((${A}>>>13)|(${A}<<19))^((${A}>>>22)|(${A}<<10)))+((${A}&${B})^(${A}&${C})^(${B}&${C})))|0;\n`
    src += `${D}=(${D}+t1)|0;${H}=(t1+t2)|0;\n`
  }
  for (let i = 0; i < 8; i++) src += `s[${i}]=(s[${i}]+${v[i]})|0;`
  return src
}

const encoder = new TextEncoder()

/** The state after absorbing one 64-byte block of key ⊕ pad. */
function padState(key: Uint8Array, pad: number): Int32Array {
  const block = new Int32Array(16)
  for (let i = 0; i < 64; i++) {
    const byte = (i < key.length ? key[i]! : 0) ^ pad
    block[i >> 2]! |= byte << (24 - 8 * (i & 3))
  }
  const state = INITIAL.slice()
  compress(state, block)
  return state
}

/** A key longer than the block is replaced by its digest (RFC 2104). */
function blockKey(key: Uint8Array): Uint8Array {
  if (key.length <= 64) return key
  const state = INITIAL.slice()
  absorb(state, key, 0)
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = state[i >> 2]! >>> (24 - 8 * (i & 3))
  return out
}

const BLOCK = new Int32Array(16)

/** Absorbs `message` and its padding into `state`, `prefix` bytes having been absorbed already. */
function absorb(state: Int32Array, message: Uint8Array, prefix: number): void {
  const n = message.length
  const total = n + prefix
  const block = BLOCK
  // Message, then 0x80, then zeros, then the bit length in the last 8 bytes.
  const padded = Math.ceil((n + 9) / 64) * 64
  for (let at = 0; at < padded; at += 64) {
    block.fill(0)
    for (let i = 0; i < 64; i++) {
      const k = at + i
      let byte: number
      if (k < n) byte = message[k]!
      else if (k === n) byte = 0x80
      else break
      block[i >> 2]! |= byte << (24 - 8 * (i & 3))
    }
    if (at + 64 === padded) {
      const bits = total * 8
      block[14] = Math.floor(bits / 4294967296)
      block[15] = bits >>> 0
    }
    compress(state, block)
  }
}

const HEX_CODES: number[] = []
for (let i = 0; i < 16; i++) HEX_CODES.push('0123456789abcdef'.charCodeAt(i))

/** A keyed HMAC-SHA256, hex-encoded, for messages of any length (IDs are 18 ASCII characters). */
export function hmacSha256Hex(key: Uint8Array): (message: string) => string {
  const k = blockKey(key)
  const inner = padState(k, 0x36)
  const outer = padState(k, 0x5c)
  const state = new Int32Array(8)
  const block = new Int32Array(16)
  const hex: number[] = new Array(64).fill(0)
  return (message: string) => {
    const n = message.length
    // Copies by hand: TypedArray.set is a native call, dear at 8 words.
    for (let i = 0; i < 8; i++) state[i] = inner[i]!
    let short = n <= 55
    if (short) {
      // One block: the ASCII message, 0x80, zeros, the bit length of ipad block + message.
      for (let i = 0; i < 16; i++) block[i] = 0
      for (let i = 0; i < n; i++) {
        const c = message.charCodeAt(i)
        if (c >= 0x80) {
          short = false
          break
        }
        block[i >> 2]! |= c << (24 - 8 * (i & 3))
      }
      if (short) {
        block[n >> 2]! |= 0x80 << (24 - 8 * (n & 3))
        block[15] = (64 + n) * 8
        compress(state, block)
      }
    }
    if (!short) {
      for (let i = 0; i < 8; i++) state[i] = inner[i]!
      absorb(state, encoder.encode(message), 64)
    }
    // Outer hash: the inner digest (32 bytes), 0x80, zeros, length (64 + 32 bytes): one block.
    for (let i = 0; i < 8; i++) block[i] = state[i]!
    block[8] = 0x80000000 | 0
    for (let i = 9; i < 15; i++) block[i] = 0
    block[15] = (64 + 32) * 8
    for (let i = 0; i < 8; i++) state[i] = outer[i]!
    compress(state, block)
    for (let i = 0; i < 8; i++) {
      const v = state[i]!
      for (let j = 0; j < 8; j++) hex[i * 8 + j] = HEX_CODES[(v >>> (28 - 4 * j)) & 15]!
    }
    return String.fromCharCode.apply(null, hex)
  }
}

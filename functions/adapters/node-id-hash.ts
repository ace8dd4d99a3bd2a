import { createHash, createHmac, hash } from 'node:crypto'

/** SHA-256's block: a key longer than this is replaced by its digest (RFC 2104). */
const BLOCK = 64

/**
 * `head_id_hash` (monitored_households.md): HMAC-SHA256 of the resident ID number under the
 * pipeline's key, as lower-case hex.
 *
 * It is one call per roster row, so it avoids what makes `createHmac` dear on that path (~2 µs:
 * a native HMAC object per call, and a Buffer for every digest): the key's two padded blocks
 * are built once, and an ASCII message is hashed with two one-shot `crypto.hash` calls over
 * reused buffers, H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m)), the inner digest passing as a latin1 string,
 * not a Buffer. (`createHash(…).copy()` of precomputed pad states measured slower still.)
 * Anything else (non-ASCII, longer than a block) takes `createHmac`: the same HMAC.
 */
export function hmacSha256Hex(key: Uint8Array): (value: string) => string {
  const block = Buffer.alloc(BLOCK)
  block.set(key.length > BLOCK ? createHash('sha256').update(key).digest() : key)
  // Inner input: K ⊕ ipad, then the message; one view of it per message length.
  const inner = Buffer.alloc(2 * BLOCK)
  for (let i = 0; i < BLOCK; i++) inner[i] = block[i]! ^ 0x36
  const innerOf = Array.from({ length: BLOCK + 1 }, (_, n) => inner.subarray(0, BLOCK + n))
  // Outer input: K ⊕ opad, then the inner digest (32 bytes).
  const outer = Buffer.alloc(BLOCK + 32)
  for (let i = 0; i < BLOCK; i++) outer[i] = block[i]! ^ 0x5c
  const slow = (value: string) => createHmac('sha256', key).update(value).digest('hex')

  return (value: string) => {
    const n = value.length
    if (n > BLOCK) return slow(value)
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i)
      if (c >= 0x80) return slow(value)
      inner[BLOCK + i] = c
    }
    const digest = hash('sha256', innerOf[n]!, 'binary')
    for (let i = 0; i < 32; i++) outer[BLOCK + i] = digest.charCodeAt(i)
    return hash('sha256', outer, 'hex')
  }
}

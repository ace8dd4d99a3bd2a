import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hmacSha256Hex } from '../../functions/adapters/node-id-hash.ts'
import { VALID_ID } from '../support/village-rows.ts'

const bytes = (length: number, byte: number) => new Uint8Array(length).fill(byte)
const text = (s: string) => new TextEncoder().encode(s)

describe('head_id_hash: HMAC-SHA256, lower-case hex', () => {
  // RFC 4231 §4, the cases whose data is text (3 and 4 hash raw bytes, 5 a truncated output).
  it.each<[string, Uint8Array, string, string]>([
    ['case 1', bytes(20, 0x0b), 'Hi There', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    ['case 2: a key shorter than the output', text('Jefe'), 'what do ya want for nothing?', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['case 6: a key longer than the block', bytes(131, 0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First', '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
    [
      'case 7: key and data longer than the block', bytes(131, 0xaa),
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('RFC 4231 %s', (_name, key, data, expected) => {
    expect(hmacSha256Hex(key)(data)).toBe(expected)
  })

  it('equals createHmac for any key and message (UTF-8, up to and past one block)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.oneof(fc.string({ maxLength: 130 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.stringMatching(/^\d{17}[\dX]$/)), (key, message) => {
        expect(hmacSha256Hex(key)(message)).toBe(createHmac('sha256', key).update(message).digest('hex'))
      }),
      { seed: 17, numRuns: 2000 },
    )
  })

  it('is the same function call after call (no state carried between IDs)', () => {
    const key = new Uint8Array(32).fill(9)
    const hash = hmacSha256Hex(key)
    const hmac = (m: string) => createHmac('sha256', key).update(m).digest('hex')
    const messages = [VALID_ID, 'x'.repeat(100), '村', '', 'x'.repeat(64), 'x'.repeat(65), VALID_ID.slice(0, 5), VALID_ID]
    expect(messages.map(hash)).toEqual(messages.map(hmac))
  })
})

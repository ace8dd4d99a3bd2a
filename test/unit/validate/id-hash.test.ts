import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hmacSha256Hex } from '../../../functions/core/validate/id-hash.ts'
import { VALID_ID } from '../../support/village-rows.ts'

describe('head_id_hash: HMAC-SHA256 in JS', () => {
  it('equals node:crypto for any key and message', () => {
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
    const expected = createHmac('sha256', key).update(VALID_ID).digest('hex')
    expect([hash(VALID_ID), hash('x'.repeat(100)), hash('村'), hash(VALID_ID)]).toEqual([expected, createHmac('sha256', key).update('x'.repeat(100)).digest('hex'), createHmac('sha256', key).update('村').digest('hex'), expected])
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import { ExactKeyIndex, HashedKeyIndex, RowBits, RowLines, hashed, keyHash } from '../../../functions/core/validate/key-index.ts'
import { validateFile, type CuratedRecord, type RecordSink } from '../../../functions/core/validate/validate-file.ts'
import { ROSTER_ROW, rosterCsv, utf8 } from '../../support/village-rows.ts'
import { context } from './harness.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

describe('HashedKeyIndex', () => {
  it('says what the exact index says for any sequence of keys (past several growths of its table)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.stringMatching(/^[0-9A-Za-z-]{1,8}$/), fc.constantFrom('H-1', 'H-2', '')), { maxLength: 12_000 }), (keys) => {
        const hashed = new HashedKeyIndex()
        const exact = new ExactKeyIndex()
        keys.forEach((key, i) => {
          const a = hashed.offer(key, i + 1)
          const b = exact.offer(key, i + 1)
          expect(a).toEqual(b)
          if (a.seen && !a.reported) {
            hashed.markReported(key)
            exact.markReported(key)
          }
        })
        expect(hashed.collided).toBe(false)
        // Every hit is listed for the exact check, with the key it was taken to be.
        for (const [row, key] of hashed.unverified) expect(keys[row - 1]).toBe(key)
      }),
      { seed: 11, numRuns: 30 },
    )
  })

  it('spreads keys over 64 bits', () => {
    const seen = new Set<string>()
    const hash = (key: string, seed = 0) => (keyHash(key, seed), `${hashed.hi}:${hashed.lo}`)
    for (let i = 0; i < 200_000; i++) seen.add(hash(`520602101201-${i}`))
    expect(seen.size).toBe(200_000)
    expect(hash('H-1', 0)).not.toBe(hash('H-1', 1))
  })

  it('notices two different keys under one hash', () => {
    const index = new HashedKeyIndex({ hash: () => Object.assign(hashed, { hi: 1, lo: 2 }) })
    expect(index.offer('a', 1)).toEqual({ seen: false })
    expect(index.offer('a', 2)).toEqual({ seen: true, firstRow: 1, reported: false })
    expect(index.collided).toBe(false)
    expect(index.offer('b', 3)).toEqual({ seen: true, firstRow: 1, reported: false })
    expect(index.collided).toBe(true)
  })
})

class Sink implements RecordSink {
  rows: CuratedRecord[] = []
  restarts = 0
  write(record: CuratedRecord): void {
    this.rows.push(record)
  }
  restart(): void {
    this.rows = []
    this.restarts++
  }
}

describe('a hash collision is never taken for a duplicate', () => {
  const rows = (ids: string[]) => utf8(rosterCsv(ids.map((household_id) => ({ ...ROSTER_ROW, household_id }))))
  // Every key hashes alike: every second row looks like a repeat of the first.
  const everyKeyAlike = () => Object.assign(hashed, { hi: 7, lo: 7 })

  it.each<[string, string[], Record<string, number>]>([
    ['distinct keys: accepted, every row stored once', ['H-1', 'H-2', 'H-3'], {}],
    ['a real duplicate among collisions: both rows, once', ['H-1', 'H-2', 'H-1'], { duplicate_key: 2 }],
  ])('%s', async (_name, ids, counts) => {
    const ctx = context()
    const exactSink = new Sink()
    const exact = await validateFile(await decodeFile(bufferByteSource(rows(ids)), { codecs: nodeByteCodecs }), ctx, exactSink, { exactKeys: true })
    const sink = new Sink()
    const collided = await validateFile(await decodeFile(bufferByteSource(rows(ids)), { codecs: nodeByteCodecs }), ctx, sink, { keyHash: everyKeyAlike })
    expect(collided.report.counts).toEqual(counts)
    expect(collided.report).toEqual(exact.report)
    expect(sink.rows).toEqual(exactSink.rows)
    // Every seed collides with this hash: three tries, then string keys.
    expect(sink.restarts).toBe(3)
  })

  it('a hit that only the second reading disproves (first and repeat differ, one hit each)', async () => {
    // H-1 and H-2 collide once: the hit is taken for a duplicate, then read again and refused.
    // Under seed 0 only: the second try, under seed 1, has no collision.
    const hash = (key: string, seed: number) => (seed === 0 && (key === 'H-1' || key === 'H-2') ? Object.assign(hashed, { hi: 1, lo: 1 }) : keyHash(key, seed))
    const sink = new Sink()
    const outcome = await validateFile(await decodeFile(bufferByteSource(rows(['H-1', 'H-2', 'H-3'])), { codecs: nodeByteCodecs }), context(), sink, { keyHash: hash })
    expect(sink.restarts).toBe(1)
    expect(outcome.report.counts).toEqual({})
    expect(outcome.report.rows).toEqual({ total: 3, accepted: 3, rejected: 0 })
    expect(sink.rows.map((r) => r['household_id'])).toEqual(['H-1', 'H-2', 'H-3'])
  })
})

describe('RowBits and RowLines', () => {
  it('count distinct rows and find an earlier row\'s line', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200_000 })), fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 500 }), (rows, gaps) => {
        const bits = new RowBits()
        for (const r of rows) bits.add(r)
        expect(bits.size).toBe(new Set(rows).size)
        const lines = new RowLines()
        const truth: number[] = []
        let line = 1
        gaps.forEach((gap, i) => {
          line += 1 + gap
          truth.push(line)
          lines.note(i + 1, line)
        })
        truth.forEach((l, i) => expect(lines.lineOf(i + 1)).toBe(l))
      }),
      { seed: 5, numRuns: 50 },
    )
  })
})

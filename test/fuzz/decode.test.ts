/**
 * Any bytes in, rows or file-level findings out, never an exception: arbitrary bytes, and valid
 * CSV, XLSX and JSON files mutated by flipping, truncating and splicing bytes. Runs
 * `VA_FUZZ_RUNS` cases per property (200 by default; `npm run fuzz` runs 20,000) from a fixed
 * seed, so a failure is reproducible.
 */
import fc from 'fast-check'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { FILE_CODES } from '../../schemas/findings.ts'
import { bufferByteSource } from '../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../functions/core/decode/decode-file.ts'
import type { DecodeLimits } from '../../functions/core/decode/types.ts'
import { buildXlsx, xlsxEntries, type XlsxSpec } from '../support/xlsx-builder.ts'
import { writeZip, type ZipEntrySpec } from '../support/zip-writer.ts'
import { nodeByteCodecs } from '../../functions/adapters/node-byte-codecs.ts'

const RUNS = Number(process.env.VA_FUZZ_RUNS ?? 200)
const SEED = 20240711
const TIMEOUT = Math.max(60_000, RUNS * 100)
const FILE_LEVEL: ReadonlySet<string> = new Set(FILE_CODES)

/** Decodes and reads every sheet to its end; fails the property on a throw or a bad finding. */
async function decodeFully(bytes: Uint8Array, limits?: Partial<DecodeLimits>): Promise<void> {
  const result = await decodeFile(bufferByteSource(bytes), limits === undefined ? { codecs: nodeByteCodecs } : { codecs: nodeByteCodecs, limits })
  if (!result.ok) {
    expect(result.problems.length).toBeGreaterThan(0)
    for (const problem of result.problems) {
      expect(FILE_LEVEL.has(problem.code), problem.code).toBe(true)
      expect(problem.row).toBeUndefined()
    }
    return
  }
  const { file } = result
  try {
    for (const sheet of file.sheets) {
      for await (const row of sheet.rows()) {
        expect(Number.isInteger(row.line) && row.line >= 0).toBe(true)
        for (const cell of row.cells) {
          expect(cell === null || ['string', 'number', 'boolean'].includes(typeof cell)).toBe(true)
        }
      }
    }
    for (const problem of file.problems) {
      expect(FILE_LEVEL.has(problem.code), problem.code).toBe(true)
      expect(problem.row).toBeUndefined()
    }
  } finally {
    await file.close()
  }
}

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; remove: number; insert: Uint8Array }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), remove: fc.nat({ max: 64 }), insert: fc.uint8Array({ maxLength: 64 }) }),
)

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Buffer.from(bytes)
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1)
    if (m.kind === 'flip') {
      if (at < out.length) out[at] = m.value
    } else if (m.kind === 'truncate') {
      out = out.subarray(0, at)
    } else {
      out = Buffer.concat([out.subarray(0, at), m.insert, out.subarray(Math.min(out.length, at + m.remove))])
    }
  }
  return out
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 })
const limits = fc.option(fc.record({ maxUnpackedBytes: fc.integer({ min: 1_000, max: 100_000 }), maxEntries: fc.integer({ min: 1, max: 20 }) }), { nil: undefined })

const CSV_SAMPLES: Uint8Array[] = [
  Buffer.from('2024年第二季度\nvillage_code,name,population\r\n522226101203,"印江, 镇",512\n"multi\nline","say ""hi""",\n'),
  Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\r1,2\r')]),
  iconv.encode('村代码,村名\n522226101203,印江镇\n', 'gb18030'),
]

const JSON_SAMPLES: Uint8Array[] = [
  Buffer.from(JSON.stringify([{ village_code: '522226101203', population: 512, nested: { a: [1, null] } }, { ok: true }])),
  Buffer.from(JSON.stringify({ rows: [{ 村名: '印江镇' }] })),
]

const XLSX_SPEC: XlsxSpec = {
  dateFormat: 'yyyy"年"m"月"d"日"',
  sheets: [
    { name: '说明', hidden: true, rows: [['hidden']] },
    { name: '村报表', rows: [
      ['村代码', '村名', '总人口', '日期', '公式'],
      ['522226101203', { inline: '印江 & 镇' }, 512, { date: 45474 }, { formula: 'C2*2', value: 1024 }],
      { row: 5, cells: [null, { rich: ['a', 'b'], phonetic: 'p' }, true, { error: '#N/A' }, { date: 45000, format: 14 }] },
    ] },
  ],
}

const XLSX_BYTES = buildXlsx(XLSX_SPEC)
const XLSX_ENTRIES: ZipEntrySpec[] = xlsxEntries(XLSX_SPEC)
const XML_PARTS = XLSX_ENTRIES.map((entry, index) => ({ entry, index })).filter(({ entry }) => entry.name.startsWith('xl/'))

describe('decodeFile never throws', () => {
  it('on arbitrary bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4000 }), limits, decodeFully), { seed: SEED, numRuns: RUNS })
  }, TIMEOUT)

  it('on arbitrary text over a CSV and JSON alphabet', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', '1', ',', '"', '\r', '\n', '[', '{', '}', ']', ':', ' ', '中', '\uFEFF'), maxLength: 300 })
    await fc.assert(fc.asyncProperty(text, (value) => decodeFully(Buffer.from(value))), { seed: SEED, numRuns: RUNS })
  }, TIMEOUT)

  it('on mutated CSV', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CSV_SAMPLES), mutations, (bytes, ms) => decodeFully(mutate(bytes, ms))),
      { seed: SEED, numRuns: RUNS },
    )
  }, TIMEOUT)

  it('on mutated JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...JSON_SAMPLES), mutations, (bytes, ms) => decodeFully(mutate(bytes, ms))),
      { seed: SEED, numRuns: RUNS },
    )
  }, TIMEOUT)

  it('on mutated XLSX bytes', async () => {
    await fc.assert(
      fc.asyncProperty(mutations, limits, (ms, lim) => decodeFully(mutate(XLSX_BYTES, ms), lim)),
      { seed: SEED, numRuns: RUNS },
    )
  }, TIMEOUT)

  it('on XLSX whose XML parts are mutated before zipping (so the CRCs hold and the parsers see it)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...XML_PARTS), mutations, ({ entry, index }, ms) => {
        const entries = [...XLSX_ENTRIES]
        entries[index] = { ...entry, data: mutate(Buffer.from(String(entry.data)), ms) }
        return decodeFully(writeZip(entries))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  }, TIMEOUT)
})

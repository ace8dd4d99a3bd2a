/**
 * The validator's hot path must say exactly what its plain path says. The hot path reads a CSV
 * in batches (decode-csv.ts `rowBatches`), remembers parsed list spellings (`memoizeParser`),
 * takes shortcuts for plain ASCII cells in the parsers, keeps keys
 * as 64-bit hashes (key-index.ts) and hands rows to the sink as arrays (`writeRow`). Here the
 * same files go through both: row by row from a sheet without batches, with exact string keys
 * and records, and the reports, the roster figures and the stored rows must be equal.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ParsedValue } from '../../../functions/core/values.ts'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import type { DecodeResult, SheetSource } from '../../../functions/core/decode/types.ts'
import { compileParser, memoizeParser } from '../../../functions/core/values.ts'
import { validateFile, type CuratedRecord, type RecordSink } from '../../../functions/core/validate/validate-file.ts'
import { curatedColumns } from '../../../functions/core/curated-columns.ts'
import { MONITORED_HOUSEHOLDS, VILLAGE_REPORT } from '../../../schemas/datasets.ts'
import { ROSTER_ROW, VALID_ID, VILLAGE_ROW, rosterCsv, villageCode, villageCsv, utf8 } from '../../support/village-rows.ts'
import { context } from './harness.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

/** The same decoded file, its sheets stripped of `rowBatches`: the validator reads row by row. */
function rowByRow(decoded: DecodeResult): DecodeResult {
  if (!decoded.ok) return decoded
  const sheets: SheetSource[] = decoded.file.sheets.map((s) => ({ ...(s.name === undefined ? {} : { name: s.name }), rows: () => s.rows() }))
  return { ok: true, file: { ...decoded.file, sheets } }
}

class RecordsSink implements RecordSink {
  rows: CuratedRecord[] = []
  write(record: CuratedRecord): void {
    this.rows.push({ ...record })
  }
  restart(): void {
    this.rows = []
  }
}

class RowsSink implements RecordSink {
  rows: CuratedRecord[] = []
  write(record: CuratedRecord): void {
    this.rows.push({ ...record })
  }
  writeRow(dataset: 'village_report' | 'monitored_households' | 'org_units', values: readonly (ParsedValue | null)[]): void {
    const record: CuratedRecord = {}
    curatedColumns(dataset).forEach((c, i) => (record[c.name] = values[i] ?? null))
    this.rows.push(record)
  }
  restart(): void {
    this.rows = []
  }
}

async function both(bytes: Uint8Array) {
  const ctx = context({ hashId: (id) => `hmac:${id.length}:${id.slice(-2)}` })
  const fastSink = new RowsSink()
  const fast = await validateFile(await decodeFile(bufferByteSource(bytes), { codecs: nodeByteCodecs, fileName: 'f.csv' }), ctx, fastSink)
  const plainSink = new RecordsSink()
  const plain = await validateFile(rowByRow(await decodeFile(bufferByteSource(bytes), { codecs: nodeByteCodecs, fileName: 'f.csv' })), ctx, plainSink, { exactKeys: true })
  return { fast, plain, fastRows: fastSink.rows, plainRows: plainSink.rows }
}

// Cells that hit the shortcuts, miss them by a little, or are plainly wrong.
const cellFor: Record<string, fc.Arbitrary<string>> = {
  household_id: fc.oneof(fc.constantFrom('H-0001', 'H-0002', 'h-1', ' H-0001', 'H 1', 'Ｈ-1', '', 'H-0001 '), fc.stringMatching(/^[0-9A-Za-z-]{1,34}$/)),
  head_id_number: fc.constantFrom(VALID_ID, VALID_ID.toLowerCase(), `${VALID_ID.slice(0, 17)}x`, ` ${VALID_ID}`, '522226198001011234', '', '１２３'),
  household_size: fc.constantFrom('3', '03', '0', '21', '2.5', '-1', ' 4', '４', '1,0', ''),
  income_per_capita: fc.constantFrom('6500', '6500.5', '.5', '200000', '200000.01', '1e3', '1,234', '９９', '-0', 'abc', ''),
  identified_on: fc.constantFrom('2023-05-10', '2023-5-10', '2023/05/10', '2023-02-29', '2024-02-29', '2019-12-31', '2024-07-01', '2023年5月10日', ''),
  eliminated_on: fc.constantFrom('', '2024-03-01', '2024-06-30', '2022-01-01', '2024-13-01'),
  risk_eliminated: fc.constantFrom('否', '是', 'Y', 'no', '  是', 'maybe', ''),
  village_code: fc.constantFrom(villageCode(1), villageCode(2), villageCode(999), '522227101001', '52222610120', ' 522226101203', ''),
  category: fc.constantFrom('脱贫不稳定户', 'marginal', 'HARDSHIP', '贫困户', ''),
  risk_causes: fc.constantFrom('因病、因学', '因病', 'illness,education', '因穷', ''),
  assistance: fc.constantFrom('产业帮扶、就业帮扶', '', '其他', 'nothing'),
  period: fc.constantFrom('2024Q2', '2024年第2季度', '2024Q1', 'Q2'),
}

const rosterRows = fc.array(
  fc.record(Object.fromEntries(MONITORED_HOUSEHOLDS.columns.map((c) => [c.key, fc.oneof({ weight: 3, arbitrary: fc.constant(ROSTER_ROW[c.key]!) }, { weight: 1, arbitrary: cellFor[c.key] ?? fc.constant(ROSTER_ROW[c.key]!) })]))),
  { minLength: 1, maxLength: 60 },
)

describe('the validator\'s hot path agrees with its plain path', () => {
  it('on rosters: the same report, roster figures, villages and stored rows', async () => {
    await fc.assert(
      fc.asyncProperty(rosterRows, fc.boolean(), async (rows, blankLine) => {
        const text = rosterCsv(blankLine ? [...rows.slice(0, 3), null, ...rows.slice(3)] : rows)
        const { fast, plain, fastRows, plainRows } = await both(utf8(text))
        expect(fast.report).toEqual(plain.report)
        expect(fast.rosterFigures).toEqual(plain.rosterFigures)
        expect(fast.villages).toEqual(plain.villages)
        expect(fastRows).toEqual(plainRows)
      }),
      { seed: 20240711, numRuns: 150 },
    )
  })

  it('on village reports with repeated villages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ n: fc.integer({ min: 1, max: 6 }), population: fc.constantFrom('3562', '1', '0', '12,000', '3.5') }), { minLength: 1, maxLength: 12 }), async (rows) => {
        const text = villageCsv(rows.map((r) => ({ ...VILLAGE_ROW, village_code: villageCode(r.n), population: r.population })))
        const { fast, plain, fastRows, plainRows } = await both(utf8(text))
        expect(fast.report).toEqual(plain.report)
        expect(fastRows).toEqual(plainRows)
      }),
      { seed: 7, numRuns: 60 },
    )
  })

  it('reads past the first chunk in batches exactly as row by row (3,000 rows, duplicates at both ends)', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ ...ROSTER_ROW, household_id: `H-${i % 2999}`, village_code: villageCode(1 + (i % 40)) }))
    const { fast, plain, fastRows, plainRows } = await both(utf8(rosterCsv(rows)))
    expect(fast.report.counts).toEqual({ duplicate_key: 2 })
    expect(fast.report).toEqual(plain.report)
    expect(fastRows).toEqual(plainRows)
  })
})

describe('memoizeParser', () => {
  it.each(MONITORED_HOUSEHOLDS.columns.concat(VILLAGE_REPORT.columns).map((c) => [c.key, c] as const))('%s: remembering changes no result', (_key, column) => {
    const parse = compileParser(column.type)
    const cells = fc.array(fc.oneof(cellFor[column.key] ?? fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 300 })
    fc.assert(
      fc.property(cells, (list) => {
        const memo = memoizeParser(parse)
        // Twice through, so that the second pass reads remembered results.
        for (const cell of [...list, ...list]) expect(memo(cell, false)).toEqual(parse(cell, false))
      }),
      { seed: 3, numRuns: 40 },
    )
  })

  it('stops remembering a column whose cells are all different, and still parses right', () => {
    const parse = compileParser({ kind: 'text', min: 1, max: 32, pattern: /^[0-9A-Za-z-]+$/ })
    const memo = memoizeParser(parse)
    for (let i = 0; i < 10_000; i++) expect(memo(`H-${i}`, false)).toEqual({ ok: true, value: `H-${i}` })
    expect(memo('H 1', false)).toEqual(parse('H 1', false))
  })
})

/**
 * Any bytes in, a well-formed report out, never a throw (STYLE.md: findings are values).
 * `VA_FUZZ_RUNS=20000 npm run fuzz` for a long run; the seed is fixed so a failure replays.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { DATASET_SPECS } from '../../schemas/datasets.ts'
import { ValidationReportSchema, type DatasetName, type ValidationReport } from '../../schemas/findings.ts'
import { bufferByteSource } from '../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../functions/core/decode/decode-file.ts'
import { previousQuartersFrom } from '../../functions/core/validate/quarter-checks.ts'
import { zeroFigures } from '../../functions/core/validate/roster-check.ts'
import { validateFile, type ValidationContext } from '../../functions/core/validate/validate-file.ts'
import { ROSTER_ROW, VALID_ID, VILLAGE_ROW, csvLine, rosterCsv, villageCsv } from '../support/village-rows.ts'
import { nodeByteCodecs } from '../../functions/adapters/node-byte-codecs.ts'

const RUNS = Number(process.env['VA_FUZZ_RUNS'] ?? 200)
const SEED = 511921
/**
 * A backstop for a property that never finishes, scaled with the runs (a case costs a few
 * milliseconds of CPU; this allows 100), as in decode.test.ts: not a speed target. At 20,000
 * runs one property alone takes over 30 s, too close to vitest's 60 s default under load.
 */
const TIMEOUT = Math.max(60_000, RUNS * 100)

// ---- inputs ----

const HEADERS = Object.values(DATASET_SPECS).flatMap((spec) => spec.columns.flatMap((c) => [c.zh, c.key, ...c.aliases]))
// Resident IDs are kept out of the shared pool: the property below puts them only where they belong.
const VALUES = [
  ...Object.values(VILLAGE_ROW), ...Object.values(ROSTER_ROW).filter((v) => v !== VALID_ID),
  '2024Q2', '2024-Q1', '2024年第2季度', '522226101203', '52222610120', '1,234', '-1', '1.5', '1e3', '一千', '是', '否', 'Y', 'x',
  '2023-02-30', '2024/3/5', '2024年3月5日', '因病、因学', '产业帮扶', '脱贫不稳定户', '省', '52', '5222', '',
]
const PIECES = [',', '"', '""', '\r\n', '\n', '\r', ' ', '\u3000', '\ufeff', '，', '、', '\t', ';']

const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HEADERS) },
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 2, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
)

/** Lines of tokens joined by commas: often header-like, rarely well quoted. */
const csvishText = fc.array(fc.array(token, { maxLength: 40 }), { maxLength: 14 }).map((lines) => lines.map((l) => l.join(',')).join('\r\n'))

/** A valid file with a few cells replaced by tokens, lines dropped or duplicated. */
const mutatedFile = fc.tuple(
  fc.constantFrom('village', 'roster'),
  fc.integer({ min: 0, max: 5 }),
  fc.array(fc.tuple(fc.nat(), fc.nat(), token), { maxLength: 8 }),
  fc.array(fc.array(token, { maxLength: 3 }), { maxLength: 3 }),
).map(([kind, copies, edits, titles]) => {
  const rows = Array.from({ length: copies }, () => ({ ...(kind === 'village' ? VILLAGE_ROW : ROSTER_ROW) }))
  const text = kind === 'village' ? villageCsv(rows, { titleLines: titles }) : rosterCsv(rows, { titleLines: titles })
  const lines = text.split('\r\n').map((l) => l.split(','))
  for (const [r, c, value] of edits) {
    const line = lines[r % lines.length]!
    line[c % Math.max(1, line.length)] = value
  }
  return lines.map((l) => l.join(',')).join('\r\n')
})

/** JSON-ish text: arrays of objects with known keys, some nesting, some breakage. */
const jsonishText = fc.tuple(
  fc.array(fc.dictionary(fc.constantFrom(...HEADERS), fc.oneof(fc.constantFrom(...VALUES), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })), { maxKeys: 14 }), { maxLength: 6 }),
  fc.constantFrom('array', 'rows', 'cut', 'scalar'),
).map(([rows, shape]) => {
  const json = JSON.stringify(shape === 'rows' ? { rows } : shape === 'scalar' ? rows.length : rows)
  return shape === 'cut' ? json.slice(0, Math.floor(json.length / 2)) : json
})

const encoded = (text: fc.Arbitrary<string>) =>
  fc.tuple(text, fc.constantFrom('utf-8', 'utf-8-bom', 'gb18030')).map(([t, encoding]) => {
    if (encoding === 'gb18030') return new Uint8Array(iconv.encode(t, 'gb18030'))
    const body = new TextEncoder().encode(t)
    return encoding === 'utf-8' ? body : new Uint8Array([0xef, 0xbb, 0xbf, ...body])
  })

const SIGNATURES = [[], [0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06], [0xef, 0xbb, 0xbf], [0x5b], [0x7b], [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], [0xff, 0xfe], [0x25, 0x50, 0x44, 0x46, 0x2d]]
const arbitraryBytes = fc.tuple(fc.constantFrom(...SIGNATURES), fc.uint8Array({ maxLength: 3000 })).map(([head, body]) => new Uint8Array([...head, ...body]))

// ---- contexts ----

const contextArb: fc.Arbitrary<ValidationContext> = fc.record({
  registry: fc.boolean(),
  dataset: fc.constantFrom<DatasetName | undefined>(undefined, undefined, 'village_report', 'monitored_households', 'org_units'),
  receivedAt: fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2025-01-01T00:00:00Z'), noInvalidDate: true }),
  maxRows: fc.constantFrom(1, 2, 3, 2_000_000),
  deadlineDays: fc.constantFrom(0, 10),
  withState: fc.boolean(),
}).map(({ registry, dataset, receivedAt, maxRows, deadlineDays, withState }) => {
  const ctx: ValidationContext = {
    county: registry ? null : '522226',
    period: registry ? null : '2024Q2',
    candidates: registry ? ['org_units'] : ['village_report', 'monitored_households'],
    receivedAt,
    deadlineDays,
    maxRows,
    hashId: (id) => `h${id.length}`,
    submissionId: 'fuzz',
    preFindings: [],
  }
  if (registry) ctx.dataset = 'org_units'
  else if (dataset) ctx.dataset = dataset
  if (withState) {
    ctx.previous = async () => previousQuartersFrom([{ village: '522226101203', period: { year: 2024, quarter: 1 }, values: { population: 10, alleviated_persons: 1, linkage_funds_allocated: 0.01 } }], { year: 2024, quarter: 2 })
    ctx.registry = async () => ({ coversProvince: (p) => p === '52', isActiveVillage: () => false, has: () => true })
    ctx.counterpart = async () => new Map([['522226101203', { ...zeroFigures(), monitored_unstable_households: 2 }]])
  }
  return ctx
})

// ---- the properties ----

async function run(bytes: Uint8Array, ctx: ValidationContext): Promise<ValidationReport> {
  const decoded = await decodeFile(bufferByteSource(bytes), { codecs: nodeByteCodecs, fileName: 'fuzz.csv' })
  return (await validateFile(decoded, ctx)).report
}

function checkReport(report: ValidationReport): void {
  const parsed = ValidationReportSchema.safeParse(report)
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true)
  expect(report.rows.accepted + report.rows.rejected).toBe(report.rows.total)
  const listedErrors = report.findings.some((f) => f.severity === 'error')
  if (listedErrors) expect(report.status).toBe('rejected')
  const listed = new Map<string, number>()
  for (const f of report.findings) listed.set(f.code, (listed.get(f.code) ?? 0) + 1)
  if (!report.truncated) {
    expect(report.status === 'rejected').toBe(listedErrors)
    expect(report.counts).toEqual(Object.fromEntries(listed))
  } else {
    expect(report.findings.length).toBe(1000)
    for (const [code, n] of listed) expect(report.counts[code]).toBeGreaterThanOrEqual(n)
  }
  // A resident ID number is never echoed (monitored_households.md).
  for (const f of report.findings) if (f.column === 'head_id_number') expect(f).not.toHaveProperty('value')
}

describe('validate never throws and always answers a well-formed report', () => {
  it.each([
    ['CSV-ish text', encoded(csvishText)],
    ['valid files with mutated cells', encoded(mutatedFile)],
    ['JSON-ish text', encoded(jsonishText)],
    ['arbitrary bytes', arbitraryBytes],
  ] as const)('%s', async (_name, bytes) => {
    await fc.assert(
      fc.asyncProperty(bytes, contextArb, async (input, ctx) => {
        checkReport(await run(input, ctx))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  }, TIMEOUT)

  it('a resident ID number, valid or not, appears nowhere in the report', async () => {
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    const withCheck = (body: string) => body + '10X98765432'[[...body].reduce((sum, c, i) => sum + Number(c) * weights[i]!, 0) % 11]!
    const id = fc.oneof(
      fc.stringMatching(/^\d{17}$/).map(withCheck),
      fc.stringMatching(/^\d{17}$/).map((b) => withCheck(b).toLowerCase()),
      fc.stringMatching(/^\d{17}[0-9X]$/),
      fc.stringMatching(/^\d{16,19}[xX]?$/),
    )
    // Cells without separators or quotes, so that no cell can slide under another header.
    const safe = fc.constantFrom(...[...VALUES, ...HEADERS].filter((v) => !/[",\r\n]/.test(v)))
    const keys = DATASET_SPECS.monitored_households.columns.map((c) => c.key)
    const file = fc.array(fc.tuple(id, fc.array(fc.option(safe, { nil: undefined }), { minLength: keys.length, maxLength: keys.length })), { minLength: 1, maxLength: 6 })
    // The roster's own header is found (not forced to another dataset, which would make a data
    // row the header and its cells header text).
    const rosterContext = contextArb.filter((ctx) => ctx.dataset === undefined || ctx.dataset === 'monitored_households')
    await fc.assert(
      fc.asyncProperty(file, rosterContext, async (rows, ctx) => {
        const objects = rows.map(([headId, cells]) => Object.fromEntries(keys.map((k, i) => [k, k === 'head_id_number' ? headId : (cells[i] ?? ROSTER_ROW[k]!)])))
        const report = await run(new TextEncoder().encode(rosterCsv(objects)), ctx)
        checkReport(report)
        const json = JSON.stringify(report)
        for (const [headId] of rows) {
          expect(json).not.toContain(headId)
          expect(json).not.toContain(headId.toUpperCase())
        }
      }),
      { seed: SEED, numRuns: RUNS },
    )
  }, TIMEOUT)

  it('a resident ID number typed into any other cell reaches neither a curated row nor the report', async () => {
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    const withCheck = (body: string) => body + '10X98765432'[[...body].reduce((sum, c, i) => sum + Number(c) * weights[i]!, 0) % 11]!
    // Province 11–65 and a birth date 1950–2009 (28 days a month, always real): a valid ID number.
    const id = fc.tuple(fc.constantFrom('11', '35', '52', '65'), fc.stringMatching(/^\d{4}$/), fc.integer({ min: 1950, max: 2009 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.stringMatching(/^\d{3}$/))
      .map(([p, area, y, m, d, seq]) => withCheck(`${p}${area}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${seq}`))
    const wrap = fc.constantFrom((v: string) => v, (v: string) => ` ${v} `, (v: string) => `张三${v}`, (v: string) => `${v}号`, (v: string) => v.toLowerCase())
    const kind = fc.constantFrom('village_report', 'monitored_households') as fc.Arbitrary<DatasetName>
    const file = fc.tuple(kind, fc.nat(), id, wrap, fc.integer({ min: 1, max: 4 }))
    await fc.assert(
      fc.asyncProperty(file, async ([dataset, at, headId, wrapIt, copies]) => {
        const base = dataset === 'village_report' ? VILLAGE_ROW : ROSTER_ROW
        const keys = DATASET_SPECS[dataset].columns.map((c) => c.key).filter((k) => k !== 'head_id_number')
        const rows = Array.from({ length: copies }, () => ({ ...base }))
        rows[at % copies]![keys[at % keys.length]!] = wrapIt(headId)
        const text = dataset === 'village_report' ? villageCsv(rows) : rosterCsv(rows)
        const stored: unknown[] = []
        const decoded = await decodeFile(bufferByteSource(new TextEncoder().encode(text)), { codecs: nodeByteCodecs, fileName: 'fuzz.csv' })
        const { report } = await validateFile(decoded, { ...ctx(), receivedAt: new Date('2024-07-05T00:00:00Z') }, { write: (r) => { stored.push({ ...r }) }, restart: () => { stored.length = 0 } })
        checkReport(report)
        expect(report.status).toBe('rejected')
        expect(report.counts['id_number_misplaced']).toBe(1)
        const json = JSON.stringify([report, stored])
        expect(json).not.toContain(headId)
        expect(json.toLowerCase()).not.toContain(headId.toLowerCase())
      }),
      { seed: SEED, numRuns: RUNS },
    )
    function ctx(): ValidationContext {
      return { county: '522226', period: '2024Q2', candidates: ['village_report', 'monitored_households'], receivedAt: new Date(), deadlineDays: 10, maxRows: 100, hashId: (v) => `h${v.length}`, submissionId: 'fuzz', preFindings: [] }
    }
  }, TIMEOUT)

  it('a control: the properties hold on a known-good file, which is accepted', async () => {
    const bytes = new TextEncoder().encode(`${csvLine(['村级报表'])}\r\n${villageCsv([VILLAGE_ROW])}`)
    const report = await run(bytes, { county: '522226', period: '2024Q2', candidates: ['village_report', 'monitored_households'], receivedAt: new Date('2024-07-01T00:00:00Z'), deadlineDays: 10, maxRows: 10, hashId: (id) => id, submissionId: 'x', preFindings: [] })
    checkReport(report)
    expect(report.status).toBe('accepted')
  })
})

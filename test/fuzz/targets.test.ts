/**
 * Targets files (rectification.md, "Targets"): any text in, a well-formed report out, never a
 * throw; and a valid file's milestones, written as fractions or with %, are stored as fractions.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { TARGETS, TARGET_INDICATORS } from '../../schemas/datasets.ts'
import { ValidationReportSchema, type ValidationReport } from '../../schemas/findings.ts'
import { bufferByteSource } from '../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../functions/core/decode/decode-file.ts'
import { validateFile, type CuratedRecord, type ValidationContext } from '../../functions/core/validate/validate-file.ts'
import { nodeByteCodecs } from '../../functions/adapters/node-byte-codecs.ts'

const RUNS = Number(process.env['VA_FUZZ_RUNS'] ?? 200)
const SEED = 520602
const TIMEOUT = Math.max(60_000, RUNS * 100)

const HEADERS = TARGETS.columns.flatMap((c) => [c.zh, c.key, ...c.aliases])
const VALUES = ['2024', '2025', '20', '520602', '520101', '530102', '5206', ...Object.keys(TARGET_INDICATORS), ...Object.values(TARGET_INDICATORS),
  '0.25', '25%', '25 %', '２５％', '%', '-1%', '1e2%', '1,000%', 'x', '', '0']
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HEADERS) },
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 2, arbitrary: fc.constantFrom(',', '"', '\r\n', '\n', ' ', '\ufeff', '，') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
)
const text = fc.array(fc.array(token, { maxLength: 10 }), { maxLength: 12 }).map((lines) => lines.map((l) => l.join(',')).join('\r\n'))
const bytes = fc.tuple(text, fc.constantFrom('utf-8', 'gb18030')).map(([t, enc]) => (enc === 'gb18030' ? new Uint8Array(iconv.encode(t, 'gb18030')) : new TextEncoder().encode(t)))

function context(scope: string | undefined): ValidationContext {
  return {
    county: null, period: null, dataset: 'targets', candidates: ['targets'], receivedAt: new Date('2024-07-05T02:00:00Z'),
    deadlineDays: 10, maxRows: 2_000_000, hashId: (id) => `h${id.length}`, submissionId: 'fuzz', preFindings: [], ...(scope ? { scope } : {}),
  }
}

async function run(input: Uint8Array, ctx: ValidationContext, stored?: CuratedRecord[]): Promise<ValidationReport> {
  const decoded = await decodeFile(bufferByteSource(input), { codecs: nodeByteCodecs, fileName: 'targets.csv' })
  return (await validateFile(decoded, ctx, stored && { write: (r) => void stored.push({ ...r }) })).report
}

describe('targets files', () => {
  it('any targets-like text gives a well-formed report, never a throw', async () => {
    await fc.assert(fc.asyncProperty(bytes, fc.constantFrom(undefined, '52', '5206', '53'), async (input, scope) => {
      const report = await run(input, context(scope))
      expect(ValidationReportSchema.safeParse(report).success).toBe(true)
      expect(report.rows.accepted + report.rows.rejected).toBe(report.rows.total)
      expect(report.status === 'rejected').toBe(report.findings.some((f) => f.severity === 'error'))
    }), { seed: SEED, numRuns: RUNS })
  }, TIMEOUT)

  it('milestones written as fractions or percentages are stored as the same fractions', async () => {
    const milestone = fc.integer({ min: 0, max: 10_000 }).map((basis) => basis / 10_000)
    const row = fc.tuple(fc.constantFrom(...Object.values(TARGET_INDICATORS)), fc.array(fc.tuple(milestone, fc.boolean()), { minLength: 4, maxLength: 4 }))
    await fc.assert(fc.asyncProperty(fc.uniqueArray(row, { selector: ([indicator]) => indicator, minLength: 1, maxLength: 8 }), async (rows) => {
      const lines = ['年度,县代码,指标,一季度目标,二季度目标,三季度目标,四季度目标',
        ...rows.map(([indicator, qs]) => ['2024', '520602', indicator, ...qs.map(([v, percent]) => (percent ? `${v * 100}%` : String(v)))].join(','))]
      const stored: CuratedRecord[] = []
      const report = await run(new TextEncoder().encode(lines.join('\n')), context('5206'), stored)
      expect(report.status).toBe('accepted')
      expect(stored.map((r) => [r['indicator'], [r['q1'], r['q2'], r['q3'], r['q4']].map((v) => Number(v).toFixed(10))])).toEqual(
        rows.map(([indicator, qs]) => [indicator, qs.map(([v]) => v.toFixed(10))]))
    }), { seed: SEED, numRuns: RUNS })
  }, TIMEOUT)
})

/**
 * Runs bytes through the real decoder and validator, as `va validate` does, with a context
 * built for the tests' county and quarter. Findings are compared without their message
 * (`bare`), after checking that the message says something in both languages.
 */
import { expect } from 'vitest'
import type { Finding, ValidationReport } from '../../../schemas/findings.ts'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import { validateFile, type RecordSink, type ValidationContext, type ValidationOutcome } from '../../../functions/core/validate/validate-file.ts'
import { COUNTY, PERIOD, utf8 } from '../../support/village-rows.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

/** Well before the 2024Q2 deadline (2024-07-11T00:00+08:00). */
export const ON_TIME = new Date('2024-07-05T10:00:00+08:00')

export function context(overrides: Partial<ValidationContext> = {}): ValidationContext {
  return {
    county: COUNTY,
    period: PERIOD,
    candidates: ['village_report', 'monitored_households'],
    receivedAt: ON_TIME,
    deadlineDays: 10,
    maxRows: 2_000_000,
    hashId: (id) => `hash(${id.length})`,
    submissionId: 'test-submission',
    preFindings: [],
    ...overrides,
  }
}

export async function validateBytes(bytes: Uint8Array, overrides: Partial<ValidationContext> = {}, fileName = 'upload.csv', sink?: RecordSink): Promise<ValidationOutcome> {
  const decoded = await decodeFile(bufferByteSource(bytes), { codecs: nodeByteCodecs, fileName })
  return validateFile(decoded, context(overrides), sink)
}

export async function validateText(text: string, overrides: Partial<ValidationContext> = {}, fileName = 'upload.csv'): Promise<ValidationReport> {
  return (await validateBytes(utf8(text), overrides, fileName)).report
}

export type BareFinding = Omit<Finding, 'message'>

/** The finding without its message, after asserting the message is there in zh and en. */
export function bare(f: Finding): BareFinding {
  expect(f.message.zh.length, `zh message of ${f.code}`).toBeGreaterThan(0)
  expect(f.message.en.length, `en message of ${f.code}`).toBeGreaterThan(0)
  const { message: _message, ...rest } = f
  return rest
}

export function bareFindings(report: ValidationReport): BareFinding[] {
  return report.findings.map(bare)
}

/** Findings other than those of the listed codes (e.g. to ignore late_submission noise). */
export function findingsWithout(report: ValidationReport, ...codes: string[]): BareFinding[] {
  return bareFindings(report).filter((f) => !codes.includes(f.code))
}

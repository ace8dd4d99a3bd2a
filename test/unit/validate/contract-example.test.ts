/**
 * The contract's worked example (contract/examples/): this CSV, checked as
 * `va validate … --county 511921 --period 2023Q2 --received-at 2023-07-05T10:00:00+08:00`,
 * must produce the expected JSON, messages and the `_comment` aside.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ValidationReportSchema } from '../../../schemas/findings.ts'
import { validateBytes } from './harness.ts'

const EXAMPLES = new URL('../../fixtures/contract/', import.meta.url)
const csv = readFileSync(new URL('tongjiang_2023Q2_village_report.csv', EXAMPLES))
const expected = JSON.parse(readFileSync(new URL('tongjiang_2023Q2_village_report.expected.json', EXAMPLES), 'utf8')) as Record<string, unknown>

describe('contract example: tongjiang_2023Q2_village_report.csv', () => {
  it('produces exactly the expected report (messages elided)', async () => {
    const { report } = await validateBytes(csv, {
      county: '511921',
      period: '2023Q2',
      receivedAt: new Date('2023-07-05T10:00:00+08:00'),
    }, 'tongjiang_2023Q2_village_report.csv')
    expect(ValidationReportSchema.parse(report)).toEqual(report)
    const { _comment, ...want } = expected
    expect(_comment).toBeTypeOf('string')
    const got = { ...report, findings: report.findings.map(({ message, ...rest }) => {
      expect(message.zh).not.toBe('')
      expect(message.en).not.toBe('')
      return rest
    }) }
    expect(got).toEqual(want)
    // Same key order as the expected document, finding by finding.
    expect(Object.keys(got)).toEqual(Object.keys(want))
    const wantFindings = want['findings'] as Record<string, unknown>[]
    got.findings.forEach((f, i) => expect(Object.keys(f)).toEqual(Object.keys(wantFindings[i]!)))
  })
})

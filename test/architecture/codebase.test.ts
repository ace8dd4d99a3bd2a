/**
 * The code base keeps its rules: the layer rules of STYLE.md (`npm run layers`) and type-checked
 * linting (`npm run lint`) report nothing. The output lists every violation, one a line.
 *
 * Part of `npm test`; `npm run test:rules` runs it alone, `npm run lint` and `npm run layers`
 * run the tools themselves.
 */
import { describe, expect, it } from 'vitest'
import { CHECKER_BACKSTOP_MS, ROOT, layerViolations, lintProblems } from './tools.ts'

describe('the code base', () => {
  it('imports only along its layers, with no cycle', async () => {
    const violations = (await layerViolations(ROOT)).map((v) => `${v.rule}: ${v.from} → ${v.to}`)
    expect(violations).toEqual([])
  }, CHECKER_BACKSTOP_MS)

  it('lints clean with types: every promise awaited or handed on, none misused', async () => {
    expect(await lintProblems(['.'])).toEqual([])
  }, CHECKER_BACKSTOP_MS)
})

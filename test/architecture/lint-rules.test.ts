/**
 * The promise rules of eslint.config.js report a promise left floating or passed where a
 * plain value or a void callback is expected, and leave handled ones alone: linted with the
 * repository's configuration, test/fixtures/lint/promises.ts gets exactly the problems its
 * `// expect: <rule>` comments name. (That folder has its own small tsconfig, so this takes
 * seconds, not the minute the whole code base does.)
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CHECKER_BACKSTOP_MS, ROOT, lintProblems } from './tools.ts'

const FIXTURE = 'test/fixtures/lint/promises.ts'

describe('the promise rules', () => {
  it('report each floating or misused promise in the fixture, and no handled one', async () => {
    const lines = (await readFile(join(ROOT, FIXTURE), 'utf8')).split('\n')
    const expected = lines.flatMap((line, i) => {
      const rule = /\/\/ expect: (\S+)$/.exec(line)?.[1]
      return rule === undefined ? [] : [`${FIXTURE}:${i + 1} ${rule}`]
    })
    expect(expected.length, 'marked lines in the fixture').toBe(5)
    // The fixture is ignored by `npm run lint` (it breaks the rules on purpose): named here.
    expect(await lintProblems(['--no-ignore', FIXTURE])).toEqual(expected)
  }, CHECKER_BACKSTOP_MS)
})

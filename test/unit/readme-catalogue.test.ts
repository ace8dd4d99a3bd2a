import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FINDING_CODES, RULE_IDS } from '../../schemas/findings.ts'
import { catalogueMarkdown, withCatalogue } from '../../functions/core/catalogue-markdown.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe("the README's county guide", () => {
  it('holds exactly the catalogue the code generates (run npm run docs after changing a message)', () => {
    expect(withCatalogue(readme)).toBe(readme)
  })

  it('explains every finding code and every rule of the contract', () => {
    const md = catalogueMarkdown()
    for (const code of FINDING_CODES) expect(md).toContain(`| \`${code}\` |`)
    for (const id of RULE_IDS) expect(md).toContain(`| \`${id}\` |`)
  })
})

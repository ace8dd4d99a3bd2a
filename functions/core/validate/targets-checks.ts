import type { Finding } from '../../../schemas/findings.ts'
import { finding } from '../findings.ts'
import type { RowValues } from '../rules.ts'
import type { Locate } from './header-binding.ts'

/**
 * The checks of a targets file that go beyond its cells (rectification.md, "Targets"): each
 * county inside the uploader's scope (`outside_county`), and one row per year, county and
 * indicator (`duplicate_key`, both rows reported, the first once). Without a scope the file's
 * scope is the province of its first row's county.
 */
export class TargetsChecks {
  #scope: string | undefined
  readonly #locate: Locate
  readonly #seen = new Map<string, { row: number; line: number; reported: boolean }>()

  constructor(scope: string | undefined, locate: Locate) {
    this.#scope = scope
    this.#locate = locate
  }

  /** The scope the rows are held to: the uploader's, else the first row's province (once a row named a county). */
  get scope(): string | undefined {
    return this.#scope
  }

  check(values: RowValues, row: number, line: number): Finding[] {
    const out: Finding[] = []
    const county = values['county_code']
    if (typeof county !== 'string') return out
    this.#scope ??= county.slice(0, 2)
    if (!county.startsWith(this.#scope)) {
      const zh = this.#scope.length === 2 ? `上传范围为 ${this.#scope} 省` : `上传范围为 ${this.#scope} 市`
      const en = this.#scope.length === 2 ? `the uploader's scope is province ${this.#scope}` : `the uploader's scope is city ${this.#scope}`
      out.push(finding({ code: 'outside_county', ...this.#locate(row, line, 'county_code'), value: county, detail: { zh, en } }))
    }
    const { year, indicator } = values
    if (typeof year !== 'number' || typeof indicator !== 'string') return out
    const key = `${year}|${county}|${indicator}`
    const first = this.#seen.get(key)
    if (!first) {
      this.#seen.set(key, { row, line, reported: false })
      return out
    }
    const shown = `${year} ${county} ${indicator}`
    if (!first.reported) {
      first.reported = true
      out.push(finding({ code: 'duplicate_key', ...this.#locate(first.row, first.line, 'indicator'), value: shown, detail: { zh: `与第 ${row} 行重复`, en: `same as row ${row}` } }))
    }
    out.push(finding({ code: 'duplicate_key', ...this.#locate(row, line, 'indicator'), value: shown, detail: { zh: `与第 ${first.row} 行重复`, en: `same as row ${first.row}` } }))
    return out
  }
}

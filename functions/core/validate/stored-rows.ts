import { DATASET_SPECS } from '../../../schemas/datasets.ts'
import type { DatasetName } from '../../../schemas/findings.ts'
import { curatedColumns } from '../curated-columns.ts'
import type { ParsedValue } from '../values.ts'
import type { CuratedRecord, RecordSink, ValidationContext } from './validation-types.ts'

/**
 * Hands each accepted row to the sink as it is stored: the dataset's columns (the ID number
 * replaced by its keyed hash, an absent optional column by its default), then the contract's
 * derived columns (curated-columns.ts), in one array reused from row to row.
 */
export class StoredRows {
  readonly #sink: RecordSink
  readonly #dataset: DatasetName
  readonly #names: readonly string[]
  readonly #row: (ParsedValue | null)[]
  readonly #secret: readonly boolean[]
  readonly #defaults: readonly (ParsedValue | undefined)[]
  readonly #at: { code: number; village: number; identified: number; eliminated: number; county: number }
  readonly #hashId: (id: string) => string
  readonly #submissionId: string
  readonly #submittedAt: number
  readonly #periodLastDay: number
  readonly #scope: string | undefined
  /** The derived codes of each village, cut once (a roster has thousands of rows per village). */
  readonly #codesOf = new Map<string, readonly [string, string, string, string]>()

  constructor(sink: RecordSink, dataset: DatasetName, ctx: Pick<ValidationContext, 'hashId' | 'submissionId' | 'receivedAt' | 'scope'>, periodLastDay: number) {
    const columns = DATASET_SPECS[dataset].columns
    const indexOf = (key: string) => columns.findIndex((c) => c.key === key)
    this.#sink = sink
    this.#dataset = dataset
    this.#names = curatedColumns(dataset).map((c) => c.name)
    this.#row = new Array<ParsedValue | null>(this.#names.length).fill(null)
    this.#secret = columns.map((c) => c.type.kind === 'idNumber')
    this.#defaults = columns.map((c) => c.defaultValue)
    this.#at = { code: indexOf('code'), village: indexOf('village_code'), identified: indexOf('identified_on'), eliminated: indexOf('eliminated_on'), county: indexOf('county_code') }
    this.#hashId = ctx.hashId
    this.#submissionId = ctx.submissionId
    this.#submittedAt = ctx.receivedAt.getTime()
    this.#periodLastDay = periodLastDay
    this.#scope = ctx.scope
  }

  /** Writes one row given by its values in the dataset's column order; a promise when the sink returns one. */
  write(byColumn: readonly (ParsedValue | undefined)[]): void | Promise<void> {
    this.#fill(byColumn)
    if (this.#sink.writeRow) return this.#sink.writeRow(this.#dataset, this.#row)
    const record: CuratedRecord = {}
    for (let i = 0; i < this.#names.length; i++) record[this.#names[i]!] = this.#row[i] ?? null
    return this.#sink.write(record)
  }

  #fill(byColumn: readonly (ParsedValue | undefined)[]): void {
    const out = this.#row
    const n = this.#secret.length
    for (let i = 0; i < n; i++) {
      const v = byColumn[i]
      if (this.#secret[i]) out[i] = typeof v === 'string' ? this.#hashId(v) : null
      // An optional column left out of the file takes its default like an empty cell (relocation_site 否, active 是).
      else out[i] = v ?? this.#defaults[i] ?? null
    }
    if (this.#dataset === 'org_units') {
      const code = byColumn[this.#at.code]
      out[n] = typeof code === 'string' ? code.slice(0, 2) : null
      return
    }
    if (this.#dataset === 'targets') {
      // Without the uploader's scope a file's counties are all of its first row's province
      // (or it is rejected with outside_county), so each row's own province is that scope.
      out[n] = this.#scope ?? String(byColumn[this.#at.county] ?? '').slice(0, 2)
      out[n + 1] = this.#submissionId
      return
    }
    const codes = this.#codes(String(byColumn[this.#at.village] ?? ''))
    let i = n
    for (const code of codes) out[i++] = code
    out[i++] = this.#submissionId
    out[i++] = this.#submittedAt
    if (this.#dataset === 'monitored_households') {
      const identified = byColumn[this.#at.identified] as number | undefined
      const eliminated = byColumn[this.#at.eliminated] as number | undefined
      out[i] = identified === undefined ? null : (eliminated ?? this.#periodLastDay) - identified
    }
  }

  /** County, city, province and township codes of a village. */
  #codes(village: string): readonly [string, string, string, string] {
    let codes = this.#codesOf.get(village)
    if (codes === undefined) {
      codes = [village.slice(0, 6), village.slice(0, 4), village.slice(0, 2), village.slice(0, 9)]
      if (this.#codesOf.size < 1 << 16) this.#codesOf.set(village, codes)
    }
    return codes
  }
}

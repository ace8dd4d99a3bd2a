import type { ColumnSpec } from '../../../schemas/datasets.ts'
import { NON_STOPPING_FILE_CODES, type DatasetName, type Finding, type ValidationReport } from '../../../schemas/findings.ts'
import { hasRowBatches } from '../decode/decode-csv.ts'
import type { CellValue, DecodeResult, RawRow } from '../decode/types.ts'
import { finding, type FindingInput } from '../findings.ts'
import type { ColumnBinding } from '../headers.ts'
import { formatPeriod, parsePeriod, quarterLastDay, submissionDeadline, toShanghaiIso } from '../period.ts'
import { HOUSEHOLD_RULES, VILLAGE_RULES, type CrossFieldRule, type RowValues } from '../rules.ts'
import { cellText, compileParser, isBlank, memoizeParser, type ParseResult, type ParsedValue } from '../values.ts'
import { FindingsCollector } from './findings-collector.ts'
import { ExactKeyIndex, HashedKeyIndex, RowBits, RowLines, type KeyHash, type KeyIndex } from './key-index.ts'
import { NO_PREVIOUS, quarterChecks, type PreviousQuarters } from './quarter-checks.ts'
import { addHousehold, compareRoster, zeroFigures, ROSTER_FIGURES, type RosterFigure, type VillageRosterFigures } from './roster-check.ts'
import { organisationChecks } from './org-unit-checks.ts'
import { StoredRows } from './stored-rows.ts'
import { bindHeader, dataRows, findHeader, type FoundHeader } from './header-binding.ts'

/** One accepted row, keyed by its stored column names (head_id_number → head_id_hash), with derived columns. */
export type CuratedRecord = Record<string, ParsedValue | null>

export interface RegistryView {
  /** True when the registry holds the province (2-digit code). */
  coversProvince(province: string): boolean
  /** True when the village is listed and active. */
  isActiveVillage(code: string): boolean
  /** For org_units files: codes present in the registry (parent look-ups). */
  has?(code: string): boolean
}

export interface ValidationContext {
  /** The uploading county (6 digits); null for a registry upload. */
  county: string | null
  /** The upload's period (`YYYYQn`); null for a registry upload. */
  period: string | null
  /** The dataset named by `--dataset` or by the `registry/` prefix. */
  dataset?: DatasetName
  /** Datasets the header may name when `dataset` is not given. */
  candidates: readonly DatasetName[]
  receivedAt: Date
  deadlineDays: number
  maxRows: number
  /** Keyed HMAC of a resident ID number (head_id_hash); the ID itself is never kept. */
  hashId(id: string): string
  submissionId: string
  /** Loads the village's earlier accepted quarters (called once, for a village report only). */
  previous?: () => Promise<PreviousQuarters>
  /** Loads the registry when one was uploaded. */
  registry?: () => Promise<RegistryView | undefined>
  /**
   * The other dataset of the same county and quarter when it is accepted: per-village figures
   * of the roster (for a village report) or of the report (for a roster).
   */
  counterpart?: (dataset: DatasetName) => Promise<ReadonlyMap<string, VillageRosterFigures> | undefined>
  /** File-level errors found before reading (wrong_place, period_locked). */
  preFindings?: Finding[]
}

export interface RecordSink {
  /** Called for each valid row while the file has no error; the caller keeps or drops them. */
  write(record: CuratedRecord): void | Promise<void>
  /**
   * Optional, instead of `write`: the same row as values in `curatedColumns(dataset)` order,
   * without a record object per row. The array is reused for the next row.
   */
  writeRow?(dataset: DatasetName, values: readonly (ParsedValue | null)[]): void
  /**
   * Forgets every row written so far. Called, very rarely, when a key-hash collision makes
   * the validator check the file again from the start with exact keys (key-index.ts).
   */
  restart?(): void | Promise<void>
}

export interface ValidateOptions {
  /** Keys kept as strings (the last resort after collisions under several seeds). */
  exactKeys?: boolean
  /** The key hash (tests force collisions with a weak one). */
  keyHash?: KeyHash
  /** The key hash's seed: another one after a collision. */
  keySeed?: number
  /**
   * The file's size in bytes, when known: the key index is then sized for the rows the first
   * rows let expect, once, instead of doubling as it fills (a doubling briefly holds both
   * tables: 1.5 times the memory of the larger one).
   */
  fileBytes?: number
}

/** Seeds tried before keys are kept as strings. */
const KEY_SEEDS = 3

export interface ValidationOutcome {
  report: ValidationReport
  dataset: DatasetName | null
  /** The village report's or the roster's per-village roster figures (for the counterpart check). */
  rosterFigures: Map<string, VillageRosterFigures>
  /** Codes of the villages in the file. */
  villages: Set<string>
}

interface BoundColumn {
  binding: ColumnBinding
  parse: (cell: CellValue, isDate: boolean) => ParseResult
}

/** A cross-field rule with what its applicability test needs, worked out once per file. */
interface PreparedRule {
  rule: CrossFieldRule
  /** Values that must have parsed. */
  required: readonly string[]
  /** Optional values: a cell that is not blank but did not parse skips the rule. */
  optionalCells: readonly { key: string; index: number }[]
}

const REGISTRY_FREE = { coversProvince: () => false, isActiveVillage: () => true }

/** The roster figures each monitoring category adds to (roster-check.ts `addHousehold`). */
const CATEGORY_FIGURES = new Map<string, readonly [RosterFigure, RosterFigure]>(
  (['unstable', 'marginal', 'hardship'] as const).map((k) => [k, [`monitored_${k}_households`, `monitored_${k}_persons`]]),
)

/**
 * Checks a decoded file as a careful inspector would: every finding collected, none fatal to
 * the run. Valid rows stream to `sink` while the file has no error.
 */
export async function validateFile(decoded: DecodeResult, ctx: ValidationContext, sink?: RecordSink, options: ValidateOptions = {}): Promise<ValidationOutcome> {
  const out = new FindingsCollector()
  const rosterFigures = new Map<string, VillageRosterFigures>()
  const villages = new Set<string>()
  const quarter = ctx.period ? parsePeriod(ctx.period) : undefined
  const result = (dataset: DatasetName | null, total: number, rejected: number): ValidationOutcome => ({
    report: {
      dataset,
      county: ctx.county,
      period: ctx.period,
      status: out.errors > 0 ? 'rejected' : 'accepted',
      rows: { total, accepted: total - rejected, rejected },
      counts: out.countsObject(),
      findings: out.list(),
      truncated: out.truncated,
    },
    dataset,
    rosterFigures,
    villages,
  })

  if (quarter && ctx.county !== null) {
    const deadline = submissionDeadline(quarter, ctx.deadlineDays)
    if (ctx.receivedAt.getTime() >= deadline.getTime()) {
      out.add(finding({
        code: 'late_submission',
        detail: { zh: `截止时间 ${toShanghaiIso(deadline)}，接收时间 ${toShanghaiIso(ctx.receivedAt)}`, en: `deadline ${toShanghaiIso(deadline)}, received ${toShanghaiIso(ctx.receivedAt)}` },
      }))
    }
  }
  for (const f of ctx.preFindings ?? []) out.add(f)
  const stopped = () => (ctx.preFindings ?? []).some((f) => f.severity === 'error' && !NON_STOPPING_FILE_CODES.has(f.code))
  if (stopped()) return result(ctx.dataset ?? null, 0, 0)
  if (!decoded.ok) {
    for (const f of decoded.problems) out.add(f)
    return result(ctx.dataset ?? null, 0, 0)
  }
  const file = decoded.file

  const search = await findHeader(file, ctx.dataset ? [ctx.dataset] : ctx.candidates)
  if (!search.found) {
    for (const p of search.problems) out.add(p)
    await file.close()
    return result(ctx.dataset ?? null, 0, 0)
  }
  const found = search.found
  const bound = bindHeader(found, file.format)
  const { spec, mapping, bindingOf, locate: at } = bound
  const header = found.header
  const dataset = spec.name
  for (const f of bound.findings) out.add(f)

  // Each column's parser, compiled once; a list column (risk causes, measures), whose few
  // spellings repeat and are dear to parse, remembers what each one parsed to.
  const columns: BoundColumn[] = mapping.bindings.map((binding) => {
    const parse = compileParser(binding.column.type)
    return { binding, parse: binding.column.type.kind === 'enumList' ? memoizeParser(parse) : parse }
  })
  // A row's values: parsed into an array by column, then one object built by a literal of the
  // file's columns (valuesObject), not a dozen keyed stores per row.
  const valuesObject = valuesFactory(columns.map((b) => b.binding.column.key))
  const parsedValues: (ParsedValue | undefined)[] = new Array(columns.length).fill(undefined)
  // The same values by the dataset's column order, for the stored row.
  const specIndexOf = columns.map((b) => spec.columns.indexOf(b.binding.column))
  const byColumn: (ParsedValue | undefined)[] = new Array(spec.columns.length).fill(undefined)
  const present = new Set(mapping.bindings.map((b) => b.column.key))
  const rules: PreparedRule[] = (dataset === 'village_report' ? VILLAGE_RULES : dataset === 'monitored_households' ? HOUSEHOLD_RULES : [])
    .filter((r) => r.uses.every((u) => present.has(u) || r.optional?.includes(u)))
    .map((rule) => ({
      rule,
      required: rule.uses.filter((u) => !rule.optional?.includes(u)),
      optionalCells: (rule.optional ?? []).map((u) => ({ key: u, index: mapping.bindings.find((b) => b.column.key === u)?.index ?? -1 })),
    }))
  const periodLastDay = quarter ? quarterLastDay(quarter) : 0
  const ruleContext = { periodLastDay }
  const keyBinding = bindingOf.get(spec.keyColumn)
  const keySeed = options.keySeed ?? 0
  const keys: KeyIndex = options.exactKeys
    ? new ExactKeyIndex()
    : new HashedKeyIndex({ ...(options.keyHash ? { hash: options.keyHash } : {}), seed: keySeed }, keyCapacity(expectedRows(options.fileBytes, found.pending.length > 0 ? found.pending : [header]), ctx.maxRows))
  const rowLines = new RowLines()
  const rejectedRows = new RowBits()
  const previous = dataset === 'village_report' && ctx.previous ? await ctx.previous() : NO_PREVIOUS
  const registryView = ctx.registry ? await ctx.registry() : undefined
  const registry = registryView ?? REGISTRY_FREE
  const orgRows: { row: number; line: number; values: RowValues }[] = []
  // Where each village's report row is, for roster_mismatch cells.
  const reportRows = new Map<string, { row: number; line: number }>()
  const store = sink && new StoredRows(sink, dataset, ctx, periodLastDay)
  const periodIndex = bindingOf.get('period')?.index ?? -1
  const assistanceIndex = bindingOf.get('assistance')?.index ?? -1
  const checkUnassisted = dataset === 'monitored_households' && present.has('risk_eliminated')

  let total = 0
  let dataRow = 0
  let stoppedAt: Finding | undefined

  let rowErrors = 0
  const report = (input: FindingInput) => {
    const f = finding(input)
    if (f.severity === 'error') rowErrors++
    out.add(f)
  }

  // A sink whose write returns a promise is awaited before the next row.
  let pendingWrite: Promise<void> | undefined

  /** Checks one row; false when the file must stop (too many rows). Synchronous: no async step per row. */
  const checkRow = (raw: RawRow): boolean => {
    dataRow++
    const cells = raw.cells
    if (allBlank(cells)) return true
    total++
    if (total > ctx.maxRows) {
      stoppedAt = finding({ code: 'too_many_rows', detail: { zh: `超过 ${ctx.maxRows} 行`, en: `more than ${ctx.maxRows} rows` } })
      return false
    }
    const row = dataRow
    const line = raw.line
    rowErrors = 0
    const dateCells = raw.dateCells
    for (let c = 0; c < columns.length; c++) {
      const { binding, parse } = columns[c]!
      const column: ColumnSpec = binding.column
      const cell = cells[binding.index] ?? null
      parsedValues[c] = undefined
      if (isBlank(cell)) {
        if (column.required === true) report({ code: 'required', ...at(row, line, column.key) })
        else if (column.defaultValue !== undefined) parsedValues[c] = column.defaultValue
        continue
      }
      const parsed = parse(cell, dateCells !== undefined && dateCells.has(binding.index))
      if (!parsed.ok) {
        // A personal ID number is never echoed (monitored_households.md).
        const secret = column.type.kind === 'idNumber'
        report({ code: parsed.code, ...at(row, line, column.key), ...(secret ? {} : { value: cellText(cell) }), detail: parsed.detail })
        continue
      }
      parsedValues[c] = parsed.value
    }
    const values: RowValues = valuesObject(parsedValues)

    // Row checks that need the upload's county and period.
    const period = values['period']
    if (typeof period === 'string' && ctx.period && period !== ctx.period) {
      report({ code: 'period_mismatch', ...at(row, line, 'period'), value: cellText(cells[periodIndex] ?? null), detail: { zh: `上传路径的报告期为 ${ctx.period}`, en: `the upload is for ${ctx.period}` } })
    }
    const village = values['village_code']
    if (typeof village === 'string' && ctx.county && !village.startsWith(ctx.county)) {
      report({ code: 'outside_county', ...at(row, line, 'village_code'), value: village, detail: { zh: `上传县为 ${ctx.county}`, en: `the uploading county is ${ctx.county}` } })
    }
    if (typeof village === 'string' && registry.coversProvince(village.slice(0, 2)) && !registry.isActiveVillage(village)) {
      report({ code: 'unknown_village', ...at(row, line, 'village_code'), value: village })
    }

    for (let r = 0; r < rules.length; r++) {
      const { rule, required, optionalCells } = rules[r]!
      let applies = true
      for (let u = 0; u < required.length && applies; u++) applies = values[required[u]!] !== undefined
      // Optional values that are present but failed to parse also skip the rule.
      for (let o = 0; o < optionalCells.length && applies; o++) {
        const opt = optionalCells[o]!
        applies = values[opt.key] !== undefined || isBlank(cells[opt.index] ?? null)
      }
      if (!applies) continue
      if (!rule.holds(values, ruleContext)) {
        const cell = cells[bindingOf.get(rule.column)?.index ?? -1] ?? null
        // An empty cell has no value to echo (MH01's missing elimination date).
        report({ code: 'rule', rule: rule.id, ...at(row, line, rule.column), ...(isBlank(cell) ? {} : { value: cellText(cell) }) })
      }
    }
    if (checkUnassisted && values['risk_eliminated'] === false && values['assistance'] === undefined && isBlank(cells[assistanceIndex] ?? null)) {
      report({ code: 'unassisted', ...at(row, line, 'assistance') })
    }
    if (dataset === 'village_report' && typeof village === 'string' && quarter) {
      for (const q of quarterChecks(village, values, quarter, previous)) {
        const cell = cells[bindingOf.get(q.column)?.index ?? -1] ?? null
        report({
          code: 'outlier', rule: q.id, ...at(row, line, q.column), value: cellText(cell),
          detail: { zh: `${formatPeriod(q.previousPeriod)} 为 ${q.previous}`, en: `${formatPeriod(q.previousPeriod)} had ${q.previous}` },
        })
      }
    }

    // Duplicate keys: both rows are reported (validation.md), the first one once.
    if (keyBinding) {
      const key = values[spec.keyColumn]
      if (typeof key === 'string') {
        rowLines.note(row, line)
        const sighting = keys.offer(key, row)
        if (sighting.seen) {
          const firstRow = sighting.firstRow
          if (!sighting.reported) {
            out.add(finding({ code: 'duplicate_key', ...at(firstRow, rowLines.lineOf(firstRow), spec.keyColumn), value: key, detail: { zh: `与第 ${row} 行重复`, en: `same as row ${row}` } }))
            rejectedRows.add(firstRow)
            keys.markReported(key)
          }
          report({ code: 'duplicate_key', ...at(row, line, spec.keyColumn), value: key, detail: { zh: `与第 ${firstRow} 行重复`, en: `same as row ${firstRow}` } })
        }
      }
    }

    if (rowErrors > 0) rejectedRows.add(row)
    if (typeof village === 'string') {
      villages.add(village)
      collectRosterFigures(dataset, village, values, row, line)
    }
    if (dataset === 'org_units') orgRows.push({ row, line, values })
    if (out.errors === 0 && store) {
      for (let c = 0; c < columns.length; c++) byColumn[specIndexOf[c]!] = parsedValues[c]
      pendingWrite = store.write(byColumn) ?? undefined
    }
    return true
  }

  rows: for await (const batch of dataRows(found)) {
    for (let i = 0; i < batch.length; i++) {
      if (!checkRow(batch[i]!)) break rows
      if (pendingWrite) {
        await pendingWrite
        pendingWrite = undefined
      }
    }
  }
  await found.rest.return?.()

  const fatal = stoppedAt ?? file.problems[0]
  // Keys taken as equal by their hash are compared as the file holds them; after a collision
  // the file is checked again from the start under another seed (key-index.ts).
  if (!fatal && keyBinding && (keys.collided || keys.unverified.size > 0)) {
    const exact = !keys.collided && (await keysHold(found, memoizeParser(compileParser(keyBinding.column.type)), keyBinding.index, keys.unverified))
    if (!exact) {
      if (sink) {
        if (!sink.restart) throw new Error('validateFile: a key-hash collision needs a sink that can restart')
        await sink.restart()
      }
      const again = keySeed + 1 < KEY_SEEDS ? { ...options, keySeed: keySeed + 1 } : { ...options, exactKeys: true }
      return validateFile(decoded, ctx, sink, again)
    }
  }
  await file.close()
  if (fatal) {
    for (const p of file.problems) out.add(p)
    if (stoppedAt) out.add(stoppedAt)
    out.dropRowFindings()
    return result(dataset, 0, 0)
  }
  if (total === 0) {
    out.add(finding({ code: 'empty_file', detail: { zh: '表头下没有数据行', en: 'the header has no data rows under it' } }))
    return result(dataset, 0, 0)
  }
  if (dataset === 'org_units') {
    for (const f of organisationChecks(orgRows, (row, line, key) => at(row, line, key), registryView)) {
      out.add(f)
      if (f.severity === 'error' && f.row !== undefined) rejectedRows.add(f.row)
    }
  }

  // Roster against report, whichever arrives second, only when both are accepted.
  if (out.errors === 0 && ctx.counterpart && (dataset === 'village_report' || dataset === 'monitored_households')) {
    const other = await ctx.counterpart(dataset)
    if (other) {
      const [report, roster] = dataset === 'village_report' ? [rosterFigures, other] : [other, rosterFigures]
      for (const d of compareRoster(report, roster)) {
        const base: FindingInput = {
          code: 'roster_mismatch', column: d.figure,
          detail: { zh: `村 ${d.village}：报表为 ${d.report}，名册为 ${d.roster}`, en: `village ${d.village}: the report says ${d.report}, the roster ${d.roster}` },
        }
        const line = dataset === 'village_report' ? reportRows.get(d.village) : undefined
        if (line) Object.assign(base, at(line.row, line.line, d.figure), { value: String(d.report) })
        else base.value = String(d.roster)
        out.add(finding(base))
      }
    }
  }
  return result(dataset, total, rejectedRows.size)

  function collectRosterFigures(ds: DatasetName, v: string, values: RowValues, row: number, line: number) {
    if (ds === 'village_report') {
      const figures = zeroFigures()
      for (const f of ROSTER_FIGURES) figures[f] = typeof values[f] === 'number' ? (values[f] as number) : 0
      rosterFigures.set(v, figures)
      reportRows.set(v, { row, line })
    } else if (ds === 'monitored_households') {
      let figures = rosterFigures.get(v)
      if (!figures) rosterFigures.set(v, (figures = zeroFigures()))
      const category = values['category']
      const size = Number(values['household_size'] ?? 0)
      const eliminated = values['risk_eliminated'] === true
      // addHousehold (roster-check.ts), with its keys looked up rather than built per row.
      const keys = typeof category === 'string' ? CATEGORY_FIGURES.get(category) : undefined
      if (keys) {
        figures[keys[0]] += 1
        figures[keys[1]] += size
        if (eliminated) figures.risk_eliminated_households += 1
      } else {
        addHousehold(figures, String(category), size, eliminated)
      }
    }
  }
}

/** Rows a file of `bytes` may hold, judged from its first rows' size in UTF-8 (undefined: no clue). */
function expectedRows(bytes: number | undefined, sample: readonly RawRow[]): number | undefined {
  if (bytes === undefined || sample.length === 0) return undefined
  let sampleBytes = 0
  for (const row of sample) sampleBytes += Buffer.byteLength(row.cells.map(cellText).join(',')) + 1
  return Math.ceil(bytes / Math.max(1, sampleBytes / sample.length))
}

/** Slots for the key index: ≤ 75% full at the expected rows (never past the row limit). */
function keyCapacity(rows: number | undefined, maxRows: number): number {
  const wanted = Math.ceil(Math.min(rows ?? 0, maxRows) / 0.75)
  let capacity = 1 << 12
  while (capacity < wanted && capacity < 1 << 28) capacity *= 2
  return capacity
}

/**
 * A function making `{ [keys[i]]: values[i] }`, written as one object literal, so that each
 * row's values object is a single allocation of a fixed shape. The keys are the contract's
 * column keys (schemas/datasets.ts), never text from a file.
 */
function valuesFactory(keys: readonly string[]): (values: readonly (ParsedValue | undefined)[]) => RowValues {
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')
  return new Function('v', `return { ${fields} }`) as (values: readonly (ParsedValue | undefined)[]) => RowValues
}

/** True when every cell is blank (such a row is skipped, validation.md "Reading a file"). */
function allBlank(cells: readonly CellValue[]): boolean {
  for (let i = 0; i < cells.length; i++) if (!isBlank(cells[i]!)) return false
  return true
}

/** Every row in `expected` holds, in its key column, the key it was taken to hold. */
async function keysHold(found: FoundHeader, parse: BoundColumn['parse'], keyIndex: number, expected: ReadonlyMap<number, string>): Promise<boolean> {
  let skip = found.headerIndex + 1
  let dataRow = 0
  let left = expected.size
  const sheet = found.sheet
  const batches: AsyncIterable<RawRow[]> = hasRowBatches(sheet) ? sheet.rowBatches() : (async function* () {
    for await (const raw of sheet.rows()) yield [raw]
  })()
  for await (const batch of batches) {
    for (const raw of batch) {
      if (skip > 0) {
        skip--
        continue
      }
      dataRow++
      const key = expected.get(dataRow)
      if (key === undefined) continue
      const cell = raw.cells[keyIndex] ?? null
      const parsed = isBlank(cell) ? undefined : parse(cell, raw.dateCells?.has(keyIndex) ?? false)
      if (!parsed?.ok || parsed.value !== key) return false
      if (--left === 0) return true
    }
  }
  return left === 0
}

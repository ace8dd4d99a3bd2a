import { DATASET_SPECS, type ColumnSpec, type DatasetSpec } from '../../../schemas/datasets.ts'
import { NON_STOPPING_FILE_CODES, type DatasetName, type Finding, type ValidationReport } from '../../../schemas/findings.ts'
import type { CellValue, DecodeResult, RawRow, SheetSource } from '../decode/types.ts'
import { finding, type FindingInput } from '../findings.ts'
import { HEADER_SEARCH_ROWS, classifyHeaderRow, mapHeader, type ColumnBinding } from '../headers.ts'
import { formatPeriod, parsePeriod, quarterLastDay, submissionDeadline, toShanghaiIso } from '../period.ts'
import { HOUSEHOLD_RULES, VILLAGE_RULES, type RowValues } from '../rules.ts'
import { cellText, compileParser, isBlank, type ParseResult, type ParsedValue } from '../values.ts'
import { FindingsCollector } from './findings-collector.ts'
import { NO_PREVIOUS, quarterChecks, type PreviousQuarters } from './quarter-checks.ts'
import { addHousehold, compareRoster, zeroFigures, ROSTER_FIGURES, type VillageRosterFigures } from './roster-check.ts'
import { organisationChecks } from './org-unit-checks.ts'

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
}

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

const REGISTRY_FREE = { coversProvince: () => false, isActiveVillage: () => true }

/**
 * Checks a decoded file as a careful inspector would: every finding collected, none fatal to
 * the run. Valid rows stream to `sink` while the file has no error.
 */
export async function validateFile(decoded: DecodeResult, ctx: ValidationContext, sink?: RecordSink): Promise<ValidationOutcome> {
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

  // Find the header row: the first visible sheet with one (validation.md, "Reading a file").
  const candidates = (ctx.dataset ? [ctx.dataset] : ctx.candidates).map((d) => DATASET_SPECS[d])
  let found: { spec: DatasetSpec; sheet: SheetSource; header: RawRow; pending: RawRow[]; rest: AsyncIterator<RawRow> } | undefined
  let sawContent = false
  let sawTie = false
  for (const sheet of file.sheets) {
    const it = sheet.rows()[Symbol.asyncIterator]()
    const buffered: RawRow[] = []
    while (buffered.length < HEADER_SEARCH_ROWS) {
      const next = await it.next()
      if (next.done) break
      buffered.push(next.value)
    }
    for (let i = 0; i < buffered.length; i++) {
      const row = buffered[i]!
      if (row.cells.some((c) => !isBlank(c))) sawContent = true
      const verdict = classifyHeaderRow(row.cells, candidates)
      if (verdict.kind === 'header') {
        found = { spec: DATASET_SPECS[verdict.dataset], sheet, header: row, pending: buffered.slice(i + 1), rest: it }
        break
      }
      // The first row with 3 known headers is the header row: a tie there is unknown_dataset,
      // not a reason to look further down (validation.md, "Reading a file").
      if (verdict.kind === 'tie') {
        sawTie = true
        break
      }
    }
    if (found) break
    await it.return?.()
    if (sawTie || file.problems.length) break
  }
  if (!found) {
    for (const p of file.problems) out.add(p)
    if (file.problems.length === 0) {
      if (!sawContent) out.add(finding({ code: 'empty_file', detail: { zh: '文件中没有内容', en: 'the file holds nothing' } }))
      else out.add(finding({
        code: 'unknown_dataset',
        detail: sawTie
          ? { zh: '表头同时符合多个数据集，请用 --dataset 指明', en: 'the headers fit more than one dataset equally; name it with --dataset' }
          : { zh: `前 ${HEADER_SEARCH_ROWS} 行中没有至少 3 个可识别表头的行`, en: `no row among the first ${HEADER_SEARCH_ROWS} has at least 3 known headers` },
      }))
    }
    await file.close()
    return result(ctx.dataset ?? null, 0, 0)
  }

  const { spec, sheet, header } = found
  const dataset = spec.name
  const isJson = file.format === 'json'
  const sheetName = file.format === 'xlsx' ? sheet.name : undefined
  const mapping = mapHeader(header.cells, spec)
  const headerCell = (letter: string) => (isJson ? undefined : `${letter}${header.line}`)
  for (const u of mapping.unknown) {
    out.add(finding({ code: 'unknown_column', header: u.header, cell: headerCell(u.letter), sheet: sheetName }))
  }
  for (const d of mapping.duplicates) {
    out.add(finding({
      code: 'duplicate_column', column: d.column.key, header: d.header, cell: headerCell(d.letter), sheet: sheetName,
      detail: { zh: `与「${d.first.header}」重复，只使用第一列`, en: `same column as "${d.first.header}"; the first one is used` },
    }))
  }
  for (const m of mapping.missing) {
    out.add(finding({ code: 'missing_column', column: m.key, detail: { zh: `应有「${m.zh}」列`, en: `expected a column "${m.zh}" (${m.key})` } }))
  }

  const bound: BoundColumn[] = mapping.bindings.map((binding) => ({ binding, parse: compileParser(binding.column.type) }))
  const present = new Set(mapping.bindings.map((b) => b.column.key))
  const rules = (dataset === 'village_report' ? VILLAGE_RULES : dataset === 'monitored_households' ? HOUSEHOLD_RULES : []).filter(
    (r) => r.uses.every((u) => present.has(u) || r.optional?.includes(u)),
  )
  const periodLastDay = quarter ? quarterLastDay(quarter) : 0
  const bindingOf = new Map(mapping.bindings.map((b) => [b.column.key, b]))
  const keyBinding = bindingOf.get(spec.keyColumn)
  const seenKeys = new Map<string, number>()
  const rejectedRows = new Set<number>()
  const previous = dataset === 'village_report' && ctx.previous ? await ctx.previous() : NO_PREVIOUS
  const registryView = ctx.registry ? await ctx.registry() : undefined
  const registry = registryView ?? REGISTRY_FREE
  const orgRows: { row: number; line: number; values: RowValues }[] = []
  // Where each village's report row is, for roster_mismatch cells.
  const reportRows = new Map<string, { row: number; line: number }>()

  let total = 0
  let dataRow = 0
  let stoppedAt: Finding | undefined

  const at = (row: number, line: number, key: string): Omit<FindingInput, 'code'> => {
    const b = bindingOf.get(key)
    const base: Omit<FindingInput, 'code'> = { row, column: key }
    if (b) {
      base.header = b.header
      if (!isJson) base.cell = `${b.letter}${line}`
    }
    if (sheetName !== undefined) base.sheet = sheetName
    return base
  }

  const rowsIterator = (async function* () {
    yield* found.pending
    while (true) {
      const next = await found.rest.next()
      if (next.done) return
      yield next.value
    }
  })()

  for await (const raw of rowsIterator) {
    dataRow++
    if (raw.cells.every(isBlank)) continue
    total++
    if (total > ctx.maxRows) {
      stoppedAt = finding({ code: 'too_many_rows', detail: { zh: `超过 ${ctx.maxRows} 行`, en: `more than ${ctx.maxRows} rows` } })
      break
    }
    const row = dataRow
    const values: RowValues = {}
    let rowErrors = 0
    const report = (input: FindingInput) => {
      const f = finding(input)
      if (f.severity === 'error') rowErrors++
      out.add(f)
    }
    for (const { binding, parse } of bound) {
      const column: ColumnSpec = binding.column
      const cell = raw.cells[binding.index] ?? null
      const secret = column.type.kind === 'idNumber'
      if (isBlank(cell)) {
        if (column.required === true) report({ code: 'required', ...at(row, raw.line, column.key) })
        else if (column.defaultValue !== undefined) values[column.key] = column.defaultValue
        continue
      }
      const parsed = parse(cell, raw.dateCells?.has(binding.index) ?? false)
      if (!parsed.ok) {
        // A personal ID number is never echoed (monitored_households.md).
        report({ code: parsed.code, ...at(row, raw.line, column.key), ...(secret ? {} : { value: cellText(cell) }), detail: parsed.detail })
        continue
      }
      values[column.key] = parsed.value
    }

    // Row checks that need the upload's county and period.
    const period = values['period']
    if (typeof period === 'string' && ctx.period && period !== ctx.period) {
      report({ code: 'period_mismatch', ...at(row, raw.line, 'period'), value: cellText(raw.cells[bindingOf.get('period')!.index] ?? null), detail: { zh: `上传路径的报告期为 ${ctx.period}`, en: `the upload is for ${ctx.period}` } })
    }
    const village = values['village_code']
    if (typeof village === 'string' && ctx.county && !village.startsWith(ctx.county)) {
      report({ code: 'outside_county', ...at(row, raw.line, 'village_code'), value: village, detail: { zh: `上传县为 ${ctx.county}`, en: `the uploading county is ${ctx.county}` } })
    }
    if (typeof village === 'string' && registry.coversProvince(village.slice(0, 2)) && !registry.isActiveVillage(village)) {
      report({ code: 'unknown_village', ...at(row, raw.line, 'village_code'), value: village })
    }

    for (const rule of rules) {
      if (!rule.uses.every((u) => values[u] !== undefined || rule.optional?.includes(u))) continue
      // Optional values that are present but failed to parse also skip the rule.
      if (rule.optional?.some((u) => values[u] === undefined && !isBlank(raw.cells[bindingOf.get(u)?.index ?? -1] ?? null))) continue
      if (!rule.holds(values, { periodLastDay })) {
        const cell = raw.cells[bindingOf.get(rule.column)?.index ?? -1] ?? null
        // An empty cell has no value to echo (MH01's missing elimination date).
        report({ code: 'rule', rule: rule.id, ...at(row, raw.line, rule.column), ...(isBlank(cell) ? {} : { value: cellText(cell) }) })
      }
    }
    if (dataset === 'monitored_households' && present.has('risk_eliminated') && values['risk_eliminated'] === false && values['assistance'] === undefined && isBlank(raw.cells[bindingOf.get('assistance')?.index ?? -1] ?? null)) {
      report({ code: 'unassisted', ...at(row, raw.line, 'assistance') })
    }
    if (dataset === 'village_report' && typeof village === 'string' && quarter) {
      for (const q of quarterChecks(village, values, quarter, previous)) {
        const cell = raw.cells[bindingOf.get(q.column)?.index ?? -1] ?? null
        report({
          code: 'outlier', rule: q.id, ...at(row, raw.line, q.column), value: cellText(cell),
          detail: { zh: `${formatPeriod(q.previousPeriod)} 为 ${q.previous}`, en: `${formatPeriod(q.previousPeriod)} had ${q.previous}` },
        })
      }
    }

    // Duplicate keys: both rows are reported (validation.md). The map packs row and line in one
    // number (row × 2^32 + line), negative once the first row has been reported.
    if (keyBinding) {
      const key = values[spec.keyColumn]
      if (typeof key === 'string') {
        const packed = seenKeys.get(key)
        if (packed === undefined) {
          seenKeys.set(key, row * 2 ** 32 + raw.line)
        } else {
          const firstRow = Math.floor(Math.abs(packed) / 2 ** 32)
          if (packed > 0) {
            out.add(finding({ code: 'duplicate_key', ...at(firstRow, packed % 2 ** 32, spec.keyColumn), value: key, detail: { zh: `与第 ${row} 行重复`, en: `same as row ${row}` } }))
            rejectedRows.add(firstRow)
            seenKeys.set(key, -packed)
          }
          report({ code: 'duplicate_key', ...at(row, raw.line, spec.keyColumn), value: key, detail: { zh: `与第 ${firstRow} 行重复`, en: `same as row ${firstRow}` } })
        }
      }
    }

    if (rowErrors > 0) rejectedRows.add(row)
    if (typeof village === 'string') {
      villages.add(village)
      if (rowErrors === 0) collectRosterFigures(dataset, village, values, { row, line: raw.line })
    }
    if (dataset === 'org_units') orgRows.push({ row, line: raw.line, values })
    if (out.errors === 0 && sink) await sink.write(curatedRecord(dataset, values, ctx, periodLastDay))
  }
  await found.rest.return?.()
  await file.close()

  const fatal = stoppedAt ?? file.problems[0]
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

  function collectRosterFigures(ds: DatasetName, v: string, values: RowValues, where: { row: number; line: number }) {
    if (ds === 'village_report') {
      const figures = zeroFigures()
      for (const f of ROSTER_FIGURES) figures[f] = typeof values[f] === 'number' ? (values[f] as number) : 0
      rosterFigures.set(v, figures)
      reportRows.set(v, where)
    } else if (ds === 'monitored_households') {
      let figures = rosterFigures.get(v)
      if (!figures) rosterFigures.set(v, (figures = zeroFigures()))
      addHousehold(figures, String(values['category']), Number(values['household_size'] ?? 0), values['risk_eliminated'] === true)
    }
  }
}

/** The stored row: typed values under their stored names, plus the contract's derived columns. */
export function curatedRecord(dataset: DatasetName, values: RowValues, ctx: ValidationContext, periodLastDay: number): CuratedRecord {
  const spec = DATASET_SPECS[dataset]
  const rec: CuratedRecord = {}
  for (const c of spec.columns) {
    const v = values[c.key]
    if (c.type.kind === 'idNumber') rec[c.storedAs ?? c.key] = typeof v === 'string' ? ctx.hashId(v) : null
    // An optional column left out of the file takes its default like an empty cell (relocation_site 否, active 是).
    else rec[c.key] = v ?? c.defaultValue ?? null
  }
  if (dataset === 'org_units') {
    rec['province_code'] = typeof values['code'] === 'string' ? values['code'].slice(0, 2) : null
    return rec
  }
  const village = String(values['village_code'] ?? '')
  rec['county_code'] = village.slice(0, 6)
  rec['city_code'] = village.slice(0, 4)
  rec['province_code'] = village.slice(0, 2)
  rec['township_code'] = village.slice(0, 9)
  rec['submission_id'] = ctx.submissionId
  rec['submitted_at'] = ctx.receivedAt.getTime()
  if (dataset === 'monitored_households') {
    const identified = values['identified_on'] as number | undefined
    const eliminated = values['eliminated_on'] as number | undefined
    rec['days_monitored'] = identified === undefined ? null : (eliminated ?? periodLastDay) - identified
  }
  return rec
}

import type { ColumnSpec } from '../../../schemas/datasets.ts'
import type { DatasetName, Finding } from '../../../schemas/findings.ts'
import type { CellValue, RawRow } from '../decode/types.ts'
import { finding } from '../findings.ts'
import { holdsMisplacedId, shanghaiDate } from '../id-number.ts'
import { formatPeriod, parsePeriod, quarterLastDay, type Quarter } from '../period.ts'
import { HOUSEHOLD_RULES, VILLAGE_RULES, type CrossFieldRule, type RowValues, type RuleContext } from '../rules.ts'
import { cellText, compileParser, isBlank, memoizeParser, type ParseResult, type ParsedValue } from '../values.ts'
import type { BoundHeader, CellPlace, Locate } from './header-binding.ts'
import { quarterChecks, type PreviousQuarters } from './quarter-checks.ts'
import type { RegistryView, ValidationContext } from './validation-types.ts'

/** A column of the file with its parser, compiled once. */
interface PlannedColumn {
  column: ColumnSpec
  /** The cell's index in each row. */
  cell: number
  /** The column's place in the dataset's column order. */
  at: number
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

/** What checking one row of a file needs, worked out once from its header and context. */
export interface RowPlan {
  dataset: DatasetName
  columns: readonly PlannedColumn[]
  /** The dataset's column keys in order: the keys of each row's values. */
  keys: readonly string[]
  rules: readonly PreparedRule[]
  ruleContext: RuleContext
  /** The cell index of each column the file has. */
  cellOf: ReadonlyMap<string, number>
  locate: Locate
  county: string | null
  period: string | null
  quarter: Quarter | undefined
  previous: PreviousQuarters
  registry: RegistryView
  checkUnassisted: boolean
  idScan: IdScan
}

/** Where id_number_misplaced looks: every cell but head_id_number's (validation.md). */
interface IdScan {
  /** The cell index of head_id_number, or -1. */
  skip: number
  /** The latest birth date an ID number may carry: the day received (YYYYMMDD, +08:00). */
  latest: number
  /** The finding's place: row, column and cell only, never the value. */
  place(row: number, line: number, index: number): CellPlace
}

/** What one row says on its own. */
export interface RowVerdict {
  /** Values in the dataset's column order; undefined where empty without default, absent or bad. */
  byColumn: (ParsedValue | undefined)[]
  values: RowValues
  /** In the order a clerk reads them: cells, place, rules, assistance, previous quarters. */
  findings: Finding[]
}

/** Without a registry no village is unknown. */
const REGISTRY_FREE: RegistryView = { coversProvince: () => false, isActiveVillage: () => true }

export function rowPlan(
  header: BoundHeader,
  ctx: Pick<ValidationContext, 'county' | 'period' | 'receivedAt'>,
  loaded: { previous: PreviousQuarters; registry: RegistryView | undefined },
): RowPlan {
  const { spec, mapping, bindingOf } = header
  const present = new Set(bindingOf.keys())
  const quarter = ctx.period ? parsePeriod(ctx.period) : undefined
  // A list column (risk causes, measures), whose few spellings repeat and are dear to parse,
  // remembers what each one parsed to.
  const columns = mapping.bindings.map((b): PlannedColumn => {
    const parse = compileParser(b.column.type)
    return { column: b.column, cell: b.index, at: spec.columns.indexOf(b.column), parse: b.column.type.kind === 'enumList' ? memoizeParser(parse) : parse }
  })
  const rules = (spec.name === 'village_report' ? VILLAGE_RULES : spec.name === 'monitored_households' ? HOUSEHOLD_RULES : [])
    .filter((r) => r.uses.every((u) => present.has(u) || r.optional?.includes(u)))
    .map((rule) => ({
      rule,
      required: rule.uses.filter((u) => !rule.optional?.includes(u)),
      optionalCells: (rule.optional ?? []).map((u) => ({ key: u, index: bindingOf.get(u)?.index ?? -1 })),
    }))
  return {
    dataset: spec.name,
    columns,
    keys: spec.columns.map((c) => c.key),
    rules,
    ruleContext: { periodLastDay: quarter ? quarterLastDay(quarter) : 0 },
    cellOf: new Map(mapping.bindings.map((b) => [b.column.key, b.index])),
    locate: header.locate,
    county: ctx.county,
    period: ctx.period,
    quarter,
    previous: loaded.previous,
    registry: loaded.registry ?? REGISTRY_FREE,
    checkUnassisted: spec.name === 'monitored_households' && present.has('risk_eliminated'),
    idScan: { skip: header.bindingOf.get('head_id_number')?.index ?? -1, latest: shanghaiDate(ctx.receivedAt), place: header.locateIndex },
  }
}

/** Indices of the cells that hold a resident ID number where none belongs (validation.md). */
function misplacedIds(plan: RowPlan, raw: RawRow): number[] | undefined {
  let found: number[] | undefined
  const { cells } = raw
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]
    if (i === plan.idScan.skip || cell === null || cell === undefined || typeof cell === 'boolean') continue
    if (typeof cell === 'number' ? cell < 1e17 : cell.length < 18) continue
    if (holdsMisplacedId(cellText(cell), plan.idScan.latest)) (found ??= []).push(i)
  }
  return found
}

/**
 * Checks one non-blank data row by itself (validation.md, "Row-level codes"): what needs the
 * whole file (duplicate keys, the roster, the registry's own consistency) is not here.
 */
export function checkRow(plan: RowPlan, raw: RawRow, row: number): RowVerdict {
  const findings: Finding[] = []
  // id_number_misplaced comes first and that cell gets no other finding: it is left unparsed.
  const misplaced = misplacedIds(plan, raw)
  if (misplaced) for (const i of misplaced) findings.push(finding({ code: 'id_number_misplaced', ...plan.idScan.place(row, raw.line, i) }))
  const byColumn = parseCells(plan, raw, row, findings, misplaced)
  const values = valuesOf(plan.keys, byColumn)
  placeChecks(plan, values, raw, row, findings)
  ruleChecks(plan, values, raw, row, findings)
  if (plan.checkUnassisted && values['risk_eliminated'] === false && values['assistance'] === undefined && isBlank(cellAt(plan, raw, 'assistance'))) {
    findings.push(finding({ code: 'unassisted', ...plan.locate(row, raw.line, 'assistance') }))
  }
  if (plan.dataset === 'village_report') outlierChecks(plan, values, raw, row, findings)
  if (findings.length > 0 && isTotalRow(raw)) hintTotalRow(findings)
  return { byColumn, values, findings }
}

/** A cell reading 合计, 总计 or 小计 (perhaps after a name: 全县合计) marks a total row. */
const TOTAL_RE = /(?:合计|总计|小计)\s*$/

function isTotalRow(raw: RawRow): boolean {
  for (const cell of raw.cells) if (typeof cell === 'string' && cell.length <= 20 && TOTAL_RE.test(cell.trim())) return true
  return false
}

/** Each error of a total row says the fix: delete the row (its sums are computed by the pipeline). */
function hintTotalRow(findings: Finding[]): void {
  for (const f of findings) {
    if (f.severity !== 'error') continue
    f.message = {
      zh: `${f.message.zh}：此行是合计行，请删除合计、总计或小计行（汇总由系统计算）`,
      en: `${f.message.en}: this is a total row; delete total and subtotal rows (the pipeline computes the sums)`,
    }
  }
}

function parseCells(plan: RowPlan, raw: RawRow, row: number, findings: Finding[], misplaced: readonly number[] | undefined): (ParsedValue | undefined)[] {
  const byColumn = new Array<ParsedValue | undefined>(plan.keys.length)
  const { cells, dateCells } = raw
  for (let c = 0; c < plan.columns.length; c++) {
    const { column, cell: index, at, parse } = plan.columns[c]!
    if (misplaced?.includes(index)) continue
    const cell = cells[index] ?? null
    if (isBlank(cell)) {
      if (column.required === true) findings.push(finding({ code: 'required', ...plan.locate(row, raw.line, column.key) }))
      else byColumn[at] = column.defaultValue
      continue
    }
    const parsed = parse(cell, dateCells !== undefined && dateCells.has(index))
    if (parsed.ok) {
      byColumn[at] = parsed.value
      continue
    }
    // A personal ID number is never echoed (monitored_households.md).
    const secret = column.type.kind === 'idNumber'
    findings.push(finding({ code: parsed.code, ...plan.locate(row, raw.line, column.key), ...(secret ? {} : { value: cellText(cell) }), detail: parsed.detail }))
  }
  return byColumn
}

/** The row's values by column key, for the rules (a column the file lacks is undefined). */
function valuesOf(keys: readonly string[], byColumn: readonly (ParsedValue | undefined)[]): RowValues {
  const values: RowValues = {}
  for (let i = 0; i < keys.length; i++) values[keys[i]!] = byColumn[i]
  return values
}

/** The cell under a column key as the file holds it (null when the file lacks the column). */
function cellAt(plan: RowPlan, raw: RawRow, key: string): CellValue {
  return raw.cells[plan.cellOf.get(key) ?? -1] ?? null
}

/** The row against the upload's county and period, and the registry. */
function placeChecks(plan: RowPlan, values: RowValues, raw: RawRow, row: number, findings: Finding[]): void {
  const period = values['period']
  if (typeof period === 'string' && plan.period && period !== plan.period) {
    findings.push(finding({
      code: 'period_mismatch', ...plan.locate(row, raw.line, 'period'), value: cellText(cellAt(plan, raw, 'period')),
      detail: { zh: `上传路径的报告期为 ${plan.period}`, en: `the upload is for ${plan.period}` },
    }))
  }
  const village = values['village_code']
  if (typeof village !== 'string') return
  if (plan.county && !village.startsWith(plan.county)) {
    findings.push(finding({ code: 'outside_county', ...plan.locate(row, raw.line, 'village_code'), value: village, detail: { zh: `上传县为 ${plan.county}`, en: `the uploading county is ${plan.county}` } }))
  }
  if (plan.registry.coversProvince(village.slice(0, 2)) && !plan.registry.isActiveVillage(village)) {
    findings.push(finding({ code: 'unknown_village', ...plan.locate(row, raw.line, 'village_code'), value: village }))
  }
}

/** A rule is evaluated only when every value it uses parsed (validation.md, "Reading a file"). */
function ruleChecks(plan: RowPlan, values: RowValues, raw: RawRow, row: number, findings: Finding[]): void {
  for (let r = 0; r < plan.rules.length; r++) {
    const { rule, required, optionalCells } = plan.rules[r]!
    let applies = true
    for (let u = 0; u < required.length && applies; u++) applies = values[required[u]!] !== undefined
    // Optional values that are present but failed to parse also skip the rule.
    for (let o = 0; o < optionalCells.length && applies; o++) {
      const opt = optionalCells[o]!
      applies = values[opt.key] !== undefined || isBlank(raw.cells[opt.index] ?? null)
    }
    if (!applies || rule.holds(values, plan.ruleContext)) continue
    const cell = cellAt(plan, raw, rule.column)
    // An empty cell has no value to echo (MH01's missing elimination date).
    findings.push(finding({ code: 'rule', rule: rule.id, ...plan.locate(row, raw.line, rule.column), ...(isBlank(cell) ? {} : { value: cellText(cell) }), detail: rule.explain?.(values) }))
  }
}

/** The village's figures against its previous accepted quarters (QQ checks). */
function outlierChecks(plan: RowPlan, values: RowValues, raw: RawRow, row: number, findings: Finding[]): void {
  const village = values['village_code']
  if (typeof village !== 'string' || !plan.quarter) return
  for (const q of quarterChecks(village, values, plan.quarter, plan.previous)) {
    findings.push(finding({
      code: 'outlier', rule: q.id, ...plan.locate(row, raw.line, q.column), value: cellText(cellAt(plan, raw, q.column)),
      detail: { zh: `${formatPeriod(q.previousPeriod)} 为 ${q.previous}`, en: `${formatPeriod(q.previousPeriod)} had ${q.previous}` },
    }))
  }
}

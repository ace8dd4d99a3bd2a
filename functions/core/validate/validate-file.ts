import { NON_STOPPING_FILE_CODES, type DatasetName, type Finding } from '../../../schemas/findings.ts'
import type { CellValue, DecodeResult, DecodedFile } from '../decode/types.ts'
import { finding } from '../findings.ts'
import { parsePeriod, submissionDeadline, toShanghaiIso } from '../period.ts'
import type { RowValues } from '../rules.ts'
import { cellText, isBlank } from '../values.ts'
import { DuplicateKeys } from './duplicate-keys.ts'
import { FindingsCollector } from './findings-collector.ts'
import { bindHeader, dataRows, findHeader, type BoundHeader } from './header-binding.ts'
import { RowBits } from './key-index.ts'
import { organisationChecks, type UnitRow } from './org-unit-checks.ts'
import { NO_PREVIOUS, type PreviousQuarters } from './quarter-checks.ts'
import { RosterTally, rosterFindings, type VillageRosterFigures } from './roster-check.ts'
import { checkRow, rowPlan, type RowPlan } from './row-check.ts'
import { StoredRows } from './stored-rows.ts'
import { TargetsChecks } from './targets-checks.ts'
import { UnitTally, unitFindings } from './unit-checks.ts'

export type { CuratedRecord, EarlierRoster, RecordSink, RegistryView, ValidateOptions, ValidationContext, ValidationOutcome } from './validation-types.ts'
import type { RecordSink, RegistryView, ValidateOptions, ValidationContext, ValidationOutcome } from './validation-types.ts'

/** Seeds tried before keys are kept as strings. */
const KEY_SEEDS = 3

/**
 * Checks a decoded file as a careful inspector would: every finding collected, none fatal to
 * the run. Valid rows stream to `sink` while the file has no error.
 */
export async function validateFile(decoded: DecodeResult, ctx: ValidationContext, sink?: RecordSink, options: ValidateOptions = {}): Promise<ValidationOutcome> {
  let keying = options
  for (;;) {
    const outcome = await checkFile(decoded, ctx, sink, keying)
    if (outcome) return outcome
    // Two keys met under one hash (key-index.ts): the file is checked again from the start,
    // under another seed, at last with the keys kept as strings.
    if (sink) {
      if (!sink.restart) throw new Error('validateFile: a key-hash collision needs a sink that can restart')
      await sink.restart()
    }
    const seed = keying.keySeed ?? 0
    keying = seed + 1 < KEY_SEEDS ? { ...keying, keySeed: seed + 1 } : { ...keying, exactKeys: true }
  }
}

/** What reading the rows leaves for the outcome and for the checks that need the whole file. */
interface RowsRead {
  /** Data rows read (blank rows are not counted). */
  total: number
  rejected: RowBits
  /** too_many_rows, when it stopped the reading. */
  stoppedAt?: Finding
  roster: RosterTally
  villages: Set<string>
  /** An org_units file's rows, for the registry's own checks. */
  units: UnitRow[]
  /** A village report's money cells, for the unit checks (UN01, UN02). */
  money: UnitTally
}

/** One reading of the file; undefined when a key-hash collision means it must be read again. */
async function checkFile(decoded: DecodeResult, ctx: ValidationContext, sink: RecordSink | undefined, keying: ValidateOptions): Promise<ValidationOutcome | undefined> {
  const out = new FindingsCollector()
  for (const f of contextFindings(ctx)) out.add(f)
  if (stopsReading(ctx.preFindings ?? [])) return outcome(out, ctx, ctx.dataset ?? null)
  if (!decoded.ok) {
    for (const p of decoded.problems) out.add(p)
    return outcome(out, ctx, ctx.dataset ?? null)
  }
  const file = decoded.file
  const search = await findHeader(file, ctx.dataset ? [ctx.dataset] : ctx.candidates)
  if (!search.found) {
    for (const p of search.problems) out.add(p)
    await file.close()
    return outcome(out, ctx, ctx.dataset ?? null)
  }
  const header = bindHeader(search.found, file.format)
  for (const f of header.findings) out.add(f)
  const loaded = await loadContext(ctx, header.spec.name)
  const plan = rowPlan(header, ctx, loaded)
  // A targets row's key is its year, county and indicator (targets-checks.ts).
  const targets = plan.dataset === 'targets' ? new TargetsChecks(ctx.scope, header.locate) : undefined
  const keys = targets ? undefined : DuplicateKeys.of(header, keying, ctx.maxRows)
  const store = sink && new StoredRows(sink, plan.dataset, ctx, plan.ruleContext.periodLastDay)
  const read = await readRows(header, plan, keys, store, out, ctx.maxRows, loaded.earlier, targets)
  await header.found.rest.return?.()
  const stopped = read.stoppedAt !== undefined || file.problems.length > 0
  if (!stopped && keys && !(await keys.exact(header.found))) return undefined
  await file.close()
  if (stopped) return stoppedFile(out, ctx, header, read, file)
  return wholeFileChecks(out, ctx, header, read, loaded.registry, plan, loaded.earlier)
}

/** late_submission, then what was found before reading (wrong_place, period_locked). */
function contextFindings(ctx: ValidationContext): Finding[] {
  const late: Finding[] = []
  const quarter = ctx.period ? parsePeriod(ctx.period) : undefined
  if (quarter && ctx.county !== null) {
    const deadline = submissionDeadline(quarter, ctx.deadlineDays)
    if (ctx.receivedAt.getTime() >= deadline.getTime()) {
      late.push(finding({
        code: 'late_submission',
        detail: { zh: `截止时间 ${toShanghaiIso(deadline)}，接收时间 ${toShanghaiIso(ctx.receivedAt)}`, en: `deadline ${toShanghaiIso(deadline)}, received ${toShanghaiIso(ctx.receivedAt)}` },
      }))
    }
  }
  return [...late, ...(ctx.preFindings ?? [])]
}

/** A file-level error other than the few that let the rows be checked (validation.md, "Reading a file"). */
function stopsReading(found: readonly Finding[]): boolean {
  return found.some((f) => f.severity === 'error' && !NON_STOPPING_FILE_CODES.has(f.code))
}

/** The earlier quarters (for a village report) and the registry, when the context has them. */
async function loadContext(ctx: ValidationContext, dataset: DatasetName): Promise<{ previous: PreviousQuarters; registry: RegistryView | undefined; earlier: Unseen | undefined }> {
  const previous = dataset === 'village_report' && ctx.previous ? await ctx.previous() : NO_PREVIOUS
  const registry = ctx.registry ? await ctx.registry() : undefined
  const roster = dataset === 'monitored_households' && ctx.earlierRoster ? await ctx.earlierRoster() : undefined
  return { previous, registry, earlier: roster && { period: roster.period, ids: new Set(roster.atRisk) } }
}

/** The earlier roster's households at risk not yet seen in this file (household_dropped). */
interface Unseen {
  period: string
  ids: Set<string>
}

/**
 * Checks every data row and gathers what the whole-file checks need; each row that passes
 * goes to the store while the file has no error. Stops at the row limit.
 */
async function readRows(header: BoundHeader, plan: RowPlan, keys: DuplicateKeys | undefined, store: StoredRows | undefined, out: FindingsCollector, maxRows: number, unseen: Unseen | undefined, targets?: TargetsChecks): Promise<RowsRead> {
  const read: RowsRead = { total: 0, rejected: new RowBits(), roster: new RosterTally(plan.dataset), villages: new Set(), units: [], money: new UnitTally() }
  let row = 0
  for await (const batch of dataRows(header.found)) {
    for (let i = 0; i < batch.length; i++) {
      const raw = batch[i]!
      row++
      // A blank row is skipped but keeps its place in the numbering (validation.md).
      if (allBlank(raw.cells)) continue
      if (++read.total > maxRows) {
        read.stoppedAt = finding({ code: 'too_many_rows', detail: { zh: `超过 ${maxRows} 行`, en: `more than ${maxRows} rows` } })
        return read
      }
      const { byColumn, values, findings } = checkRow(plan, raw, row)
      let errors = addAll(out, findings)
      const repeat = keys?.offer(values, row, raw.line)
      if (repeat) {
        if (repeat.first) {
          out.add(repeat.first)
          read.rejected.add(repeat.firstRow)
        }
        errors += addAll(out, [repeat.repeat])
      }
      if (targets) {
        for (const f of targets.check(values, row, raw.line)) {
          out.add(f)
          if (f.severity === 'error' && f.row !== undefined) read.rejected.add(f.row)
          if (f.row === row) errors++
        }
      }
      if (errors > 0) read.rejected.add(row)
      tallyRow(read, plan.dataset, values, row, raw.line)
      if (unseen && typeof values['household_id'] === 'string') unseen.ids.delete(values['household_id'])
      if (plan.dataset === 'village_report') read.money.add(row, raw.line, values, (key) => cellText(raw.cells[plan.cellOf.get(key) ?? -1] ?? null))
      if (store && out.errors === 0) {
        // A sink whose write returns a promise is awaited before the next row.
        const pending = store.write(byColumn)
        if (pending) await pending
      }
    }
  }
  return read
}

/** Adds the findings; returns how many are errors. */
function addAll(out: FindingsCollector, findings: readonly Finding[]): number {
  let errors = 0
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!
    out.add(f)
    if (f.severity === 'error') errors++
  }
  return errors
}

function tallyRow(read: RowsRead, dataset: DatasetName, values: RowValues, row: number, line: number): void {
  const village = values['village_code']
  if (typeof village === 'string') {
    read.villages.add(village)
    read.roster.add(village, values, row, line)
  }
  if (dataset === 'org_units') read.units.push({ row, line, values })
}

/** True when every cell is blank (such a row is skipped, validation.md "Reading a file"). */
function allBlank(cells: readonly CellValue[]): boolean {
  for (let i = 0; i < cells.length; i++) if (!isBlank(cells[i]!)) return false
  return true
}

/** A file-level error stopped the reading: no row counts as checked (README, "Choices"). */
function stoppedFile(out: FindingsCollector, ctx: ValidationContext, header: BoundHeader, read: RowsRead, file: DecodedFile): ValidationOutcome {
  for (const p of file.problems) out.add(p)
  if (read.stoppedAt) out.add(read.stoppedAt)
  out.dropRowFindings()
  return outcome(out, ctx, header.spec.name, read)
}

/** The checks that need every row: an empty file, the registry's own consistency, roster against report. */
async function wholeFileChecks(out: FindingsCollector, ctx: ValidationContext, header: BoundHeader, read: RowsRead, registry: RegistryView | undefined, plan: RowPlan, unseen: Unseen | undefined): Promise<ValidationOutcome> {
  const dataset = header.spec.name
  if (read.total === 0) {
    out.add(finding({ code: 'empty_file', detail: { zh: '表头下没有数据行', en: 'the header has no data rows under it' } }))
    return outcome(out, ctx, dataset, read)
  }
  if (dataset === 'org_units') {
    for (const f of organisationChecks(read.units, header.locate, registry)) {
      out.add(f)
      if (f.severity === 'error' && f.row !== undefined) read.rejected.add(f.row)
    }
  }
  // unit_suspect needs the file's median (UN01), so it is checked once every row is read.
  if (dataset === 'village_report') {
    for (const { row, finding: f } of unitFindings(read.money, plan.quarter, plan.previous, header.locate)) {
      out.add(f)
      read.rejected.add(row)
    }
  }
  // household_dropped: one warning per household still at risk on the earlier roster and absent here.
  if (unseen) {
    for (const id of [...unseen.ids].sort()) {
      out.add(finding({
        code: 'household_dropped', column: 'household_id', value: id,
        detail: { zh: `该户在 ${unseen.period} 名册上风险未消除`, en: `the household was at risk on the ${unseen.period} roster` },
      }))
    }
  }
  // Roster against report, whichever arrives second, only when both are accepted.
  if (out.errors === 0 && ctx.counterpart && (dataset === 'village_report' || dataset === 'monitored_households')) {
    const other = await ctx.counterpart(dataset)
    if (other) for (const f of rosterFindings(dataset, read.roster, other, header.locate)) out.add(f)
  }
  return outcome(out, ctx, dataset, read, { total: read.total, rejected: read.rejected.size })
}

function outcome(out: FindingsCollector, ctx: ValidationContext, dataset: DatasetName | null, read?: RowsRead, rows = { total: 0, rejected: 0 }): ValidationOutcome {
  return {
    report: {
      dataset,
      county: ctx.county,
      period: ctx.period,
      status: out.errors > 0 ? 'rejected' : 'accepted',
      rows: { total: rows.total, accepted: rows.total - rows.rejected, rejected: rows.rejected },
      counts: out.countsObject(),
      findings: out.list(),
      truncated: out.truncated,
    },
    dataset,
    rosterFigures: read?.roster.figures ?? new Map<string, VillageRosterFigures>(),
    villages: read?.villages ?? new Set(),
  }
}

import { COUNTY_DATASETS } from '../../schemas/datasets.ts'
import type { DatasetName, Finding } from '../../schemas/findings.ts'
import type { UploadLimits } from '../../schemas/settings.ts'
import { curatedColumns } from '../core/curated-columns.ts'
import { decodeFile } from '../core/decode/decode-file.ts'
import type { ByteSource, DecodeResult, FileFormat } from '../core/decode/types.ts'
import { finding } from '../core/findings.ts'
import type { UploadPlace } from '../core/object-keys.ts'
import { toShanghaiIso } from '../core/period.ts'
import { validateFile, type CuratedRecord, type RecordSink, type ValidationContext, type ValidationOutcome } from '../core/validate/validate-file.ts'
import type { CellValue, PeriodLock, ScratchArea, TableWriter } from './ports.ts'
import { countyStateLoaders, loadRegistry, type StateDeps } from './upload-state.ts'

/** What the check of one file needs: the limits, and the state of earlier uploads when there is one. */
export interface CheckDeps {
  limits: UploadLimits
  /** Earlier uploads, locks and the registry; `va validate` without local state has none. */
  state?: StateDeps
}

export interface CheckInput {
  place: UploadPlace
  fileName: string
  source: ByteSource
  receivedAt: Date
  submissionId: string
  /** Keyed HMAC of a resident ID number (head_id_hash). */
  hashId: (value: string) => string
  /** The dataset, when the caller names it (`va validate --dataset`). */
  dataset?: DatasetName
  /** Where the accepted rows are staged as Parquet; without it they are checked and dropped. */
  staging?: ScratchArea
}

export interface CheckResult {
  outcome: ValidationOutcome
  /** The staged Parquet files of an accepted upload, with the key suffix of each. */
  staged: { path: string; suffix: string }[]
  format?: FileFormat
}

/**
 * Only uploads received after publication are refused: a late-delivered event or a replay of
 * an upload received before the lock is judged as it was then.
 */
export function lockApplies<L extends { locked: boolean; at: string }>(lock: L | undefined, receivedAt: Date): lock is L {
  return lock !== undefined && lock.locked && Date.parse(lock.at) <= receivedAt.getTime()
}

/** period_locked (validation.md), with the time in +08:00 like every other time a county sees. */
export function periodLockedFinding(period: string, lock: PeriodLock): Finding {
  const at = toShanghaiIso(new Date(lock.at))
  return finding({ code: 'period_locked', detail: { zh: `${period} 已于 ${at} 由 ${lock.by} 锁定`, en: `${period} was locked at ${at} by ${lock.by}` } })
}

/**
 * The check of one file, as the pipeline makes it and as `va validate` makes it before
 * uploading: the place and the period lock, then decoding within the limits, every rule, and
 * (when staging) the accepted rows streamed into Parquet one row group at a time.
 */
export async function checkUpload(deps: CheckDeps, input: CheckInput): Promise<CheckResult> {
  const preFindings: Finding[] = []
  const { place } = input
  if (place.kind === 'wrong') preFindings.push(finding({ code: 'wrong_place', detail: place.reason }))
  if (place.kind === 'county' && deps.state) {
    const lock = await deps.state.ledger.getLock(place.period)
    if (lockApplies(lock, input.receivedAt)) preFindings.push(periodLockedFinding(place.period, lock))
  }
  const ctx = validationContext(input, deps.limits, deps.state, preFindings)
  const sink = input.staging ? new StagingSink(input.staging) : undefined
  let outcome: ValidationOutcome
  let format: FileFormat | undefined
  try {
    // A file-level error found before reading (wrong place, locked quarter) is the whole answer.
    const decoded: DecodeResult = preFindings.length > 0
      ? { ok: false, problems: [] }
      : await decodeFile(input.source, { fileName: input.fileName, limits: { maxBytes: deps.limits.maxBytes } })
    if (decoded.ok) format = decoded.file.format
    outcome = await validateFile(decoded, ctx, sink, { fileBytes: input.source.size })
  } catch (error) {
    sink?.abandon()
    throw error
  }
  const accepted = outcome.report.status === 'accepted' && outcome.dataset !== undefined
  const staged = sink && accepted ? sink.finish(outcome.dataset!) : (sink?.abandon(), [])
  return format === undefined ? { outcome, staged } : { outcome, staged, format }
}

/** What the validator needs to know: the place, the time, the limits, the state of earlier uploads. */
export function validationContext(
  input: Pick<CheckInput, 'place' | 'receivedAt' | 'submissionId' | 'hashId' | 'dataset'>,
  limits: UploadLimits,
  state?: StateDeps,
  preFindings: Finding[] = [],
): ValidationContext {
  const { place } = input
  const ctx: ValidationContext = {
    county: place.kind === 'county' ? place.county : null,
    period: place.kind === 'county' ? place.period : null,
    candidates: place.kind === 'registry' ? ['org_units'] : COUNTY_DATASETS,
    receivedAt: input.receivedAt,
    deadlineDays: limits.deadlineDays,
    maxRows: limits.maxRows,
    hashId: input.hashId,
    submissionId: input.submissionId,
    preFindings,
  }
  if (place.kind === 'registry') ctx.dataset = 'org_units'
  else if (input.dataset) ctx.dataset = input.dataset
  if (state && place.kind === 'county') Object.assign(ctx, countyStateLoaders(state, place.county, place.period, place.quarter))
  if (state && place.kind === 'registry') ctx.registry = () => loadRegistry(state)
  return ctx
}

/**
 * Where valid rows go while a file is read: a Parquet file for the county datasets (one row
 * group in memory at a time); the registry is small and is split by province at the end.
 */
class StagingSink implements RecordSink {
  private parquet?: TableWriter
  private registryRows: CuratedRecord[] = []

  constructor(private readonly area: ScratchArea) {}

  write(record: CuratedRecord): void {
    if ('code' in record && 'level' in record) {
      this.registryRows.push(record)
      return
    }
    this.writer('household_id' in record ? 'monitored_households' : 'village_report').write(record)
  }

  writeRow(dataset: DatasetName, values: readonly CellValue[]): void {
    if (dataset === 'org_units') {
      const record: CuratedRecord = {}
      curatedColumns(dataset).forEach((c, i) => (record[c.name] = values[i] ?? null))
      this.registryRows.push(record)
      return
    }
    this.writer(dataset).writeValues(values)
  }

  private writer(dataset: 'monitored_households' | 'village_report'): TableWriter {
    this.parquet ??= this.area.table('staged', curatedColumns(dataset))
    return this.parquet
  }

  restart(): void {
    this.parquet?.restart()
    this.registryRows = []
  }

  /** A rejected file: its partial Parquet is closed (the scratch area is removed by the caller). */
  abandon(): void {
    this.parquet?.abandon()
  }

  finish(dataset: DatasetName): { path: string; suffix: string }[] {
    if (dataset !== 'org_units') {
      if (!this.parquet) return []
      this.parquet.finish()
      return [{ path: this.parquet.path, suffix: '' }]
    }
    const byProvince = new Map<string, CuratedRecord[]>()
    for (const r of this.registryRows) {
      const p = String(r['province_code'])
      byProvince.set(p, [...(byProvince.get(p) ?? []), r])
    }
    return [...byProvince.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([province, rows]) => {
      const w = this.area.table(`staged-${province}`, curatedColumns('org_units'))
      for (const r of rows) w.write(r)
      w.finish()
      return { path: w.path, suffix: `-${province}` }
    })
  }
}

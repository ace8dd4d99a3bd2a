import type { DatasetName, Finding } from '../../schemas/findings.ts'
import type { UploadLimits } from '../../schemas/settings.ts'
import { curatedColumns, type CuratedColumn } from '../core/curated-columns.ts'
import type { ByteCodecs } from '../core/decode/byte-codecs.ts'
import type { FileFormat } from '../core/decode/types.ts'
import { finding } from '../core/findings.ts'
import type { UploadPlace } from '../core/object-keys.ts'
import { toShanghaiIso } from '../core/period.ts'
import { checkSource, validationContext as coreValidationContext, type SourceCheck, type StateLoaders } from '../core/validate/check-source.ts'
import type { CuratedRecord, RecordSink, ValidationContext, ValidationOutcome } from '../core/validate/validate-file.ts'
import type { CellValue, PeriodLock, ScratchArea, StagedTableWriter, TableWriter } from './ports.ts'
import { countyStateLoaders, loadRegistry, type StateDeps } from './upload-state.ts'

/** What the check of one file needs: the limits, and the state of earlier uploads when there is one. */
export interface CheckDeps {
  limits: UploadLimits
  /** The runtime's inflate, CRC-32 and UTF-8 check (adapters/node-byte-codecs.ts). */
  codecs: ByteCodecs
  /** Earlier uploads, locks and the registry; `va validate` without local state has none. */
  state?: StateDeps
}

/** One file to check: the fields of core's SourceCheck that come from the upload, and where to stage. */
export type CheckInput = Pick<SourceCheck, 'place' | 'fileName' | 'source' | 'receivedAt' | 'submissionId' | 'hashId' | 'dataset'> & {
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
 * uploading: the place and the period lock, then the pure check of the bytes
 * (core/validate/check-source.ts, which the portal runs in the browser too) with the state of
 * earlier uploads, and (when staging) the accepted rows streamed into Parquet one row group
 * at a time.
 */
export async function checkUpload(deps: CheckDeps, input: CheckInput): Promise<CheckResult> {
  const preFindings: Finding[] = []
  const { place } = input
  if (place.kind === 'wrong') preFindings.push(finding({ code: 'wrong_place', detail: place.reason }))
  if (place.kind === 'targets' && place.scope !== undefined && !/^(\d{2}|\d{4})$/.test(place.scope)) {
    preFindings.push(finding({ code: 'wrong_place', detail: { zh: `上传范围「${place.scope}」应为 2 位省代码或 4 位市代码`, en: `the upload's scope "${place.scope}" must be a 2-digit province or a 4-digit city` } }))
  }
  if (place.kind === 'county' && deps.state) {
    const lock = await deps.state.ledger.getLock(place.period)
    if (lockApplies(lock, input.receivedAt)) preFindings.push(periodLockedFinding(place.period, lock))
  }
  const sink = input.staging ? new StagingSink(input.staging) : undefined
  let checked: Awaited<ReturnType<typeof checkSource>>
  try {
    checked = await checkSource({ ...input, limits: deps.limits, codecs: deps.codecs, preFindings, loaders: stateLoaders(input.place, deps.state) }, sink)
  } catch (error) {
    await sink?.abandon()
    throw error
  }
  const { outcome, format } = checked
  const accepted = outcome.report.status === 'accepted' && outcome.dataset !== undefined
  const staged = sink && accepted ? await sink.finish(outcome.dataset!) : (await sink?.abandon(), [])
  return format === undefined ? { outcome, staged } : { outcome, staged, format }
}

function stateLoaders(place: UploadPlace, state: StateDeps | undefined): StateLoaders {
  if (state && place.kind === 'county') return countyStateLoaders(state, place.county, place.period, place.quarter)
  if (state && place.kind === 'registry') return { registry: () => loadRegistry(state) }
  return {}
}

/** What the validator needs to know: the place, the time, the limits, the state of earlier uploads. */
export function validationContext(
  input: Pick<CheckInput, 'place' | 'receivedAt' | 'submissionId' | 'hashId' | 'dataset'>,
  limits: UploadLimits,
  state?: StateDeps,
  preFindings: Finding[] = [],
): ValidationContext {
  return coreValidationContext(input, limits, preFindings, stateLoaders(input.place, state))
}

/** A Parquet file of the scratch area written in the check's own thread, as a staged table. */
function inThread(table: TableWriter): StagedTableWriter {
  return {
    path: table.path,
    writeValues: (values) => table.writeValues(values),
    restart: async () => table.restart(),
    abandon: async () => table.abandon(),
    finish: async () => table.finish(),
  }
}

/**
 * Where valid rows go while a file is read: a Parquet file for the county datasets (one row
 * group in memory at a time; the area's `stagedTable` when it has one); the registry is small
 * and is split by province at the end.
 */
class StagingSink implements RecordSink {
  private parquet?: StagedTableWriter
  /** The staged table's columns, listed once (a record is written in their order). */
  private columns: readonly CuratedColumn[] = []
  /** The rows of a registry or targets file (both small), split into parts at the end. */
  private registryRows: CuratedRecord[] = []

  constructor(private readonly area: ScratchArea) {}

  write(record: CuratedRecord): void | Promise<void> {
    if ('code' in record && 'level' in record) {
      this.registryRows.push(record)
      return
    }
    const table = this.writer('household_id' in record ? 'monitored_households' : 'village_report')
    return table.writeValues(this.columns.map((c) => record[c.name] ?? null))
  }

  writeRow(dataset: DatasetName, values: readonly CellValue[]): void | Promise<void> {
    if (dataset === 'org_units' || dataset === 'targets') {
      const record: CuratedRecord = {}
      curatedColumns(dataset).forEach((c, i) => (record[c.name] = values[i] ?? null))
      this.registryRows.push(record)
      return
    }
    return this.writer(dataset).writeValues(values)
  }

  private writer(dataset: 'monitored_households' | 'village_report'): StagedTableWriter {
    if (this.parquet) return this.parquet
    this.columns = curatedColumns(dataset)
    this.parquet = this.area.stagedTable?.('staged', this.columns) ?? inThread(this.area.table('staged', this.columns))
    return this.parquet
  }

  async restart(): Promise<void> {
    await this.parquet?.restart()
    this.registryRows = []
  }

  /** A rejected file: its partial Parquet is closed (the scratch area is removed by the caller). */
  async abandon(): Promise<void> {
    await this.parquet?.abandon()
  }

  async finish(dataset: DatasetName): Promise<{ path: string; suffix: string }[]> {
    if (dataset === 'targets') return this.split(dataset, (r) => `${String(r['year'])}-${String(r['scope'])}`)
    if (dataset !== 'org_units') {
      if (!this.parquet) return []
      await this.parquet.finish()
      return [{ path: this.parquet.path, suffix: '' }]
    }
    return this.split(dataset, (r) => String(r['province_code']))
  }

  /** The registry by province, targets by year and scope: one staged file for each (curatedKeyOf). */
  private split(dataset: 'org_units' | 'targets', partOf: (r: CuratedRecord) => string): { path: string; suffix: string }[] {
    const byPart = new Map<string, CuratedRecord[]>()
    for (const r of this.registryRows) {
      const p = partOf(r)
      byPart.set(p, [...(byPart.get(p) ?? []), r])
    }
    return [...byPart.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([part, rows]) => {
      const w = this.area.table(`staged-${part}`, curatedColumns(dataset))
      for (const r of rows) w.write(r)
      w.finish()
      return { path: w.path, suffix: `-${part}` }
    })
  }
}

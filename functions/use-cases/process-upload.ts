import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { COUNTY_DATASETS } from '../../schemas/datasets.ts'
import type { DatasetName, Finding, ValidationReport } from '../../schemas/findings.ts'
import { curatedColumns } from '../core/curated-columns.ts'
import { fileByteSource } from '../core/decode/byte-source.ts'
import { decodeFile } from '../core/decode/decode-file.ts'
import type { DecodeResult, FileFormat } from '../core/decode/types.ts'
import { finding } from '../core/findings.ts'
import { lakeKeys, orderKey, parseUploadKey, submissionId, type UploadPlace } from '../core/object-keys.ts'
import { parsePeriod, toShanghaiIso, type Quarter } from '../core/period.ts'
import { reportToCsv } from '../core/report-csv.ts'
import { previousQuartersFrom, QQ_COLUMNS, type PreviousQuarters } from '../core/validate/quarter-checks.ts'
import { addHousehold, ROSTER_FIGURES, zeroFigures, type VillageRosterFigures } from '../core/validate/roster-check.ts'
import { hmacSha256Hex } from '../adapters/node-id-hash.ts'
import { validateFile, type CuratedRecord, type RecordSink, type RegistryView, type ValidationContext, type ValidationOutcome } from '../core/validate/validate-file.ts'
import { ParquetFileWriter } from '../adapters/parquet-file-writer.ts'
import { readParquetRows } from '../adapters/parquet-read.ts'
import type { SubmissionLedger, SubmissionRecord } from './ledger.ts'
import type { ObjectStore } from './ports.ts'

export interface UploadLimits {
  maxBytes: number
  maxRows: number
  deadlineDays: number
}

export interface Verdict {
  submission: SubmissionRecord
  report: ValidationReport
}

export interface UploadDeps {
  store: ObjectStore
  ledger: SubmissionLedger
  buckets: { ingest: string; lake: string }
  /** The HMAC key for head_id_hash (Secrets Manager on AWS, a key file locally). */
  idHashKey: () => Promise<Uint8Array>
  limits: UploadLimits
  tmpDir: string
  /** Tells the county its verdict (SNS on AWS, the outbox locally). */
  notify?: (verdict: Verdict) => Promise<void>
}

/**
 * Only uploads received after publication are refused: a late-delivered event or a replay of
 * an upload received before the lock is judged as it was then.
 */
export function lockApplies<L extends { locked: boolean; at: string }>(lock: L | undefined, receivedAt: Date): lock is L {
  return lock !== undefined && lock.locked && Date.parse(lock.at) <= receivedAt.getTime()
}

/** What reading earlier uploads needs. */
export type StateDeps = Pick<UploadDeps, 'store' | 'ledger' | 'buckets'>

/** An object-created event, as S3 (or the emulator) reports it. */
export interface UploadEvent {
  bucket: string
  /** The key, already URL-decoded. */
  key: string
  versionId?: string
  sequencer: string
  /** When S3 received the object. */
  eventTime: Date
  principal?: string
  /** Where to read the bytes when not at bucket/key: a replay reads the raw copy. */
  source?: { bucket: string; key: string }
}

/** The metadata kept on each raw copy: enough to replay the upload without the ledger. */
export const RAW_METADATA = {
  bucket: 'va-bucket', key: 'va-key', versionId: 'va-version-id', sequencer: 'va-sequencer',
  receivedAt: 'va-received-at', principal: 'va-principal', sha256: 'va-sha256',
} as const

/** Where the ledger files an upload: its county and quarter, or the registry. */
function ledgerPlace(place: UploadPlace): { county: string; period: string } {
  if (place.kind === 'county') return { county: place.county, period: place.period }
  if (place.kind === 'registry') return { county: 'registry', period: 'registry' }
  return { county: 'unplaced', period: 'unplaced' }
}

/**
 * One upload from event to verdict: keep the raw bytes, check them, stage the normalised
 * Parquet, write the report, record the submission and, when accepted and latest, make it
 * current. Every step is idempotent, so a redelivered event converges on the same state.
 */
export async function processUpload(deps: UploadDeps, event: UploadEvent): Promise<Verdict> {
  const place = parseUploadKey(event.key)
  const { county, period } = ledgerPlace(place)
  const id = submissionId(event.eventTime, event.bucket, event.key, event.versionId ?? event.sequencer)

  const known = await deps.ledger.get(county, period, id)
  if (known) {
    // A second delivery of the same object version: finish what the first may have left undone.
    if (known.status !== 'rejected') await finishAccepted(deps, known)
    const report = await readReport(deps, known)
    return { submission: (await deps.ledger.get(county, period, id)) ?? known, report }
  }

  const work = await mkdtemp(join(deps.tmpDir, 'va-upload-'))
  try {
    const from = event.source ?? { bucket: event.bucket, key: event.key }
    const object = await deps.store.get(from.bucket, from.key, event.source ? undefined : event.versionId)
    if (!object) throw new Error(`The uploaded object s3://${from.bucket}/${from.key} is gone`)
    const rawPath = join(work, 'raw')
    const sha256 = await download(object.body, rawPath)
    const fileName = place.kind === 'wrong' ? event.key.split('/').pop() ?? 'file' : place.fileName
    // A write-once copy of every upload, with what a replay needs to redo it (S3 versioning
    // alone is not enough: the local emulator has none).
    const rawKey = lakeKeys.raw(county, period, id, fileName)
    await deps.store.putFile(deps.buckets.lake, rawKey, rawPath, {
      ifNoneMatch: true,
      metadata: {
        [RAW_METADATA.bucket]: event.bucket, [RAW_METADATA.key]: event.key, [RAW_METADATA.versionId]: event.versionId ?? '',
        [RAW_METADATA.sequencer]: event.sequencer, [RAW_METADATA.receivedAt]: event.eventTime.toISOString(),
        [RAW_METADATA.principal]: event.principal ?? '', [RAW_METADATA.sha256]: sha256,
      },
    })

    const preFindings: Finding[] = []
    if (place.kind === 'wrong') preFindings.push(finding({ code: 'wrong_place', detail: place.reason }))
    if (place.kind === 'county') {
      const lock = await deps.ledger.getLock(place.period)
      // Only uploads received after publication are refused: a late-delivered event or a replay
      // of an upload received before the lock is judged as it was then.
      if (lockApplies(lock, event.eventTime)) {
        preFindings.push(finding({ code: 'period_locked', detail: { zh: `${place.period} 已于 ${lock.at} 由 ${lock.by} 锁定`, en: `${place.period} was locked at ${lock.at} by ${lock.by}` } }))
      }
    }

    const ctx = buildContext(deps, place, {
      receivedAt: event.eventTime,
      submissionId: id,
      preFindings,
      idHashKey: await deps.idHashKey(),
    })

    const { outcome, staged, format } = await checkAndStage(rawPath, join(work, 'staged'), ctx, { fileName, maxBytes: deps.limits.maxBytes, read: preFindings.length === 0 })
    const { report } = outcome
    const dataset: DatasetName | 'unknown' = outcome.dataset ?? 'unknown'

    const stagedKeys: string[] = []
    if (report.status === 'accepted' && outcome.dataset) {
      for (const part of staged) {
        const stagedKey = lakeKeys.staged(outcome.dataset, county, period, id, part.suffix)
        await deps.store.putFile(deps.buckets.lake, stagedKey, part.path)
        stagedKeys.push(stagedKey)
      }
    }

    const reportKey = lakeKeys.report(county, period, id, 'json')
    await deps.store.put(deps.buckets.lake, reportKey, JSON.stringify(report, null, 2), { contentType: 'application/json; charset=utf-8' })
    await deps.store.put(deps.buckets.lake, lakeKeys.report(county, period, id, 'csv'), reportToCsv(report), { contentType: 'text/csv; charset=utf-8' })
    // A rejected workbook comes back annotated: its offending cells marked, a findings sheet first.
    if (report.status === 'rejected' && format === 'xlsx') {
      // Loaded only here: the workbook library is most of the function's code and most uploads never need it.
      const { annotateWorkbook } = await import('../core/workbook/annotate-workbook.ts')
      const annotated = await annotateWorkbook(await readFile(rawPath), report)
      if (annotated) await deps.store.put(deps.buckets.lake, lakeKeys.report(county, period, id, 'xlsx'), annotated, { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })
    }

    const submission: SubmissionRecord = {
      submission_id: id, county, period, dataset,
      status: report.status,
      received_at: toShanghaiIso(event.eventTime),
      order_key: orderKey(event.eventTime, event.sequencer),
      object_key: event.key,
      version_id: event.versionId ?? '',
      sequencer: event.sequencer,
      uploaded_by: event.principal ?? '',
      size: object.size,
      sha256,
      rows: report.rows,
      counts: report.counts,
      report_key: reportKey,
      raw_key: rawKey,
      staged_keys: stagedKeys,
    }
    await deps.ledger.record(submission)
    if (submission.status === 'accepted') await finishAccepted(deps, submission)
    const final = (await deps.ledger.get(county, period, id)) ?? submission
    const verdict = { submission: final, report }
    await deps.notify?.(verdict)
    return verdict
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/**
 * The check of one downloaded file: decode, validate every rule, and stream the accepted rows
 * into the staged Parquet (one row group in memory at a time). Returns the outcome and, when
 * the file is accepted, the staged parts. `read: false` (a file-level error found before
 * reading) checks nothing but the context's findings.
 */
export async function checkAndStage(
  rawPath: string,
  stagedPath: string,
  ctx: ValidationContext,
  opts: { fileName: string; maxBytes: number; read?: boolean },
): Promise<{ outcome: ValidationOutcome; staged: { path: string; suffix: string }[]; format?: FileFormat }> {
  const source = await fileByteSource(rawPath)
  const sink = new StagingSink(stagedPath)
  let outcome: ValidationOutcome
  let format: FileFormat | undefined
  try {
    const decoded: DecodeResult = opts.read === false ? { ok: false, problems: [] } : await decodeFile(source, { fileName: opts.fileName, limits: { maxBytes: opts.maxBytes } })
    if (decoded.ok) format = decoded.file.format
    outcome = await validateFile(decoded, ctx, sink, { fileBytes: source.size })
  } catch (error) {
    sink.abandon()
    throw error
  } finally {
    await source.close?.()
  }
  const staged = outcome.report.status === 'accepted' && outcome.dataset ? sink.finish(outcome.dataset) : (sink.abandon(), [])
  return format === undefined ? { outcome, staged } : { outcome, staged, format }
}

/** What the checks of one file need to know: its place, the time, the state of earlier uploads. */
export function buildContext(
  deps: (StateDeps & { limits?: UploadLimits }) | undefined,
  place: UploadPlace,
  opts: { receivedAt: Date; submissionId: string; preFindings?: Finding[]; idHashKey: Uint8Array; dataset?: DatasetName; limits?: UploadLimits },
): ValidationContext {
  const limits = deps?.limits ?? opts.limits ?? { maxBytes: 200_000_000, maxRows: 2_000_000, deadlineDays: 10 }
  const ctx: ValidationContext = {
    county: place.kind === 'county' ? place.county : null,
    period: place.kind === 'county' ? place.period : null,
    candidates: place.kind === 'registry' ? ['org_units'] : COUNTY_DATASETS,
    receivedAt: opts.receivedAt,
    deadlineDays: limits.deadlineDays,
    maxRows: limits.maxRows,
    // HMAC-SHA256, hex (monitored_households.md); node-id-hash.ts says why not createHmac per call.
    hashId: hmacSha256Hex(opts.idHashKey),
    submissionId: opts.submissionId,
    preFindings: opts.preFindings ?? [],
  }
  if (place.kind === 'registry') ctx.dataset = 'org_units'
  else if (opts.dataset) ctx.dataset = opts.dataset
  if (deps && place.kind === 'county') Object.assign(ctx, contextLoaders(deps, place.county, place.period, place.quarter))
  if (deps && place.kind === 'registry') ctx.registry = () => loadRegistry(deps)
  return ctx
}

/**
 * Makes an accepted submission current unless a later one already is, copies its staged
 * Parquet to the curated key, and re-checks: if another upload became current meanwhile, its
 * data is copied again, so the curated object always ends as the current submission's.
 */
async function finishAccepted(deps: UploadDeps, sub: SubmissionRecord): Promise<void> {
  if (sub.dataset === 'unknown') return
  const claim = await deps.ledger.claimCurrent(sub)
  if (!claim.current) {
    await deps.ledger.markSuperseded(sub.county, sub.period, sub.submission_id)
    return
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const pointer = await deps.ledger.current(sub.county, sub.period, sub.dataset)
    if (!pointer) return
    for (const staged of pointer.staged_keys) await deps.store.copy(deps.buckets.lake, staged, curatedKeyOf(staged))
    const after = await deps.ledger.current(sub.county, sub.period, sub.dataset)
    if (after?.submission_id === pointer.submission_id) break
  }
  // Every other accepted upload of this dataset is now superseded. Looking at the partition
  // (not only at the one the claim replaced) also finishes what a crashed earlier try left.
  const { submissions, current } = await deps.ledger.list(sub.county, sub.period)
  for (const other of submissions) {
    if (other.dataset === sub.dataset && other.status === 'accepted' && other.submission_id !== current[sub.dataset]) {
      await deps.ledger.markSuperseded(sub.county, sub.period, other.submission_id)
    }
  }
}


/** `staging/<dataset>/<county>/<period>/<id>[-<province>].parquet` → its curated key. */
export function curatedKeyOf(stagedKey: string): string {
  const [, dataset, county, period, file] = stagedKey.split('/') as [string, string, string, string, string]
  if (dataset === 'org_units') return lakeKeys.registry(/-(\d{2})\.parquet$/.exec(file)![1]!)
  return lakeKeys.curated(dataset, parsePeriod(period)!, county)
}

async function readReport(deps: UploadDeps, sub: SubmissionRecord): Promise<ValidationReport> {
  const bytes = await deps.store.getBytes(deps.buckets.lake, sub.report_key)
  if (!bytes) throw new Error(`The report ${sub.report_key} of submission ${sub.submission_id} is missing`)
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as ValidationReport
}

async function download(body: AsyncIterable<Uint8Array>, path: string): Promise<string> {
  const hash = createHash('sha256')
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      done(null, chunk)
    },
  })
  await pipeline(body, tap, createWriteStream(path))
  return hash.digest('hex')
}

/**
 * Where valid rows go while a file is read: a Parquet file for the county datasets (one row
 * group in memory at a time); the registry is small and is split by province at the end.
 */
class StagingSink implements RecordSink {
  private parquet?: ParquetFileWriter
  private registryRows: CuratedRecord[] = []

  constructor(private readonly path: string) {}

  write(record: CuratedRecord): void {
    if ('code' in record && 'level' in record) {
      this.registryRows.push(record)
      return
    }
    this.writer('household_id' in record ? 'monitored_households' : 'village_report').write(record)
  }

  writeRow(dataset: DatasetName, values: readonly (string | number | boolean | null)[]): void {
    if (dataset === 'org_units') {
      const record: CuratedRecord = {}
      curatedColumns(dataset).forEach((c, i) => (record[c.name] = values[i] ?? null))
      this.registryRows.push(record)
      return
    }
    this.writer(dataset).writeValues(values)
  }

  private writer(dataset: 'monitored_households' | 'village_report'): ParquetFileWriter {
    this.parquet ??= new ParquetFileWriter(this.path, curatedColumns(dataset))
    return this.parquet
  }

  restart(): void {
    this.parquet?.restart()
    this.registryRows = []
  }

  /** A rejected file: its partial Parquet is closed (the work folder is removed by the caller). */
  abandon(): void {
    this.parquet?.abandon()
  }

  finish(dataset: DatasetName): { path: string; suffix: string }[] {
    if (dataset !== 'org_units') {
      if (!this.parquet) return []
      this.parquet.finish()
      return [{ path: this.path, suffix: '' }]
    }
    const byProvince = new Map<string, CuratedRecord[]>()
    for (const r of this.registryRows) {
      const p = String(r['province_code'])
      byProvince.set(p, [...(byProvince.get(p) ?? []), r])
    }
    return [...byProvince.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([province, rows]) => {
      const w = new ParquetFileWriter(`${this.path}-${province}`, curatedColumns('org_units'))
      for (const r of rows) w.write(r)
      w.finish()
      return { path: w.path, suffix: `-${province}` }
    })
  }
}

/** Loaders for what the checks need from earlier uploads of the same county. */
function contextLoaders(deps: StateDeps, county: string, period: string, quarter: Quarter): Pick<ValidationContext, 'previous' | 'counterpart' | 'registry'> {
  return {
    previous: () => loadPrevious(deps, county, quarter),
    registry: () => loadRegistry(deps, county.slice(0, 2)),
    counterpart: (dataset) => loadCounterpart(deps, county, period, dataset),
  }
}

async function loadPrevious(deps: StateDeps, county: string, quarter: Quarter): Promise<PreviousQuarters> {
  const periods = await deps.ledger.currentPeriods(county, 'village_report')
  const rows: { village: string; period: Quarter; values: Record<string, number> }[] = []
  for (const { period, pointer } of periods) {
    const q = parsePeriod(period)
    if (!q || q.year * 4 + q.quarter >= quarter.year * 4 + quarter.quarter) continue
    for (const staged of pointer.staged_keys) {
      const bytes = await deps.store.getBytes(deps.buckets.lake, staged)
      if (!bytes) continue
      for (const r of await readParquetRows(bytes, ['village_code', ...QQ_COLUMNS])) {
        const values: Record<string, number> = {}
        for (const c of QQ_COLUMNS) if (typeof r[c] === 'number') values[c] = r[c] as number
        rows.push({ village: String(r['village_code']), period: q, values })
      }
    }
  }
  return previousQuartersFrom(rows, quarter)
}

/** Per-village roster figures of the other dataset's current upload, if accepted. */
export async function loadCounterpart(deps: StateDeps, county: string, period: string, dataset: DatasetName): Promise<Map<string, VillageRosterFigures> | undefined> {
  const other = dataset === 'village_report' ? 'monitored_households' : 'village_report'
  const pointer = await deps.ledger.current(county, period, other)
  const staged = pointer?.staged_keys[0]
  if (!staged) return undefined
  const bytes = await deps.store.getBytes(deps.buckets.lake, staged)
  if (!bytes) return undefined
  const figures = new Map<string, VillageRosterFigures>()
  if (other === 'monitored_households') {
    for (const r of await readParquetRows(bytes, ['village_code', 'category', 'household_size', 'risk_eliminated'])) {
      const v = String(r['village_code'])
      let f = figures.get(v)
      if (!f) figures.set(v, (f = zeroFigures()))
      addHousehold(f, String(r['category']), Number(r['household_size'] ?? 0), r['risk_eliminated'] === true)
    }
  } else {
    for (const r of await readParquetRows(bytes, ['village_code', ...ROSTER_FIGURES])) {
      const f = zeroFigures()
      for (const k of ROSTER_FIGURES) f[k] = Number(r[k] ?? 0)
      figures.set(String(r['village_code']), f)
    }
  }
  return figures
}

/** The registry, when one was uploaded: for a county, its province's file; else all of them. */
export async function loadRegistry(deps: StateDeps, province?: string): Promise<RegistryView | undefined> {
  const keys = province ? [lakeKeys.registry(province)] : (await deps.store.list(deps.buckets.lake, 'curated/org_units/')).map((o) => o.key)
  const provinces = new Set<string>()
  const active = new Set<string>()
  const all = new Set<string>()
  for (const key of keys) {
    const bytes = await deps.store.getBytes(deps.buckets.lake, key)
    if (!bytes) continue
    for (const r of await readParquetRows(bytes, ['code', 'level', 'active', 'province_code'])) {
      provinces.add(String(r['province_code']))
      all.add(String(r['code']))
      if (r['level'] === 'village' && r['active'] !== false) active.add(String(r['code']))
    }
  }
  if (provinces.size === 0) return undefined
  return { coversProvince: (p) => provinces.has(p), isActiveVillage: (c) => active.has(c), has: (c) => all.has(c) }
}

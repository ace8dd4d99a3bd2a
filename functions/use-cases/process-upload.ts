import type { DatasetName, ValidationReport } from '../../schemas/findings.ts'
import type { ByteCodecs } from '../core/decode/byte-codecs.ts'
import type { UploadLimits } from '../../schemas/settings.ts'
import { StorageError } from '../core/errors.ts'
import { lakeKeys, orderKey, parseUploadKey, submissionId, type UploadPlace } from '../core/object-keys.ts'
import { SCOPE_METADATA } from '../core/upload-place.ts'
import { parsePeriod, toShanghaiIso } from '../core/period.ts'
import { reportToCsv } from '../core/report-csv.ts'
import { checkUpload } from './check-upload.ts'
import type { ObjectStore, Scratch, ScratchArea, SubmissionLedger, SubmissionRecord, TableReader } from './ports.ts'

export interface Verdict {
  submission: SubmissionRecord
  report: ValidationReport
}

export interface UploadDeps {
  store: ObjectStore
  ledger: SubmissionLedger
  buckets: { ingest: string; lake: string }
  /** The keyed hash of resident ID numbers (HMAC-SHA256 with the key from Secrets Manager, or the local key file). */
  idHasher: () => Promise<(value: string) => string>
  limits: UploadLimits
  /** The runtime's inflate, CRC-32 and UTF-8 check. */
  codecs: ByteCodecs
  scratch: Scratch
  readTable: TableReader
  /** Tells the county its verdict (SNS on AWS, the outbox locally). */
  notify?: (verdict: Verdict) => Promise<void>
}

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
  receivedAt: 'va-received-at', principal: 'va-principal', sha256: 'va-sha256', scope: 'va-scope',
} as const

/** Where the ledger files an upload: its county and quarter, or the registry. */
export function ledgerPlace(place: UploadPlace): { county: string; period: string } {
  if (place.kind === 'county') return { county: place.county, period: place.period }
  if (place.kind === 'registry') return { county: 'registry', period: 'registry' }
  if (place.kind === 'targets') return { county: 'targets', period: 'targets' }
  return { county: 'unplaced', period: 'unplaced' }
}

/**
 * One upload from event to verdict: keep the raw bytes, check them, stage the normalised
 * Parquet, write the report, record the submission and, when accepted and latest, make it
 * current, then tell the county. Every step is idempotent, so a redelivered event converges
 * on the same state, and a verdict not yet told is told on redelivery.
 */
export async function processUpload(deps: UploadDeps, event: UploadEvent): Promise<Verdict> {
  const place = parseUploadKey(event.key)
  const { county, period } = ledgerPlace(place)
  const id = submissionId(event.eventTime, event.bucket, event.key, event.versionId ?? event.sequencer)

  const known = (await deps.ledger.get(county, period, id)) ?? (await sameVersion(deps, county, period, event))
  if (known) return finishKnown(deps, known)

  const area = await deps.scratch.open('upload')
  try {
    const from = event.source ?? { bucket: event.bucket, key: event.key }
    const object = await deps.store.get(from.bucket, from.key, event.source ? undefined : event.versionId)
    if (!object) throw new StorageError(`The uploaded object s3://${from.bucket}/${from.key} is gone`)
    const { sha256 } = await area.save('raw', object.body)
    const fileName = place.kind === 'wrong' ? event.key.split('/').pop() ?? 'file' : place.fileName
    const rawKey = lakeKeys.raw(county, period, id, fileName)
    const scope = place.kind === 'targets' ? uploadScope(object.metadata) : undefined
    await keepRawCopy(deps, area, rawKey, event, sha256, scope)

    const source = await area.source('raw')
    let checked: Awaited<ReturnType<typeof checkUpload>>
    try {
      checked = await checkUpload(
        { limits: deps.limits, codecs: deps.codecs, state: deps },
        { place: place.kind === 'targets' && scope !== undefined ? { ...place, scope } : place, fileName, source, receivedAt: event.eventTime, submissionId: id, hashId: await deps.idHasher(), staging: area },
      )
    } finally {
      await source.close?.()
    }
    const { report } = checked.outcome
    const dataset: DatasetName | 'unknown' = checked.outcome.dataset ?? 'unknown'

    const stagedKeys: string[] = []
    if (report.status === 'accepted' && checked.outcome.dataset) {
      for (const part of checked.staged) {
        const stagedKey = lakeKeys.staged(checked.outcome.dataset, county, period, id, part.suffix)
        await deps.store.putFile(deps.buckets.lake, stagedKey, part.path)
        stagedKeys.push(stagedKey)
      }
    }
    const reportKey = await writeReports(deps, area, { county, period, id }, report, checked.format)

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
      ...(object.etag ? { etag: object.etag } : {}),
    }
    await deps.ledger.record(submission)
    if (submission.status === 'accepted') await finishAccepted(deps, submission)
    return await tell(deps, (await deps.ledger.get(county, period, id)) ?? submission, report)
  } finally {
    await area.dispose()
  }
}

/**
 * The submission of the same object version under another id: reconciliation resends an
 * upload with the time S3 stored it, and its own event, if late, carries the time S3 sent it.
 * One version is one submission (interfaces.md), whichever came first.
 */
async function sameVersion(deps: UploadDeps, county: string, period: string, event: UploadEvent): Promise<SubmissionRecord | undefined> {
  if (!event.versionId || event.source) return undefined
  const { submissions } = await deps.ledger.list(county, period)
  return submissions.find((s) => s.object_key === event.key && s.version_id === event.versionId)
}

/** The verdict recorded for an upload event (the submission and its report), once it was processed. */
export async function recordedVerdict(deps: Pick<UploadDeps, 'store' | 'ledger' | 'buckets'>, event: UploadEvent): Promise<Verdict> {
  const { county, period } = ledgerPlace(parseUploadKey(event.key))
  const id = submissionId(event.eventTime, event.bucket, event.key, event.versionId ?? event.sequencer)
  const submission = await deps.ledger.get(county, period, id)
  if (!submission) throw new StorageError(`No submission is recorded for ${event.key} (${id})`)
  return { submission, report: await readReport(deps, submission) }
}

/**
 * A second delivery of an upload already recorded: finish what the first may have left
 * undone (current pointer, curated copy) and tell the county if it was not told.
 */
async function finishKnown(deps: UploadDeps, known: SubmissionRecord): Promise<Verdict> {
  if (known.status !== 'rejected') await finishAccepted(deps, known)
  const report = await readReport(deps, known)
  const latest = (await deps.ledger.get(known.county, known.period, known.submission_id)) ?? known
  return latest.notified === true ? { submission: latest, report } : tell(deps, latest, report)
}

/** Tells the county and remembers it was told: a failure here is retried by redelivery. */
async function tell(deps: UploadDeps, submission: SubmissionRecord, report: ValidationReport): Promise<Verdict> {
  if (!deps.notify) return { submission, report }
  await deps.notify({ submission, report })
  await deps.ledger.markNotified(submission.county, submission.period, submission.submission_id)
  return { submission: { ...submission, notified: true }, report }
}

/**
 * A write-once copy of every upload, with what a replay needs to redo it (S3 versioning alone
 * is not enough: the local emulator has none).
 */
async function keepRawCopy(deps: UploadDeps, area: ScratchArea, rawKey: string, event: UploadEvent, sha256: string, scope: string | undefined): Promise<void> {
  await deps.store.putFile(deps.buckets.lake, rawKey, area.path('raw'), {
    ifNoneMatch: true,
    metadata: {
      [RAW_METADATA.bucket]: event.bucket, [RAW_METADATA.key]: event.key, [RAW_METADATA.versionId]: event.versionId ?? '',
      [RAW_METADATA.sequencer]: event.sequencer, [RAW_METADATA.receivedAt]: event.eventTime.toISOString(),
      [RAW_METADATA.principal]: event.principal ?? '', [RAW_METADATA.sha256]: sha256,
      ...(scope === undefined ? {} : { [RAW_METADATA.scope]: scope }),
    },
  })
}

/** The report as JSON and CSV, and a rejected workbook handed back annotated; returns the JSON's key. */
async function writeReports(deps: UploadDeps, area: ScratchArea, at: { county: string; period: string; id: string }, report: ValidationReport, format: string | undefined): Promise<string> {
  const reportKey = lakeKeys.report(at.county, at.period, at.id, 'json')
  await deps.store.put(deps.buckets.lake, reportKey, JSON.stringify(report, null, 2), { contentType: 'application/json; charset=utf-8' })
  await deps.store.put(deps.buckets.lake, lakeKeys.report(at.county, at.period, at.id, 'csv'), reportToCsv(report), { contentType: 'text/csv; charset=utf-8' })
  // A workbook with a resident ID number where none belongs is not copied back, even masked:
  // only the write-once raw copy keeps it (validation.md, id_number_misplaced).
  if (report.status === 'rejected' && format === 'xlsx' && report.counts['id_number_misplaced'] === undefined) {
    // Loaded only here: the workbook library is most of the function's code and most uploads never need it.
    const { annotateWorkbook } = await import('../core/workbook/annotate-workbook.ts')
    const annotated = await annotateWorkbook(await area.readAll('raw'), report, { codecs: deps.codecs })
    if (annotated) await deps.store.put(deps.buckets.lake, lakeKeys.report(at.county, at.period, at.id, 'xlsx'), annotated, { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })
  }
  return reportKey
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

/**
 * A targets upload's scope: the `scope` metadata of the upload (set by `va upload --targets` and
 * fixed by the portal's upload slot), or the `va-scope` of its raw copy when replayed.
 */
function uploadScope(metadata: Record<string, string> | undefined): string | undefined {
  const value = metadata?.[SCOPE_METADATA] ?? metadata?.[RAW_METADATA.scope]
  return value === undefined || value === '' ? undefined : value
}

/** `staging/<dataset>/<county>/<period>/<id>[-<province>|-<year>-<scope>].parquet` → its curated key. */
export function curatedKeyOf(stagedKey: string): string {
  const [, dataset, county, period, file] = stagedKey.split('/') as [string, string, string, string, string]
  if (dataset === 'org_units') return lakeKeys.registry(/-(\d{2})\.parquet$/.exec(file)![1]!)
  if (dataset === 'targets') {
    const [, year, scope] = /-(\d{4})-(\d{2}|\d{4})\.parquet$/.exec(file)!
    return lakeKeys.targets(Number(year), scope!)
  }
  return lakeKeys.curated(dataset, parsePeriod(period)!, county)
}

async function readReport(deps: Pick<UploadDeps, 'store' | 'buckets'>, sub: SubmissionRecord): Promise<ValidationReport> {
  const bytes = await deps.store.getBytes(deps.buckets.lake, sub.report_key)
  if (!bytes) throw new StorageError(`The report ${sub.report_key} of submission ${sub.submission_id} is missing`)
  return JSON.parse(new TextDecoder().decode(bytes)) as ValidationReport
}

import { curatedKeyOf, ledgerPlace, type UploadEvent, type Verdict } from './process-upload.ts'
import { parseUploadKey } from '../core/object-keys.ts'
import type { ListedObject, ObjectStore, SubmissionLedger, SubmissionRecord, TableReader } from './ports.ts'

/** The prefixes of the ingest bucket whose objects are uploads the pipeline answers. */
export const INGEST_PREFIXES = ['uploads/', 'registry/org_units/', 'registry/targets/'] as const

export interface ReconcileDeps {
  store: ObjectStore
  ledger: SubmissionLedger
  buckets: { ingest: string; lake: string }
  readTable: TableReader
  /** Sends one upload through the pipeline (the local queue, or the validate use case itself). */
  resend: (event: UploadEvent) => Promise<Verdict>
}

export interface ReconcileOptions {
  now: Date
  /**
   * Objects younger than this are left to their own event, which may still be on its way
   * (SQS retries on AWS). Zero locally: the owner reconciles before it serves any event.
   */
  graceMs: number
  /** Keys whose event is known to be waiting (the local queue's journal): not resent. */
  pending?: ReadonlySet<string>
  /** Also read every curated object (Parquet that does not parse is repaired). */
  deep?: boolean
  /** Stops resending after this instant (a Lambda's remaining time); the next run goes on. */
  deadline?: Date
}

export interface ReconcileResult {
  /** Ingest objects looked at. */
  objects: number
  /** Uploads that had no submission record and were sent through the pipeline. */
  resent: string[]
  /** Accepted, current submissions whose curated object was missing, short or unreadable. */
  repaired: string[]
  /** Curated objects that could not be repaired (their staged copy is gone too). */
  unrepairable: string[]
  /** Uploads whose resend failed (they stay for the next run); key and message. */
  failed: { key: string; error: string }[]
  /** True when the deadline stopped the run before every upload was resent. */
  incomplete: boolean
}

/**
 * Brings the ledger and the lake in line with the ingest bucket: every upload object without a
 * submission record goes through the pipeline again, and every current accepted submission
 * whose curated object is missing or damaged is finished again. Both are idempotent (the
 * submission id is a function of the upload), so running it twice, or after any crash,
 * converges on the same state.
 *
 * An object counts as recorded when a submission of its key names its version (S3 versioning
 * on AWS), or, where there are no versions (the local emulator), has its ETag (or, for records
 * older than the ETag, its SHA-256).
 */
export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions): Promise<ReconcileResult> {
  const result: ReconcileResult = { objects: 0, resent: [], repaired: [], unrepairable: [], failed: [], incomplete: false }
  const byPlace = new Map<string, ListedObject[]>()
  for (const prefix of INGEST_PREFIXES) {
    for (const o of await deps.store.list(deps.buckets.ingest, prefix)) {
      const { county, period } = ledgerPlace(parseUploadKey(o.key))
      const place = `${county}/${period}`
      byPlace.set(place, [...(byPlace.get(place) ?? []), o])
      result.objects++
    }
  }
  const unrecorded: { object: ListedObject; versionId?: string; lastModified: Date }[] = []
  const places = [...byPlace.keys()].sort()
  for (const place of places) {
    const [county, period] = place.split('/') as [string, string]
    const { submissions } = await deps.ledger.list(county, period)
    for (const object of byPlace.get(place)!) {
      if (options.pending?.has(object.key)) continue
      const mine = submissions.filter((s) => s.object_key === object.key)
      const seen = await recordedAs(deps, object, mine)
      if (seen.recorded) continue
      const lastModified = seen.lastModified ?? object.lastModified ?? options.now
      if (options.now.getTime() - lastModified.getTime() < options.graceMs) continue
      unrecorded.push({ object, lastModified, ...(seen.versionId ? { versionId: seen.versionId } : {}) })
    }
  }
  // In the order S3 received them, as the queue would have delivered them.
  unrecorded.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (a.object.key < b.object.key ? -1 : 1))
  for (const { object, versionId, lastModified } of unrecorded) {
    if (options.deadline && Date.now() > options.deadline.getTime()) {
      result.incomplete = true
      break
    }
    const event: UploadEvent = { bucket: deps.buckets.ingest, key: object.key, eventTime: lastModified, sequencer: sequencerOf(lastModified), ...(versionId ? { versionId } : {}) }
    try {
      await deps.resend(event)
      result.resent.push(object.key)
    } catch (e) {
      result.failed.push({ key: object.key, error: (e as Error).message })
    }
  }
  for (const place of places) {
    const [county, period] = place.split('/') as [string, string]
    await repairCurated(deps, county, period, options, result)
  }
  return result
}

/** A sequencer for an event rebuilt from the object (S3's are hex and ordered by time). */
export const sequencerOf = (at: Date) => (BigInt(at.getTime()) << 16n).toString(16).toUpperCase().padStart(16, '0')

async function recordedAs(deps: ReconcileDeps, object: ListedObject, mine: SubmissionRecord[]): Promise<{ recorded: boolean; versionId?: string; lastModified?: Date }> {
  const versioned = mine.some((s) => s.version_id !== '')
  if (mine.length > 0 && !versioned && object.etag !== undefined && mine.some((s) => s.etag === object.etag)) return { recorded: true }
  // S3 lists no version ids: the object's own head says which version is current.
  const head = await deps.store.head(deps.buckets.ingest, object.key)
  if (!head) return { recorded: true }
  const out = { ...(head.versionId ? { versionId: head.versionId } : {}), ...(head.lastModified ? { lastModified: head.lastModified } : {}) }
  if (head.versionId) return { recorded: mine.some((s) => s.version_id === head.versionId), ...out }
  const older = mine.filter((s) => s.etag === undefined)
  if (older.length > 0) {
    const sha = await sha256Of(deps, object.key)
    if (older.some((s) => s.sha256 === sha)) return { recorded: true }
  }
  return { recorded: false, ...out }
}

async function sha256Of(deps: ReconcileDeps, key: string): Promise<string | undefined> {
  const bytes = await deps.store.getBytes(deps.buckets.ingest, key)
  if (!bytes) return undefined
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * The curated objects of a place's current accepted submissions: each must exist, be the size
 * of its staged copy and (deep) parse. A damaged one is finished again by resending the
 * submission's own event (same id: the pipeline takes the known path and copies it again).
 */
async function repairCurated(deps: ReconcileDeps, county: string, period: string, options: ReconcileOptions, result: ReconcileResult): Promise<void> {
  const { submissions, current } = await deps.ledger.list(county, period)
  for (const id of Object.values(current)) {
    const sub = submissions.find((s) => s.submission_id === id)
    if (!sub || sub.status !== 'accepted') continue
    for (const staged of sub.staged_keys) {
      const curatedKey = curatedKeyOf(staged)
      const [stagedHead, curatedHead] = await Promise.all([deps.store.head(deps.buckets.lake, staged), deps.store.head(deps.buckets.lake, curatedKey)])
      let damaged = !curatedHead || curatedHead.size === 0 || (stagedHead !== undefined && curatedHead.size !== stagedHead.size)
      if (!damaged && options.deep) damaged = !(await readable(deps, curatedKey))
      if (!damaged) continue
      if (!stagedHead || stagedHead.size === 0 || !(await readable(deps, staged))) {
        result.unrepairable.push(curatedKey)
        continue
      }
      const eventTime = new Date(sub.order_key.split('#')[0]!)
      try {
        await deps.resend({ bucket: deps.buckets.ingest, key: sub.object_key, eventTime, sequencer: sub.sequencer, ...(sub.version_id ? { versionId: sub.version_id } : {}) })
        result.repaired.push(curatedKey)
      } catch (e) {
        result.failed.push({ key: curatedKey, error: (e as Error).message })
      }
    }
  }
}

async function readable(deps: ReconcileDeps, key: string): Promise<boolean> {
  try {
    const bytes = await deps.store.getBytes(deps.buckets.lake, key)
    if (!bytes || bytes.byteLength === 0) return false
    await deps.readTable(bytes)
    return true
  } catch {
    return false
  }
}

import { lakeKeys } from '../core/object-keys.ts'
import { parsePeriod } from '../core/period.ts'
import { processUpload, RAW_METADATA, type UploadDeps, type UploadEvent } from './process-upload.ts'

export interface ReplayResult {
  uploads: number
  accepted: number
  rejected: number
  periods: string[]
  /** Raw copies that could not be replayed (their metadata is gone or torn): reported, never skipped silently. */
  unreadable?: string[]
}

/**
 * Rebuilds the curated lake and the submissions (with their current pointers) of one quarter,
 * or of everything, from the write-once raw copies alone: derived state is forgotten, then
 * every raw upload is processed again in the order S3 received it. Submission ids depend only
 * on the upload, so the rebuilt ledger names the same submissions.
 */
export async function replayUploads(deps: UploadDeps, scope: { period?: string }, onProgress?: (done: number, total: number) => void): Promise<ReplayResult> {
  const raw = (await deps.store.list(deps.buckets.lake, 'raw/')).filter((o) => {
    const [, , period] = o.key.split('/')
    return scope.period === undefined || period === scope.period
  })
  const events: (UploadEvent & { order: string })[] = []
  const unreadable: string[] = []
  for (const o of raw) {
    const head = await deps.store.head(deps.buckets.lake, o.key)
    const m = head?.metadata ?? {}
    const key = m[RAW_METADATA.key]
    const receivedAt = m[RAW_METADATA.receivedAt]
    if (!key || !receivedAt) {
      unreadable.push(o.key)
      continue
    }
    const event: UploadEvent & { order: string } = {
      bucket: m[RAW_METADATA.bucket] ?? deps.buckets.ingest,
      key,
      sequencer: m[RAW_METADATA.sequencer] ?? '',
      eventTime: new Date(receivedAt),
      source: { bucket: deps.buckets.lake, key: o.key },
      order: `${receivedAt}#${(m[RAW_METADATA.sequencer] ?? '').padStart(32, '0')}`,
    }
    const versionId = m[RAW_METADATA.versionId]
    const principal = m[RAW_METADATA.principal]
    if (versionId) event.versionId = versionId
    if (principal) event.principal = principal
    events.push(event)
  }
  events.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))

  // Forget what is derived from these uploads: ledger partitions, staged and curated objects.
  const places = new Set(raw.map((o) => o.key.split('/').slice(1, 3).join('/')))
  for (const place of places) {
    const [county, period] = place.split('/') as [string, string]
    await deps.ledger.clear(county, period)
    const q = parsePeriod(period)
    if (q) {
      for (const dataset of ['village_report', 'monitored_households']) await deps.store.delete(deps.buckets.lake, lakeKeys.curated(dataset, q, county))
    }
  }
  if (places.has('registry/registry')) {
    for (const o of await deps.store.list(deps.buckets.lake, 'curated/org_units/')) await deps.store.delete(deps.buckets.lake, o.key)
  }
  if (places.has('targets/targets')) {
    for (const o of await deps.store.list(deps.buckets.lake, 'curated/targets/')) await deps.store.delete(deps.buckets.lake, o.key)
  }

  let accepted = 0
  let rejected = 0
  let done = 0
  // Quiet: every county was told these verdicts when the uploads first came in. The rebuilt
  // submissions are marked told, so a later redelivery does not announce them either.
  const quiet: UploadDeps = { ...deps, notify: async () => undefined }
  for (const { order: _order, ...event } of events) {
    const { submission } = await processUpload(quiet, event)
    if (submission.status === 'rejected') rejected++
    else accepted++
    onProgress?.(++done, events.length)
  }
  const periods = [...new Set([...places].map((p) => p.split('/')[1]!).filter((p) => parsePeriod(p)))].sort()
  return { uploads: events.length, accepted, rejected, periods, ...(unreadable.length ? { unreadable } : {}) }
}

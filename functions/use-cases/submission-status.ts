import type { SubmissionLedger } from './ports.ts'

/**
 * The submissions of a county and quarter as `va status --json` prints them and the portal's
 * API returns them (interfaces.md): oldest first, at most one current per dataset.
 */
export async function submissionStatus(ledger: SubmissionLedger, county: string, period: string) {
  const { submissions, current } = await ledger.list(county, period)
  return {
    county,
    period,
    submissions: submissions.map((s) => ({
      submission_id: s.submission_id, dataset: s.dataset, status: s.status, received_at: s.received_at,
      object_key: s.object_key, version_id: s.version_id, uploaded_by: s.uploaded_by, rows: s.rows,
      counts: s.counts, report_key: s.report_key,
      current: s.dataset !== 'unknown' && current[s.dataset] === s.submission_id,
    })),
  }
}

export type SubmissionStatus = Awaited<ReturnType<typeof submissionStatus>>

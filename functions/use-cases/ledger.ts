import type { DatasetName } from '../../schemas/findings.ts'

/** One upload and its outcome, as the `submissions` table keeps it (interfaces.md). */
export interface SubmissionRecord {
  submission_id: string
  /** 6-digit county, or `registry` for org_units uploads. */
  county: string
  /** `YYYYQn`, or `registry` for org_units uploads. */
  period: string
  dataset: DatasetName | 'unknown'
  status: 'accepted' | 'rejected' | 'superseded'
  received_at: string
  /** Orders uploads: the time S3 received the object, then the event's sequencer. */
  order_key: string
  object_key: string
  version_id: string
  sequencer: string
  uploaded_by: string
  size: number
  sha256: string
  rows: { total: number; accepted: number; rejected: number }
  counts: Record<string, number>
  report_key: string
  /** The write-once copy of the raw bytes, keyed by content hash. */
  raw_key: string
  /** The normalised Parquet of an accepted upload, from which the curated object is copied. */
  staged_keys: string[]
}

export interface CurrentPointer {
  submission_id: string
  order_key: string
  staged_keys: string[]
}

export interface PeriodLock {
  period: string
  locked: boolean
  by: string
  at: string
  reason?: string
  history: { action: 'lock' | 'unlock'; by: string; at: string; reason?: string }[]
}

/** The `submissions` table: every upload, which one is current, and the period locks. */
export interface SubmissionLedger {
  /** Records a submission once; a second delivery of the same upload finds it there. */
  record(sub: SubmissionRecord): Promise<'created' | 'exists'>
  get(county: string, period: string, submissionId: string): Promise<SubmissionRecord | undefined>
  /**
   * Makes the submission current for its county, dataset and quarter unless a later one is
   * already current (conditional write). Returns the submission it replaced, if any.
   */
  claimCurrent(sub: SubmissionRecord): Promise<{ current: boolean; replaced?: string }>
  current(county: string, period: string, dataset: DatasetName): Promise<CurrentPointer | undefined>
  markSuperseded(county: string, period: string, submissionId: string): Promise<void>
  /** Submissions of a county and quarter, oldest first, and the current one per dataset. */
  list(county: string, period: string): Promise<{ submissions: SubmissionRecord[]; current: Partial<Record<DatasetName, string>> }>
  /** The quarters for which the county has a current accepted upload of the dataset. */
  currentPeriods(county: string, dataset: DatasetName): Promise<{ period: string; pointer: CurrentPointer }[]>
  /** Forgets a county and quarter (submissions and current pointers): a replay rebuilds them. */
  clear(county: string, period: string): Promise<number>
  getLock(period: string): Promise<PeriodLock | undefined>
  setLock(period: string, locked: boolean, by: string, at: string, reason?: string): Promise<PeriodLock>
}

/**
 * The CloudWatch metrics the functions emit (Powertools Metrics, embedded metric format) and
 * the alarms and dashboard of the stack read. One definition, so a renamed metric cannot leave
 * an alarm watching nothing.
 */
export const METRICS_NAMESPACE = 'VillageAppraisal'

/** The `service` dimension Powertools adds to every metric: one per function. */
export const METRIC_SERVICES = {
  validate: 'validate-upload',
  aggregate: 'aggregate-quarter',
  reconcile: 'reconcile-ingest',
} as const

export const METRICS = {
  /** One per verdict; dimensions service and `status` (accepted | rejected). */
  verdicts: 'Verdicts',
  /** Findings per verdict; dimensions service and `code` (the finding code). */
  findings: 'Findings',
  /** Seconds from S3 receiving an upload to its verdict; dimension service. */
  verdictLatency: 'VerdictLatencySeconds',
  /** Uploads whose processing threw (SQS retries them); dimension service. */
  uploadFailures: 'UploadFailures',
  /** One per successful quarterly run; dimension service. */
  appraisalRuns: 'AppraisalRuns',
  /** One per failed quarterly run; dimension service. */
  appraisalFailures: 'AppraisalFailures',
  /**
   * Per reconciliation run: uploads the event path had lost (no submission record) that were
   * sent through the pipeline, plus curated objects repaired; dimension service. 0 on a good day.
   */
  reconciledUploads: 'ReconciledUploads',
  /** Per reconciliation run: uploads or curated objects it could not resend or repair; dimension service. */
  reconcileFailures: 'ReconcileFailures',
} as const

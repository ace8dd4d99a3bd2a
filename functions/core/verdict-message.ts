import type { ValidationReport } from '../../schemas/findings.ts'

/** What a county is told of one upload: counts and where the report is, never a cell value. */
export interface VerdictMessage {
  submission_id: string
  county: string
  period: string
  dataset: string
  status: string
  object_key: string
  rows: ValidationReport['rows']
  counts: Record<string, number>
  report_key: string
}

export function verdictMessage(
  submission: { submission_id: string; county: string; period: string; dataset: string; status: string; object_key: string; report_key: string },
  report: ValidationReport,
): { message: VerdictMessage; attributes: { county: string } } {
  return {
    message: {
      submission_id: submission.submission_id, county: submission.county, period: submission.period,
      dataset: submission.dataset, status: submission.status, object_key: submission.object_key,
      rows: report.rows, counts: report.counts, report_key: submission.report_key,
    },
    // Each county subscribes with the filter policy {"county": ["<its code>"]}.
    attributes: { county: submission.county },
  }
}

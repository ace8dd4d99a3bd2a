import { ApiError, type Api, type Submission, type ValidationReport } from '../api.ts'
import { h } from '../dom.ts'
import { t } from '../i18n.ts'
import { findingsView } from './findings-view.ts'

/** The report's siblings in the lake: `<id>.json`, `<id>.csv` and, for a rejected XLSX, `<id>.xlsx`. */
function sibling(reportKey: string, ext: 'csv' | 'xlsx'): string {
  return reportKey.replace(/\.json$/, `.${ext}`)
}

async function fileLink(api: Api, key: string, label: string, download: string): Promise<HTMLElement | null> {
  try {
    const { url } = await api.get<{ url: string }>(`/api/files?key=${encodeURIComponent(key)}`)
    return h('a', { href: url, download, class: 'file-link' }, label)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

/** The pipeline's verdict on one submission: its status, its findings, and the links to its reports. */
export async function verdictView(api: Api, submission: Submission): Promise<HTMLElement> {
  const report = await api.get<ValidationReport>(`/api/submissions/report?key=${encodeURIComponent(submission.report_key)}`)
  const base = submission.submission_id
  const links = await Promise.all([
    fileLink(api, submission.report_key, t('报告 JSON', 'Report (JSON)'), `${base}.report.json`),
    fileLink(api, sibling(submission.report_key, 'csv'), t('报告 CSV', 'Report (CSV)'), `${base}.report.csv`),
    submission.status === 'rejected' && /\.xlsx$/i.test(submission.object_key)
      ? fileLink(api, sibling(submission.report_key, 'xlsx'), t('标注问题的工作簿', 'Annotated workbook'), `${base}.annotated.xlsx`)
      : Promise.resolve(null),
  ])
  const status = submission.status === 'accepted'
    ? t('已通过', 'accepted') : submission.status === 'rejected' ? t('未通过', 'rejected') : submission.status === 'superseded' ? t('已被替代', 'superseded') : submission.status
  return h('section', { class: 'verdict', 'data-verdict': submission.status },
    h('h2', {}, t('系统审核结果', "The pipeline's verdict")),
    h('p', { class: `verdict-line ${submission.status}` }, t(`审核结果：${status}`, `Verdict: ${status}`),
      submission.current ? h('span', { class: 'badge ok', 'data-current': true }, t('当前有效', 'current')) : null),
    h('p', { class: 'links' }, links.filter((l) => l !== null)),
    findingsView(report, t('系统审核发现的问题', "The pipeline's findings")))
}

import type { SubmissionList } from '../api.ts'
import { fill, h, table, uid } from '../dom.ts'
import { t } from '../i18n.ts'
import { problemText } from '../problem.ts'
import type { PageContext } from './page.ts'
import { verdictView } from './verdict-view.ts'

const DATASETS = [
  ['village_report', '村级报表', 'Village report'],
  ['monitored_households', '监测户花名册', 'Monitored households'],
  ['org_units', '区划名册', 'Registry'],
] as const

/** Submissions (portal.md, page 2): every upload of a county and quarter, which is current, its report; the templates. */
export async function submissionsPage({ api, me, view }: PageContext): Promise<void> {
  const countyId = uid('county')
  const periodId = uid('period')
  const county = h('input', { id: countyId, inputmode: 'numeric', pattern: '\\d{6}', maxlength: 6, value: me.county ?? '', readonly: me.county !== undefined, autocomplete: 'off' })
  const period = h('input', { id: periodId, pattern: '\\d{4}[Qq][1-4]', maxlength: 6, value: me.open_periods[0] ?? '', autocomplete: 'off' })
  const status = h('p', { class: 'status', role: 'status' })
  const list = h('div', {})
  const detail = h('div', { 'aria-live': 'polite' })
  const form = h('form', { class: 'card filters' },
    h('div', {}, h('label', { for: countyId }, t('县代码（6 位）', 'County code (6 digits)')), county),
    h('div', {}, h('label', { for: periodId }, t('报告期（如 2024Q2）', 'Quarter (e.g. 2024Q2)')), period),
    h('button', { type: 'submit', class: 'primary' }, t('查询', 'Show')))
  const templates = h('p', { class: 'templates' }, t('下载模板：', 'Templates: '), DATASETS.map(([name, zh, en]) =>
    h('button', { type: 'button', class: 'link', onclick: () => void downloadTemplate(name).catch((e: unknown) => fill(status, problemText(e))) }, t(zh, en))))

  const downloadTemplate = async (dataset: string) => {
    const blob = await api.blob(`/api/templates/${dataset}`)
    const a = h('a', { href: URL.createObjectURL(blob), download: `${dataset}-template.xlsx` })
    document.body.append(a)
    a.click()
    a.remove()
  }

  const show = async () => {
    fill(detail)
    fill(status, t('正在读取…', 'Loading…'))
    const result = await api.get<SubmissionList>(`/api/submissions?county=${encodeURIComponent(county.value)}&period=${encodeURIComponent(period.value.toUpperCase())}`)
    fill(status, t(`${result.county} ${result.period}：共 ${result.submissions.length} 次上传`, `${result.county} ${result.period}: ${result.submissions.length} uploads`))
    fill(list, result.submissions.length === 0 ? h('p', { class: 'empty' }, t('暂无上传。', 'No uploads yet.')) : table(t('上传记录', 'Uploads'),
      [t('接收时间', 'Received'), t('文件', 'File'), t('数据集', 'Dataset'), t('状态', 'Status'), t('行数', 'Rows'), t('报告', 'Report')],
      result.submissions.map((s) => [
        s.received_at.replace('T', ' ').slice(0, 19),
        s.object_key.split('/').pop() ?? s.object_key,
        s.dataset ?? '—',
        h('span', {}, s.status, s.current ? h('span', { class: 'badge ok' }, t('当前', 'current')) : null),
        `${s.rows.accepted}/${s.rows.total}`,
        h('button', { type: 'button', class: 'link', onclick: () => void verdictView(api, s).then((v) => fill(detail, v)).catch((e: unknown) => fill(status, problemText(e))) }, t('查看', 'Open')),
      ])))
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void show().catch((e: unknown) => fill(status, problemText(e)))
  })
  fill(view, h('h1', {}, t('报送记录', 'Submissions')), form, templates, status, list, detail)
  if (county.value && period.value) await show().catch((e: unknown) => fill(status, problemText(e)))
}

import type { ValidationReport } from '../api.ts'
import { h, table, type Child } from '../dom.ts'
import { m, t } from '../i18n.ts'

const MAX_CELLS_NAMED = 8

/** One line that tells the clerk what to do: the errors by code, and the cells to open first. */
export function whatToFix(report: ValidationReport): string {
  const errors = report.findings.filter((f) => f.severity === 'error')
  if (errors.length === 0) {
    return report.findings.length === 0
      ? t('无需修改。', 'Nothing to fix.')
      : t('没有错误；请看一看下列提示，确认无误即可报送。', 'No errors; read the warnings below and send when they are right.')
  }
  const fileLevel = errors.filter((f) => f.row === undefined)
  if (fileLevel.length > 0) return t(`先处理整份文件的问题：${m(fileLevel[0]!.message)}`, `First fix the file itself: ${m(fileLevel[0]!.message)}`)
  const cells = [...new Set(errors.map((f) => (f.sheet ? `${f.sheet}!` : '') + (f.cell ?? '')).filter((c) => c !== ''))]
  const named = cells.slice(0, MAX_CELLS_NAMED).join('、')
  const more = cells.length > MAX_CELLS_NAMED ? t(` 等 ${cells.length} 个单元格`, ` and ${cells.length - MAX_CELLS_NAMED} more cells`) : ''
  const rows = report.rows.rejected
  return t(
    `修改 ${rows} 行中的 ${errors.length} 处错误（单元格 ${named}${more}），按每条说明改正后重新检查。`,
    `Fix ${errors.length} errors in ${rows} rows (cells ${named}${more}) as each message says, then check again.`,
  )
}

/** The findings as a table: row, cell, header, value and the message in the chosen language. */
export function findingsView(report: ValidationReport, caption: string): HTMLElement {
  const counts = Object.entries(report.counts).map(([code, n]) => `${code} ${n}`).join(' · ')
  const status = report.status === 'accepted'
    ? h('span', { class: 'badge ok' }, t('通过', 'Accepted'))
    : h('span', { class: 'badge bad' }, t('不通过', 'Rejected'))
  const rows: Child[][] = report.findings.map((f) => [
    h('span', { class: `sev ${f.severity}` }, f.severity === 'error' ? t('错误', 'error') : t('提示', 'warning')),
    f.row ?? '—',
    f.cell ? h('code', {}, (f.sheet ? `${f.sheet}!` : '') + f.cell) : '—',
    f.header ?? '—',
    f.value ?? '—',
    h('span', {}, m(f.message), h('span', { class: 'code' }, ` ${f.rule ?? f.code}`)),
  ])
  return h('section', { class: 'findings', 'aria-label': caption },
    h('p', { class: 'summary' }, status, ' ',
      t(`共 ${report.rows.total} 行，${report.rows.accepted} 行无误，${report.rows.rejected} 行有错误`,
        `${report.rows.total} rows: ${report.rows.accepted} fine, ${report.rows.rejected} with errors`),
      counts ? h('span', { class: 'muted' }, ` · ${counts}`) : null),
    h('p', { class: 'fix' }, h('strong', {}, t('如何修改：', 'What to fix: ')), whatToFix(report)),
    report.findings.length === 0 ? null : table(caption, [t('类别', 'Kind'), t('行', 'Row'), t('单元格', 'Cell'), t('表头', 'Header'), t('值', 'Value'), t('说明', 'Message')], rows, { 'data-findings': true }),
    report.truncated ? h('p', { class: 'note' }, t('仅列出前 1000 条。', 'Only the first 1000 are listed.')) : null)
}

import type { ValidationReport } from '../../schemas/findings.ts'

/** Pads to a display width, counting CJK characters as two columns as terminals draw them. */
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/

export function displayWidth(text: string): number {
  let w = 0
  for (const ch of text) w += WIDE.test(ch) ? 2 : 1
  return w
}

export function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))))
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd()
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** The validation report as a person reads it: verdict, counts, then every listed finding. */
export function formatReport(report: ValidationReport, file?: string): string {
  const verdict = report.status === 'accepted' ? '通过 ACCEPTED' : '退回 REJECTED'
  const lines = [
    `${file ? `${file}: ` : ''}${verdict}  ${report.dataset ?? 'unknown dataset'}  county ${report.county ?? '-'}  period ${report.period ?? '-'}`,
    `rows: ${report.rows.total} read, ${report.rows.accepted} accepted, ${report.rows.rejected} rejected`,
  ]
  const counts = Object.entries(report.counts)
  if (counts.length) lines.push(`findings: ${counts.map(([k, v]) => `${k} ${v}`).join(', ')}`)
  if (report.findings.length) {
    lines.push('')
    lines.push(table(
      ['severity', 'row', 'cell', 'code', 'rule', 'column', 'value', 'message'],
      report.findings.map((f) => [f.severity, f.row === undefined ? '' : String(f.row), f.cell ?? '', f.code, f.rule ?? '', f.column ?? '', truncate(f.value ?? '', 24), `${f.message.zh} | ${f.message.en}`]),
    ))
  }
  if (report.truncated) lines.push(`… more findings than listed; see counts above.`)
  return lines.join('\n')
}

function truncate(s: string, n: number): string {
  return [...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s
}

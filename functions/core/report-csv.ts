import type { ValidationReport } from '../../schemas/findings.ts'

const HEADER = ['严重程度 severity', '代码 code', '规则 rule', '行 row', '单元格 cell', '工作表 sheet', '列 column', '表头 header', '值 value', '说明 message (zh)', 'message (en)']

/**
 * A cell Excel will not run: text starting with = + - @ or a tab/CR is prefixed with an
 * apostrophe (CSV injection), then quoted when it holds a delimiter, quote or line break.
 */
export function safeCsvCell(value: string | number | undefined): string {
  let s = value === undefined ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The validation report as CSV (UTF-8 with BOM so Excel shows Chinese), one finding a line. */
export function reportToCsv(report: ValidationReport): string {
  const lines = [HEADER.map(safeCsvCell).join(',')]
  for (const f of report.findings) {
    lines.push([f.severity, f.code, f.rule, f.row, f.cell, f.sheet, f.column, f.header, f.value, f.message.zh, f.message.en].map(safeCsvCell).join(','))
  }
  return `\ufeff${lines.join('\r\n')}\r\n`
}

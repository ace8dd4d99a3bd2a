import type { Finding, Message, ValidationReport } from '../../schemas/findings.ts'
import { messageBody } from '../core/findings.ts'

/** The language of human output: the locale's, or both with `--lang both`. */
export type Lang = 'zh' | 'en' | 'both'
export const LANGS: readonly Lang[] = ['zh', 'en', 'both']

/** How human output is drawn: its language and the terminal's width in columns. */
export interface Display {
  lang: Lang
  columns: number
}

export const DEFAULT_DISPLAY: Display = { lang: 'en', columns: 80 }

/** Chinese when LC_ALL, LC_MESSAGES or LANG (the first one set) starts with zh; else English. */
export function localeLang(env: Record<string, string | undefined>): 'zh' | 'en' {
  const locale = env['LC_ALL'] || env['LC_MESSAGES'] || env['LANG'] || ''
  return /^zh/i.test(locale) ? 'zh' : 'en'
}

/** COLUMNS when set (so a pipe or a test can choose), else the terminal's width, else 80. */
export function terminalColumns(env: Record<string, string | undefined>, ttyColumns: number | undefined): number {
  const fromEnv = Number(env['COLUMNS'])
  if (Number.isInteger(fromEnv) && fromEnv >= 20) return fromEnv
  return ttyColumns && ttyColumns >= 20 ? ttyColumns : 80
}

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

/** Cuts text to a display width, ending in … when something was cut. */
export function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text
  let out = ''
  for (const ch of text) {
    if (displayWidth(out + ch) > width - 1) break
    out += ch
  }
  return `${out}…`
}

/**
 * Breaks text into lines no wider than `width`: between words, or between any two CJK
 * characters (Chinese has no spaces); a word longer than a line is cut.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  let space = ''
  for (const token of text.match(/\s+|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+/g) ?? []) {
    if (/^\s+$/.test(token)) {
      space = line !== '' ? token : ''
      continue
    }
    const joined = line + space + token
    space = ''
    if (displayWidth(joined) <= width) {
      line = joined
      continue
    }
    if (line) lines.push(line)
    line = ''
    for (const ch of token) {
      if (displayWidth(line + ch) > width) {
        lines.push(line)
        line = ''
      }
      line += ch
    }
  }
  if (line || lines.length === 0) lines.push(line)
  return lines
}

/** Wraps every line of a block of prose to the width. */
export function wrapBlock(text: string, width: number): string {
  return text.split('\n').flatMap((l) => wrap(l, width)).join('\n')
}

export function table(headers: string[], rows: string[][], columns = Number.POSITIVE_INFINITY): string {
  const widths = fitWidths(headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? '')))), columns)
  const line = (cells: string[]) => cells.map((c, i) => pad(fit(c, widths[i]!), widths[i]!)).join('  ').trimEnd()
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** The narrowest a column is cut to when a table is wider than the terminal. */
const MIN_COLUMN_WIDTH = 6

/**
 * Column widths that fit `columns` (two spaces between columns): the widest column gives up
 * a character at a time, never below MIN_COLUMN_WIDTH; cut cells end in an ellipsis
 * (`--json` keeps every value whole).
 */
function fitWidths(natural: number[], columns: number): number[] {
  const widths = [...natural]
  const total = () => widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1)
  while (total() > columns) {
    const widest = widths.indexOf(Math.max(...widths))
    if (widths[widest]! <= MIN_COLUMN_WIDTH) break
    widths[widest]!--
  }
  return widths
}

/** The text of a message in the display's language; both languages are two paragraphs. */
export function inLang(message: Message, lang: Lang): string[] {
  return lang === 'both' ? [message.zh, message.en] : [message[lang]]
}

const WORDS = {
  accepted: { zh: '通过', en: 'ACCEPTED', both: '通过 ACCEPTED' },
  rejected: { zh: '退回', en: 'REJECTED', both: '退回 REJECTED' },
  error: { zh: '错误', en: 'error', both: 'error' },
  warning: { zh: '警告', en: 'warning', both: 'warning' },
} as const

const FINDING_HEADERS: Record<Lang, string[]> = {
  zh: ['级别', '位置', '代码', '列', '值', '说明'],
  en: ['severity', 'where', 'code', 'column', 'value', 'message'],
  both: ['severity', 'where', 'code', 'column', 'value', 'message'],
}

/** The narrowest message column worth a table; below it each message goes under its fields. */
const MIN_MESSAGE_WIDTH = 24

/** The validation report as a person reads it: verdict, counts, then every listed finding. */
export function formatReport(report: ValidationReport, file?: string, display: Display = DEFAULT_DISPLAY): string {
  const { lang, columns } = display
  const verdict = WORDS[report.status === 'accepted' ? 'accepted' : 'rejected'][lang]
  const lines = [
    `${file ? `${file}: ` : ''}${verdict}  ${report.dataset ?? 'unknown dataset'}  county ${report.county ?? '-'}  period ${report.period ?? '-'}`,
    // A rejected file stores no row: its rows are counted as with or without errors, not "accepted".
    report.status === 'accepted'
      ? `rows: ${report.rows.total} read, ${report.rows.accepted} accepted, ${report.rows.rejected} rejected`
      : `rows: ${report.rows.total} read, ${report.rows.accepted} without errors, ${report.rows.rejected} with errors (rejected whole: none stored)`,
  ]
  const counts = Object.entries(report.counts)
  if (counts.length) lines.push(`findings: ${counts.map(([k, v]) => `${k} ${v}`).join(', ')}`)
  const head = lines.flatMap((l) => wrap(l, columns))
  if (report.findings.length) head.push('', ...findingLines(report.findings, display))
  if (report.truncated) head.push(...wrap('… more findings than listed; see counts above (all of them: --json).', columns))
  return head.join('\n')
}

/**
 * One finding a row: its fields once each (the message loses the "where" it repeats), the
 * message wrapped in the last column, or under the fields when the terminal is too narrow.
 */
export function findingLines(findings: readonly Finding[], { lang, columns }: Display): string[] {
  const rows = findings.map((f) => ({
    fields: [
      WORDS[f.severity][lang],
      f.cell !== undefined ? `${f.sheet !== undefined ? `${f.sheet}!` : ''}${f.cell}` : f.row !== undefined ? `row ${f.row}` : (f.sheet ?? ''),
      f.rule ?? f.code,
      fit((lang === 'zh' ? (f.header ?? f.column) : (f.column ?? f.header)) ?? '', 16),
      fit(f.value ?? '', 12),
    ],
    message: inLang(messageBody(f), lang),
  }))
  const headers = FINDING_HEADERS[lang]
  const widths = headers.slice(0, -1).map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r.fields[i]!))))
  const indent = widths.reduce((a, w) => a + w + 2, 0)
  const fields = (cells: string[]) => cells.map((c, i) => `${pad(c, widths[i]!)}  `).join('')
  const messageWidth = columns - indent
  if (messageWidth >= MIN_MESSAGE_WIDTH) {
    const longest = Math.max(displayWidth(headers.at(-1)!), ...rows.flatMap((r) => r.message.map(displayWidth)))
    const out = [`${fields(headers.slice(0, -1))}${headers.at(-1)!}`, [...widths, Math.min(longest, messageWidth)].map((w) => '-'.repeat(w)).join('  ')]
    for (const r of rows) {
      const text = r.message.flatMap((m) => wrap(m, messageWidth))
      out.push(`${fields(r.fields)}${text[0]}`.trimEnd(), ...text.slice(1).map((t) => `${' '.repeat(indent)}${t}`))
    }
    return out
  }
  const out: string[] = []
  for (const r of rows) {
    out.push(fit(r.fields.filter(Boolean).join('  '), columns), ...r.message.flatMap((m) => wrap(m, columns - 4)).map((t) => `    ${t}`))
  }
  return out
}

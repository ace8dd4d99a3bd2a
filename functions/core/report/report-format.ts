import { SHANGHAI_OFFSET_MS } from '../period.ts'
import type { ValueKind } from './report-labels.ts'

/**
 * Text for HTML: county and village names come from uploads, so every piece of data is
 * escaped, in element content and in attribute values alike.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch)
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

const DASH = '—'

/** A number rounded for display; the unrounded value stays in the data the report was built from. */
export function fixed(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH
  // -0.00 reads as a sign error to a person.
  const text = value.toFixed(digits)
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text
}

export function percent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH
  return `${fixed(value * 100, digits)}%`
}

/** Thousands grouped with a comma, as Chinese statistical tables print them. */
export function grouped(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH
  const [whole = '', frac] = fixed(value, digits).split('.')
  const sign = whole.startsWith('-') ? '-' : ''
  const digitsOnly = sign ? whole.slice(1) : whole
  return `${sign}${digitsOnly.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac === undefined ? '' : `.${frac}`}`
}

/** An indicator's value (or a floor or target) as its kind is read: rates in %, money in yuan. */
export function indicatorValue(value: number | null | undefined, kind: ValueKind): string {
  switch (kind) {
    case 'rate':
      return percent(value)
    case 'growth':
      return value !== null && value !== undefined && value > 0 ? `+${percent(value)}` : percent(value)
    case 'count':
      return grouped(value)
    case 'yuan':
      return grouped(value)
    case 'days':
      return fixed(value, 1)
  }
}

/** An instant as Beijing time, `YYYY-MM-DD HH:MM`, the way the counties read deadlines. */
export function beijingTime(iso: string): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')
}

/** How long after the deadline, in days and hours ("1 天 3 小时" / "1 d 3 h"). */
export function lateness(deadlineIso: string, receivedIso: string): { zh: string; en: string } {
  const ms = new Date(receivedIso).getTime() - new Date(deadlineIso).getTime()
  if (!Number.isFinite(ms) || ms < 0) return { zh: DASH, en: DASH }
  const hours = Math.floor(ms / 3_600_000)
  const days = Math.floor(hours / 24)
  const rest = hours % 24
  if (days === 0 && rest === 0) return { zh: '不足 1 小时', en: '< 1 h' }
  return {
    zh: `${days > 0 ? `${days} 天` : ''}${days > 0 && rest > 0 ? ' ' : ''}${rest > 0 ? `${rest} 小时` : ''}`,
    en: `${days > 0 ? `${days} d` : ''}${days > 0 && rest > 0 ? ' ' : ''}${rest > 0 ? `${rest} h` : ''}`,
  }
}

/** `2024Q2` → `2024年第2季度`. */
export function periodZh(period: string): string {
  const m = /^(\d{4})Q([1-4])$/.exec(period)
  return m ? `${m[1]}年第${m[2]}季度` : period
}

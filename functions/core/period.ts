/**
 * Quarters and the dates around them. Asia/Shanghai has had no daylight saving since 1991, so
 * its offset is a constant +08:00 and no time-zone database is needed.
 */

export interface Quarter {
  year: number
  quarter: 1 | 2 | 3 | 4
}

export const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000
const PERIOD_RE = /^(\d{4})Q([1-4])$/

/** Parses the canonical `YYYYQn` spelling (object keys, CLI flags). */
export function parsePeriod(text: string): Quarter | undefined {
  const m = PERIOD_RE.exec(text)
  if (!m) return undefined
  return { year: Number(m[1]), quarter: Number(m[2]) as Quarter['quarter'] }
}

export function formatPeriod(q: Quarter): string {
  return `${q.year}Q${q.quarter}`
}

export function previousQuarter(q: Quarter): Quarter {
  return q.quarter === 1 ? { year: q.year - 1, quarter: 4 } : { year: q.year, quarter: (q.quarter - 1) as Quarter['quarter'] }
}

export function yearEarlier(q: Quarter): Quarter {
  return { year: q.year - 1, quarter: q.quarter }
}

/** Days since 1970-01-01 of a calendar date (UTC arithmetic on a civil date). */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000)
}

/** The quarter's last calendar day, as a day number. */
export function quarterLastDay(q: Quarter): number {
  // Day 0 of the month after the quarter is the quarter's last day.
  return dayNumber(q.year, q.quarter * 3 + 1, 0)
}

export function quarterFirstDay(q: Quarter): number {
  return dayNumber(q.year, q.quarter * 3 - 2, 1)
}

/**
 * late_submission starts at 00:00 Asia/Shanghai on the (deadlineDays + 1)th day after the
 * quarter's last day (validation.md: 2024Q2 → 2024-07-11T00:00+08:00 with 10 days).
 */
export function submissionDeadline(q: Quarter, deadlineDays: number): Date {
  const day = quarterLastDay(q) + deadlineDays + 1
  return new Date(day * 86_400_000 - SHANGHAI_OFFSET_MS)
}

/** ISO-8601 with the +08:00 offset, as counties read times (interfaces.md examples). */
export function toShanghaiIso(at: Date): string {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS)
  return `${local.toISOString().slice(0, 19)}+08:00`
}

/** The quarter that has just ended at a given instant, in Asia/Shanghai (the scheduled run). */
export function quarterJustEnded(at: Date): Quarter {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS)
  const current: Quarter = { year: local.getUTCFullYear(), quarter: (Math.floor(local.getUTCMonth() / 3) + 1) as Quarter['quarter'] }
  return previousQuarter(current)
}

export function isoDate(dayNum: number): string {
  return new Date(dayNum * 86_400_000).toISOString().slice(0, 10)
}

export function comparePeriods(a: Quarter, b: Quarter): number {
  return a.year - b.year || a.quarter - b.quarter
}

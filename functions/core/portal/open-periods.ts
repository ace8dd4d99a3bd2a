import { formatPeriod, parsePeriod, previousQuarter, quarterFirstDay, SHANGHAI_OFFSET_MS, type Quarter } from '../period.ts'

/**
 * How far back the portal offers quarters for upload: the current quarter and the fifteen
 * before it (four years). A quarter is open from its first day, Asia/Shanghai, until it is
 * published (portal.md); older unpublished quarters stay open to `va upload`, not to the page.
 */
export const OPEN_PERIOD_WINDOW = 16

/** The quarter an instant falls in, in Asia/Shanghai. */
export function quarterAt(at: Date): Quarter {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS)
  return { year: local.getUTCFullYear(), quarter: (Math.floor(local.getUTCMonth() / 3) + 1) as Quarter['quarter'] }
}

/** True once the quarter's first day has begun in Asia/Shanghai. */
export function quarterHasBegun(period: string, now: Date): boolean {
  const q = parsePeriod(period)
  return q !== undefined && quarterFirstDay(q) * 86_400_000 - SHANGHAI_OFFSET_MS <= now.getTime()
}

/** The quarters that may be open at `now`, newest first; the locked ones are taken out by the caller. */
export function candidatePeriods(now: Date, window = OPEN_PERIOD_WINDOW): string[] {
  const out: string[] = []
  for (let q = quarterAt(now); out.length < window; q = previousQuarter(q)) out.push(formatPeriod(q))
  return out
}

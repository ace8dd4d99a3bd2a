import { quarterFirstDay, SHANGHAI_OFFSET_MS, type Quarter } from '../period.ts'
import { isOverdue, isUnclosed, type RectificationItem } from './rectification-item.ts'

/** One county's line in the report's rectification section (rectification.md). */
export interface CountyRectificationSummary {
  county: string
  /** Not closed (open or responded). */
  open: number
  /** Not closed by the end of the due day, as of the report. */
  overdue: number
  /** Not closed, and found again by a look-back. */
  recurring: number
  /** Closed (verified or by a look-back) from the quarter's first day, Asia/Shanghai, to the report. */
  closed_this_quarter: number
}

/**
 * The items of the appraised province(s) summed per county for the quarter's report: open,
 * overdue and recurring as of `now`, and closed since the quarter began. Withdrawn items count
 * nowhere. Counties with no item are left out; sorted by county code.
 */
export function summariseRectification(items: readonly RectificationItem[], q: Quarter, now: Date): CountyRectificationSummary[] {
  const since = quarterFirstDay(q) * 86_400_000 - SHANGHAI_OFFSET_MS
  const byCounty = new Map<string, CountyRectificationSummary>()
  for (const item of items) {
    const line = byCounty.get(item.county) ?? { county: item.county, open: 0, overdue: 0, recurring: 0, closed_this_quarter: 0 }
    if (isUnclosed(item)) {
      line.open++
      if (isOverdue(item, now)) line.overdue++
      if (item.recurring) line.recurring++
    } else if (item.status === 'closed') {
      const closedAt = [...item.history].reverse().find((h) => h.action === 'closed')?.at
      const t = closedAt === undefined ? NaN : Date.parse(closedAt)
      if (t >= since && t <= now.getTime()) line.closed_this_quarter++
    }
    byCounty.set(item.county, line)
  }
  return [...byCounty.values()].filter((l) => l.open + l.closed_this_quarter > 0).sort((a, b) => (a.county < b.county ? -1 : a.county > b.county ? 1 : 0))
}

import type { Appraisal } from './score.ts'
import type { RectificationItem } from '../rectification/rectification-item.ts'

/** What publishing did to rectification items, as the use case reports it (publish-rectification.ts). */
export interface RectificationChanges {
  opened: readonly RectificationItem[]
  withdrawn: readonly RectificationItem[]
  closed: readonly RectificationItem[]
  recurring: readonly RectificationItem[]
}

const itemBrief = (i: RectificationItem) => ({ item_id: i.item_id, county: i.county, problem: i.problem, ...(i.indicator ? { indicator: i.indicator } : {}), due: i.due })

/**
 * What publishing a quarter announces: the grades, the best and worst, every red flag, and the
 * rectification items it opened, withdrew, and closed or found recurring by looking back.
 */
export function appraisalSummary(appraisal: Appraisal, rectification?: RectificationChanges) {
  const grades: Record<string, number> = {}
  for (const c of appraisal.counties) grades[c.grade] = (grades[c.grade] ?? 0) + 1
  const byScore = [...appraisal.counties].sort((a, b) => b.score - a.score || a.county.localeCompare(b.county))
  const brief = (c: (typeof byScore)[number]) => ({ county: c.county, name: c.name, score: c.score, grade: c.grade, rank_in_province: c.rank_in_province })
  return {
    period: appraisal.period,
    config: appraisal.config,
    counties: appraisal.counties.length,
    grades,
    top: byScore.slice(0, 3).map(brief),
    bottom: byScore.slice(-3).reverse().map(brief),
    red_flags: appraisal.counties.flatMap((c) => c.red_flags.map((f) => ({ county: c.county, name: c.name, ...f }))),
    missing_counties: appraisal.missing_counties,
    ...(rectification
      ? { rectification: { opened: rectification.opened.map(itemBrief), withdrawn: rectification.withdrawn.map(itemBrief), closed: rectification.closed.map(itemBrief), recurring: rectification.recurring.map(itemBrief) } }
      : {}),
  }
}
export type AppraisalAnnouncement = ReturnType<typeof appraisalSummary>

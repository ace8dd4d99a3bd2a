import type { Appraisal } from './score.ts'

/** What publishing a quarter announces: the grades, the best and worst, every red flag. */
export function appraisalSummary(appraisal: Appraisal) {
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
  }
}
export type AppraisalAnnouncement = ReturnType<typeof appraisalSummary>

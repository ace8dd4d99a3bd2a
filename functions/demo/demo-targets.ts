import { formatPeriod, quarterLastDay, type Quarter } from '../core/period.ts'
import type { ProvincePlan } from './generate.ts'
import { SCOPE_METADATA } from '../core/upload-place.ts'

/** Cumulative quarterly milestones the demo's city sets its counties (rectification.md, "Targets"). */
const MILESTONES = [
  { indicator: '风险消除率', qs: ['15%', '30%', '45%', '60%'] },
  { indicator: '衔接资金支出进度', qs: ['0.2', '0.45', '0.7', '0.9'] },
] as const

/**
 * A targets file for one city's counties (5206 when the plan has it, else the first city with
 * counties), one row per year of the demo's quarters, county and indicator: those counties are
 * scored on these milestones instead of the default targets. Sent with the registry as the
 * city's official sends it: the city as its scope (`x-amz-meta-scope`, as the portal's slot fixes it).
 */
export function demoTargetsUpload(plan: ProvincePlan, quarters: readonly Quarter[]): { key: string; body: string; at: Date; wave: number; metadata: Record<string, string>; city: string } {
  const city = plan.counties.some((c) => c.city === '5206') ? '5206' : plan.counties[0]!.city
  const years = [...new Set(quarters.map((q) => q.year))].sort()
  const lines = ['年度,县代码,指标,一季度目标,二季度目标,三季度目标,四季度目标']
  for (const year of years) {
    for (const county of plan.counties.filter((c) => c.city === city)) {
      for (const m of MILESTONES) lines.push([year, county.code, m.indicator, ...m.qs].join(','))
    }
  }
  const first = quarters[0]!
  return {
    key: `registry/targets/${city}目标任务-${formatPeriod(first).slice(0, 4)}.csv`,
    body: `${lines.join('\n')}\n`,
    at: new Date((quarterLastDay(first) - 29) * 86_400_000),
    wave: 0,
    metadata: { [SCOPE_METADATA]: city },
    city,
  }
}

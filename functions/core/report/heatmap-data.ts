import type { ScorableIndicator } from '../../../schemas/scoring.ts'
import type { HeatmapCell, HeatmapColumn } from './appraisal-charts.ts'
import { fixed } from './report-format.ts'
import { INDICATOR_LABELS } from './report-labels.ts'

/** One line of a county's breakdown, as the appraisal stores it and the API returns it. */
export interface ScoredLine {
  indicator: ScorableIndicator
  value: number | null
  weight: number
  points: number
}

/** The heatmap's columns (scored indicators, with their weight when every county has the same) and cells. */
export function heatmapData(counties: readonly { breakdown: readonly ScoredLine[] }[]): { columns: HeatmapColumn[]; cells: HeatmapCell[][] } {
  const keys: ScorableIndicator[] = []
  for (const c of counties) for (const b of c.breakdown) if (!keys.includes(b.indicator)) keys.push(b.indicator)
  const weightOf = (key: ScorableIndicator) => {
    const weights = new Set(counties.flatMap((c) => c.breakdown.filter((b) => b.indicator === key).map((b) => b.weight)))
    return weights.size === 1 ? [...weights][0] : undefined
  }
  const columns: HeatmapColumn[] = keys.map((key) => {
    const w = weightOf(key)
    return { key, zh: INDICATOR_LABELS[key].zh, short: `${INDICATOR_LABELS[key].short}${w === undefined ? '' : ` (${fixed(w, 0)})`}` }
  })
  const cells: HeatmapCell[][] = counties.map((c) => c.breakdown.flatMap((b) => {
    if (!(b.weight > 0)) return []
    return [{ column: keys.indexOf(b.indicator), share: Math.min(1, Math.max(0, b.points / b.weight)), fromNull: b.value === null }]
  }))
  return { columns, cells }
}

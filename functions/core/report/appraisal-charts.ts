import { BarChart, HeatmapChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TitleComponent, VisualMapPiecewiseComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import type { EChartsCoreOption } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import type { Grade } from '../../../schemas/scoring.ts'
import { fixed } from './report-format.ts'
import { FONT_FAMILY, GRADE_STYLE, PALETTE } from './report-labels.ts'

// Only what the report draws, so that the aggregate function's bundle stays small.
use([BarChart, HeatmapChart, LineChart, GridComponent, LegendComponent, TitleComponent, VisualMapPiecewiseComponent, SVGRenderer])

/** The drawing width of every chart (the page scales the SVG down on narrow screens). */
export const CHART_WIDTH = 1120

/** A county as the charts label it. */
export interface ChartCounty {
  county: string
  /** The name, or the code when the registry has none. */
  label: string
  score: number
  grade: Grade
  red_flags: number
}

/** One chart: what the static report renders to SVG here and the portal draws live in the page. */
export interface ChartSpec {
  id: string
  width: number
  height: number
  option: EChartsCoreOption
  label: string
}

/** The chart as static SVG (the report's way). */
export function renderSpec(spec: ChartSpec): string {
  return renderChartSvg(spec.id, spec.width, spec.height, spec.option, spec.label)
}

/**
 * Renders one chart to static SVG with ECharts' server-side renderer: no script, no fonts or
 * images fetched, nothing to load when the file is opened. ECharts names classes and
 * definitions from process-wide counters (`zr3-cls-41`); they are renamed after the chart
 * (`ranking-cls-0`) so the same input renders the same text and the `<style>` of one SVG
 * cannot reach another.
 */
export function renderChartSvg(id: string, width: number, height: number, option: EChartsCoreOption, label: string): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width, height })
  let svg: string
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT_FAMILY, color: PALETTE.ink }, ...option })
    svg = chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
  // Class and definition numbers also come from global counters: renumber them in order of appearance.
  const renumbered = new Map<string, string>()
  const perKind = new Map<string, number>()
  return svg
    // The SVG namespace is implied inside HTML; dropping the declarations leaves no URL in the file.
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/(class="|id="|url\(#|\.)zr\d+-([a-z]+-?)(\d+)/g, (_m, before: string, kind: string, n: string) => {
      let name = renumbered.get(kind + n)
      if (name === undefined) {
        const next = perKind.get(kind) ?? 0
        perKind.set(kind, next + 1)
        name = `${id}-${kind}${next}`
        renumbered.set(kind + n, name)
      }
      return before + name
    })
    .replace(/^<svg /, `<svg data-chart="${id}" role="img" aria-label="${label.replace(/["<>&]/g, '')}" `)
}

/** Roughly how wide a label is drawn: CJK characters a full em, others about half. */
function textWidth(text: string, fontSize: number): number {
  let w = 0
  for (const ch of text) w += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/.test(ch) ? fontSize : fontSize * 0.6
  return w
}

function labelAreaWidth(labels: readonly string[], fontSize: number): number {
  return Math.min(260, Math.max(72, Math.ceil(Math.max(0, ...labels.map((l) => textWidth(l, fontSize)))) + 20))
}

const AXIS = { axisLine: { lineStyle: { color: PALETTE.rule } }, axisTick: { show: false }, axisLabel: { color: PALETTE.muted } }

/** Score by county, best first, each bar in its grade's colour; red flags noted after the score. */
export function rankingSpec(counties: readonly ChartCounty[]): ChartSpec {
  const rowHeight = 24
  const height = 70 + rowHeight * counties.length
  const labelOf = new Map(counties.map((c) => [c.county, c.label]))
  const max = Math.max(100, ...counties.map((c) => c.score))
  return spec('ranking', CHART_WIDTH, height, {
    grid: { left: labelAreaWidth([...labelOf.values()], 12), right: 110, top: 16, bottom: 40 },
    xAxis: { type: 'value', min: 0, max, splitNumber: 10, ...AXIS, splitLine: { lineStyle: { color: '#eef1f5' } }, name: '得分 Score', nameLocation: 'middle', nameGap: 26, nameTextStyle: { color: PALETTE.muted } },
    yAxis: {
      type: 'category',
      inverse: true,
      data: counties.map((c) => c.county),
      ...AXIS,
      axisLabel: { color: PALETTE.ink, fontSize: 12, formatter: (code: string) => labelOf.get(code) ?? code },
    },
    series: [{
      type: 'bar',
      barWidth: Math.round(rowHeight * 0.62),
      data: counties.map((c) => ({ value: c.score, itemStyle: { color: GRADE_STYLE[c.grade].color, borderRadius: [0, 3, 3, 0] } })),
      label: {
        show: true,
        position: 'right',
        color: PALETTE.ink,
        fontSize: 12,
        formatter: (p: { dataIndex: number; value: number }) => {
          const flags = counties[p.dataIndex]?.red_flags ?? 0
          return flags > 0 ? `${fixed(p.value, 2)}  红线×${flags}` : fixed(p.value, 2)
        },
      },
    }],
  }, '县级排名 Ranking')
}

export function rankingChart(counties: readonly ChartCounty[]): string {
  return renderSpec(rankingSpec(counties))
}

export interface HeatmapColumn {
  key: string
  zh: string
  short: string
}

export interface HeatmapCell {
  /** Index into the columns. */
  column: number
  /** Points earned / weight, 0 to 1. */
  share: number
  /** The indicator's value was null: the points come from the null rule, not a measurement. */
  fromNull: boolean
}

/** Five steps of the share of the weight earned, red to green. */
export const HEAT_STEPS = [
  { min: 0, max: 0.2, color: '#c9372c', zh: '低于 20%', en: '< 20%' },
  { min: 0.2, max: 0.4, color: '#e8743c', zh: '20–40%', en: '20–40%' },
  { min: 0.4, max: 0.6, color: '#f3c969', zh: '40–60%', en: '40–60%' },
  { min: 0.6, max: 0.8, color: '#9acb6b', zh: '60–80%', en: '60–80%' },
  { min: 0.8, max: 1, color: '#1a7f43', zh: '80% 及以上', en: '≥ 80%' },
] as const

/** Counties (rows, in ranking order) × scored indicators (columns): the share of the weight earned. */
export function heatmapSpec(counties: readonly ChartCounty[], columns: readonly HeatmapColumn[], cells: readonly (readonly HeatmapCell[])[]): ChartSpec {
  const rowHeight = 26
  const repeatLabels = counties.length > 15
  const height = (repeatLabels ? 104 : 64) + rowHeight * counties.length
  const labelOf = new Map(counties.map((c) => [c.county, c.label]))
  const data: { value: [number, number, number]; fromNull: boolean }[] = []
  cells.forEach((row, y) => {
    for (const cell of row) data.push({ value: [cell.column, y, cell.share], fromNull: cell.fromNull })
  })
  return spec('heatmap', CHART_WIDTH, height, {
    grid: { left: labelAreaWidth([...labelOf.values()], 12), right: 16, top: 52, bottom: repeatLabels ? 48 : 8 },
    // A long table gets the indicator names under it as well as over it.
    xAxis: (repeatLabels ? (['top', 'bottom'] as const) : (['top'] as const)).map((position) => ({
      type: 'category',
      position,
      data: columns.map((c) => `${c.zh}\n${c.short}`),
      ...AXIS,
      axisLabel: { color: PALETTE.ink, fontSize: 11, interval: 0, lineHeight: 15 },
    })),
    yAxis: {
      type: 'category',
      inverse: true,
      data: counties.map((c) => c.county),
      ...AXIS,
      axisLabel: { color: PALETTE.ink, fontSize: 12, formatter: (code: string) => labelOf.get(code) ?? code },
    },
    visualMap: {
      type: 'piecewise',
      // The page prints the bilingual legend under the chart.
      show: false,
      dimension: 2,
      orient: 'horizontal',
      left: 'center',
      bottom: 6,
      itemWidth: 18,
      itemHeight: 12,
      textStyle: { color: PALETTE.muted, fontSize: 11 },
      pieces: HEAT_STEPS.map((s, i) => ({ gte: s.min, ...(i === HEAT_STEPS.length - 1 ? { lte: s.max } : { lt: s.max }), color: s.color, label: s.en })),
    },
    series: [{
      type: 'heatmap',
      data,
      itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
      label: {
        show: true,
        fontSize: 11,
        color: PALETTE.ink,
        formatter: (p: { data: { value: [number, number, number]; fromNull: boolean } }) => `${Math.round(p.data.value[2] * 100)}${p.data.fromNull ? '*' : ''}`,
      },
    }],
  }, '指标得分热力图 Indicator heatmap')
}

export function heatmapChart(counties: readonly ChartCounty[], columns: readonly HeatmapColumn[], cells: readonly (readonly HeatmapCell[])[]): string {
  return renderSpec(heatmapSpec(counties, columns, cells))
}

export interface HistorySeries {
  county: ChartCounty
  /** One entry per period of the chart: the score and grade then, or null when not appraised. */
  points: readonly ({ score: number; grade: Grade } | null)[]
}

/** Up to this many counties share one chart with a line each; beyond it, small multiples. */
export const HISTORY_LINES_MAX = 10

/** Each county's score over the quarters: one line per county, or a small chart per county when many. */
export function historySpec(periods: readonly string[], series: readonly HistorySeries[]): ChartSpec {
  const scores = series.flatMap((s) => s.points.flatMap((p) => (p ? [p.score] : [])))
  // Scores bunch between 60 and 100: start the axis under the lowest, on a multiple of 20.
  const low = Math.max(0, Math.floor((Math.min(100, ...scores) - 5) / 20) * 20)
  const high = Math.ceil(Math.max(100, ...scores))
  const point = (p: { score: number; grade: Grade } | null) => (p ? { value: p.score, itemStyle: { color: GRADE_STYLE[p.grade].color } } : null)
  if (series.length <= HISTORY_LINES_MAX) {
    return spec('history', CHART_WIDTH, 380, {
      legend: { top: 4, left: 'center', itemWidth: 18, itemHeight: 8, textStyle: { color: PALETTE.ink, fontSize: 12 }, data: series.map((s) => s.county.label) },
      grid: { left: 56, right: 40, top: 64, bottom: 36 },
      xAxis: { type: 'category', data: [...periods], boundaryGap: false, ...AXIS, axisLabel: { color: PALETTE.muted, fontSize: 12 } },
      yAxis: { type: 'value', min: low, max: high, ...AXIS, splitLine: { lineStyle: { color: '#eef1f5' } }, name: '得分 Score', nameTextStyle: { color: PALETTE.muted } },
      series: series.map((s, i) => ({
        type: 'line',
        name: s.county.label,
        data: s.points.map(point),
        color: PALETTE.lines[i % PALETTE.lines.length],
        lineStyle: { width: 2 },
        symbol: 'circle',
        symbolSize: 8,
        showSymbol: true,
        connectNulls: false,
      })),
    }, '历次得分 Score over quarters')
  }
  const columns = 5
  const cellWidth = CHART_WIDTH / columns
  const cellHeight = 132
  const rows = Math.ceil(series.length / columns)
  const last = periods.length - 1
  const option: EChartsCoreOption = {
    title: series.map((s, i) => ({
      text: `${s.county.label}  ${fixed(s.county.score, 2)}`,
      left: (i % columns) * cellWidth + 14,
      top: Math.floor(i / columns) * cellHeight + 6,
      textStyle: { fontSize: 12, fontWeight: 'bold', color: PALETTE.ink },
    })),
    grid: series.map((_, i) => ({ left: (i % columns) * cellWidth + 40, width: cellWidth - 58, top: Math.floor(i / columns) * cellHeight + 32, height: cellHeight - 66 })),
    xAxis: series.map((_, i) => ({
      gridIndex: i, type: 'category', data: [...periods], boundaryGap: false, ...AXIS,
      axisLabel: { color: PALETTE.muted, fontSize: 10, interval: (index: number) => index === 0 || index === last, hideOverlap: false },
    })),
    // Three ticks (bottom, middle, top): more would crowd a small chart.
    yAxis: series.map((_, i) => ({
      gridIndex: i, type: 'value', min: low, max: high, interval: (high - low) / 2, ...AXIS,
      axisLabel: { color: PALETTE.muted, fontSize: 10, formatter: (v: number) => fixed(v, 0) }, splitLine: { lineStyle: { color: '#eef1f5' } },
    })),
    series: series.map((s, i) => ({
      type: 'line', xAxisIndex: i, yAxisIndex: i, data: s.points.map(point), color: PALETTE.accent,
      lineStyle: { width: 1.5 }, symbol: 'circle', symbolSize: 6, showSymbol: true, connectNulls: false,
    })),
  }
  return spec('history', CHART_WIDTH, rows * cellHeight + 8, option, '历次得分 Score over quarters')
}

export function historyChart(periods: readonly string[], series: readonly HistorySeries[]): string {
  return renderSpec(historySpec(periods, series))
}

function spec(id: string, width: number, height: number, option: EChartsCoreOption, label: string): ChartSpec {
  return { id, width, height, option, label }
}

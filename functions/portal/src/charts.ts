import { TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import type { ChartSpec } from '../../core/report/appraisal-charts.ts'
import { FONT_FAMILY, PALETTE } from '../../core/report/report-labels.ts'
import { keepChart } from './chart-registry.ts'
import { h } from './dom.ts'

// The report's charts (core/report/appraisal-charts.ts registers them and the SVG renderer), plus tooltips.
use([TooltipComponent])

/**
 * Draws one of the report's charts live in the page (SVG renderer: crisp, and no canvas), with
 * tooltips. The chart is as wide as its container and never narrower than `minWidth`: below
 * that the container scrolls sideways, the page never does.
 */
export function drawChart(spec: ChartSpec, minWidth: number, tooltip: Record<string, unknown> = { trigger: 'item' }): HTMLElement {
  const canvas = h('div', { class: 'chart-canvas', role: 'img', 'aria-label': spec.label })
  const frame = h('div', { class: 'chart-scroll', tabindex: 0, role: 'region', 'aria-label': spec.label }, canvas)
  queueMicrotask(() => {
    const width = Math.max(minWidth, Math.floor(frame.clientWidth || minWidth))
    const chart = init(canvas, null, { renderer: 'svg', width, height: spec.height })
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT_FAMILY, color: PALETTE.ink }, tooltip: { confine: true, ...tooltip }, ...spec.option })
    keepChart(chart)
  })
  return frame
}

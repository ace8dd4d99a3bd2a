/** The charts drawn on the current page (kept apart from charts.ts so that the shell does not load ECharts). */
const live = new Set<{ dispose(): void }>()

export function keepChart(chart: { dispose(): void }): void {
  live.add(chart)
}

/** Charts of the page that is left are disposed of (their listeners and timers with them). */
export function disposeCharts(): void {
  for (const c of live) c.dispose()
  live.clear()
}

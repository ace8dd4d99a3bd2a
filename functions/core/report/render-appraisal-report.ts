import { GRADES, RED_LINE_INDICATORS } from '../../../schemas/scoring.ts'
import type { Grade } from '../../../schemas/scoring.ts'
import type { CountyAppraisal } from '../appraisal/score.ts'
import type { CountyRectificationSummary } from '../rectification/rectification-summary.ts'
import { heatmapChart, HEAT_STEPS, historyChart, rankingChart } from './appraisal-charts.ts'
import { heatmapData } from './heatmap-data.ts'
import type { ChartCounty, HistorySeries } from './appraisal-charts.ts'
import { beijingTime, escapeHtml as esc, fixed, grouped, indicatorValue, lateness, percent, periodZh } from './report-format.ts'
import { FONT_FAMILY, GRADE_STYLE, INDICATOR_LABELS, PALETTE } from './report-labels.ts'

/** An earlier quarter's result of one county, for the score-over-quarters chart. */
export interface ReportHistoryPoint {
  /** `YYYYQn`. */
  period: string
  county: string
  score: number
  grade: Grade
}

/** One province's or city's roll-up: the columns of schemas/region-columns.ts. */
export type ReportRegion = { level: string; code: string; name: string | null } & Readonly<Record<string, string | number | null>>

/** Everything the report shows; the renderer reads nothing else. */
export interface AppraisalReportInput {
  /** `YYYYQn`. */
  period: string
  /** The scoring configuration of the appraisal; null when no county was appraised. */
  config: { version: string; sha256: string } | null
  /** When the report was generated (ISO-8601 instant). */
  generatedAt: string
  /** The appraisal run shown, when known. */
  run?: { runId: string; computedAt: string }
  /** This quarter's appraised counties, unrounded, any order. */
  counties: readonly CountyAppraisal[]
  /** Counties with an accepted report that could not be appraised (appraisal.md, "Appraisable"). */
  notAppraisable?: readonly { county: string; reason: string }[]
  /** Rectification items per county (rectification.md); the section is left out without. */
  rectification?: readonly CountyRectificationSummary[]
  /** Province and city roll-ups (appraisal.md, "Roll-ups"), from the sums of their villages; any order. */
  regions?: readonly ReportRegion[]
  /** Earlier quarters' scores (any order; counties not in `counties` are ignored). */
  history: readonly ReportHistoryPoint[]
  /** Registry counties without an accepted village report. */
  missingCounties: readonly { county: string; name: string | null }[]
  /** Counties whose accepted village report arrived at or after the deadline. */
  lateCounties: readonly { county: string; submittedAt: string }[]
  /** The quarter's submission deadline (ISO-8601 instant). */
  deadline: string
}

/** At most this many quarters (this one included) in the score-over-quarters chart. */
export const HISTORY_PERIODS_MAX = 9

/** Breakdowns start folded above this many counties, so the page stays short. */
const BREAKDOWN_OPEN_MAX = 4

/**
 * The appraisal report: one self-contained HTML document, charts as inline SVG drawn here,
 * no script and no reference to anything outside the file (a CSP forbids fetching), in
 * Chinese with English labels. Pure: the same input gives the same text.
 */
export function renderAppraisalReport(input: AppraisalReportInput): string {
  const counties = [...input.counties].sort(compareCounties)
  const labelOf = new Map(counties.map((c) => [c.county, countyLabel(c)]))
  const chartCounties: ChartCounty[] = counties.map((c) => ({ county: c.county, label: countyLabel(c), score: c.score, grade: c.grade, red_flags: c.red_flags.length }))
  const title = `县级巩固拓展脱贫攻坚成果考核报告 ${input.period}`
  const sections = [
    header(input, counties),
    rankingSection(counties, chartCounties),
    heatmapSection(counties, chartCounties),
    historySection(input, counties, chartCounties),
    regionSection(input.regions ?? []),
    redFlagSection(counties, labelOf),
    ...(input.rectification ? [rectificationSection(input.rectification, labelOf)] : []),
    reportingSection(input, counties, labelOf),
    breakdownSection(counties),
    footer(input),
  ]
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="village-appraisal">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`
}

function compareCounties(a: CountyAppraisal, b: CountyAppraisal): number {
  return compareCodes(a.province, b.province) || a.rank_in_province - b.rank_in_province || b.score - a.score || compareCodes(a.county, b.county)
}

function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The registry name, or the code when there is none. */
function countyLabel(c: { county: string; name: string | null }): string {
  const name = c.name?.trim()
  return name ? name : c.county
}

/** The name and the code, or the code alone when the registry has no name. */
function nameAndCode(c: { county: string; name: string | null }): string {
  return c.name?.trim() ? `<span class="county">${esc(c.name.trim())}</span> <code>${esc(c.county)}</code>` : `<code class="county">${esc(c.county)}</code>`
}

function gradeBadge(grade: Grade): string {
  const g = GRADE_STYLE[grade]
  return `<span class="grade grade-${grade}">${g.zh} <span class="en">${g.en}</span></span>`
}

function gradeLegend(): string {
  return `<p class="legend">${GRADES.map((g) => `<span class="legend-item"><span class="swatch" style="background:${GRADE_STYLE[g].color}"></span>${GRADE_STYLE[g].zh} ${GRADE_STYLE[g].en}</span>`).join('')}</p>`
}

function bilingual(zh: string, en: string): string {
  return `${esc(zh)} <span class="en">${esc(en)}</span>`
}

/** A numeric cell: rounded for reading, the unrounded number kept in `data-value`. */
function num(value: number | null | undefined, text: string, cls = 'num'): string {
  const data = value === null || value === undefined || !Number.isFinite(value) ? '' : ` data-value="${value}"`
  return `<td class="${cls}"${data}>${esc(text)}</td>`
}

function empty(zh: string, en: string): string {
  return `<p class="empty">${bilingual(zh, en)}</p>`
}

function section(id: string, zh: string, en: string, body: string, note = ''): string {
  return `<section id="${id}">
<h2>${esc(zh)} <span class="en">${esc(en)}</span></h2>
${note ? `<p class="note">${note}</p>\n` : ''}${body}
</section>`
}

function header(input: AppraisalReportInput, counties: readonly CountyAppraisal[]): string {
  const byGrade = new Map<Grade, number>(GRADES.map((g) => [g, 0]))
  for (const c of counties) byGrade.set(c.grade, (byGrade.get(c.grade) ?? 0) + 1)
  const flagged = counties.filter((c) => c.red_flags.length > 0).length
  const mean = counties.length ? counties.reduce((s, c) => s + c.score, 0) / counties.length : null
  const config = input.config
    ? `${esc(input.config.version)} · <code title="sha256 ${esc(input.config.sha256)}">${esc(input.config.sha256.slice(0, 12))}</code>`
    : '—'
  const meta: [string, string, string][] = [
    ['考核期', 'Period', `${esc(periodZh(input.period))} (${esc(input.period)})`],
    ['评分配置', 'Scoring config', config],
    ['生成时间', 'Generated at', `${esc(beijingTime(input.generatedAt))} <span class="en">北京时间 UTC+8</span>`],
    ['参评县数', 'Counties appraised', String(counties.length)],
    ['报送截止', 'Deadline', `${esc(beijingTime(input.deadline))} <span class="en">北京时间 UTC+8</span>`],
  ]
  if (input.run) meta.push(['计算批次', 'Run', `<code>${esc(input.run.runId)}</code> · ${esc(beijingTime(input.run.computedAt))}`])
  const tile = (value: string, zh: string, en: string, color?: string) =>
    `<div class="tile"${color ? ` style="border-top-color:${color}"` : ''}><div class="tile-value">${value}</div><div class="tile-label">${bilingual(zh, en)}</div></div>`
  const tiles = [
    tile(mean === null ? '—' : fixed(mean, 2), '平均得分', 'Mean score', PALETTE.accent),
    ...GRADES.map((g) => tile(String(byGrade.get(g) ?? 0), `等次「${GRADE_STYLE[g].zh}」`, GRADE_STYLE[g].en, GRADE_STYLE[g].color)),
    tile(String(flagged), '触碰红线县', 'With red flags', GRADE_STYLE.poor.color),
    tile(String(input.missingCounties.length), '未报送县', 'Missing', PALETTE.muted),
    tile(String(input.lateCounties.length), '逾期报送县', 'Late', PALETTE.muted),
  ]
  const nav = [
    ['ranking', '排名', 'Ranking'], ['heatmap', '指标热力图', 'Heatmap'], ['history', '历次得分', 'History'],
    ['red-flags', '红线问题', 'Red flags'], ['reporting', '报送情况', 'Reporting'], ['breakdown', '得分明细', 'Breakdown'],
  ].map(([id, zh, en]) => `<a href="#${id}">${zh} <span class="en">${en}</span></a>`).join('')
  return `<header>
<h1>县级巩固拓展脱贫攻坚成果季度考核报告 <span class="en">County Appraisal Report</span></h1>
<p class="subtitle">${esc(periodZh(input.period))} · ${esc(input.period)}</p>
<dl class="meta">${meta.map(([zh, en, v]) => `<div><dt>${bilingual(zh, en)}</dt><dd>${v}</dd></div>`).join('')}</dl>
<div class="tiles">${tiles.join('')}</div>
<nav>${nav}</nav>
</header>`
}

function redFlagText(c: CountyAppraisal): string {
  if (c.red_flags.length === 0) return '—'
  return c.red_flags.map((f) => `${INDICATOR_LABELS[f.indicator].zh} ${grouped(f.value)}`).join('；')
}

function rankingSection(counties: readonly CountyAppraisal[], chart: readonly ChartCounty[]): string {
  if (counties.length === 0) return section('ranking', '县级排名', 'Ranking', empty('本季度无参评县', 'No county was appraised this quarter'))
  const provinces = new Set(counties.map((c) => c.province)).size > 1
  const head = [
    ...(provinces ? [bilingual('省', 'Province')] : []),
    bilingual('省内排名', 'Rank (province)'), bilingual('市内排名', 'Rank (city)'), bilingual('县', 'County'), bilingual('县代码', 'Code'),
    bilingual('市代码', 'City'), bilingual('得分', 'Score'), bilingual('等次', 'Grade'), bilingual('红线问题', 'Red flags'),
  ]
  const rows = counties.map((c) => `<tr data-county="${esc(c.county)}" class="${c.red_flags.length ? 'flagged' : ''}">${provinces ? `<td>${esc(c.province)}</td>` : ''}${num(c.rank_in_province, String(c.rank_in_province))}${num(c.rank_in_city, String(c.rank_in_city))}<td class="county">${esc(countyLabel(c))}</td><td><code>${esc(c.county)}</code></td><td><code>${esc(c.city)}</code></td>${num(c.score, fixed(c.score, 2), 'num score')}<td>${gradeBadge(c.grade)}</td><td class="${c.red_flags.length ? 'flag-text' : 'muted'}">${esc(redFlagText(c))}</td></tr>`)
  return section('ranking', '县级排名', 'Ranking', `${gradeLegend()}
<figure class="chart">${rankingChart(chart)}</figure>
<div class="table-wrap"><table class="data"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`, '按未舍入得分排名，差值在 1e-9 以内并列。<span class="en">Ranked on unrounded scores; scores within 1e-9 tie. Scores shown to 2 decimals.</span>')
}

function heatmapSection(counties: readonly CountyAppraisal[], chart: readonly ChartCounty[]): string {
  const { columns, cells } = heatmapData(counties)
  if (counties.length === 0 || columns.length === 0) return section('heatmap', '指标得分热力图', 'Indicator heatmap', empty('无计分指标', 'No scored indicators'))
  const legend = HEAT_STEPS.map((s) => `<span class="legend-item"><span class="swatch" style="background:${s.color}"></span>${bilingual(s.zh, s.en)}</span>`).join('')
  return section('heatmap', '指标得分热力图', 'Indicator heatmap', `<figure class="chart">${heatmapChart(chart, columns, cells)}</figure>
<p class="legend">${legend}</p>`, '每格为该指标得分占权重的百分比，括号内为权重；* 表示指标值为空，按规则计分。<span class="en">Each cell: points earned as a % of the indicator\'s weight (weight in brackets); * the value is null and scored by the null rule.</span>')
}

function historySection(input: AppraisalReportInput, counties: readonly CountyAppraisal[], chart: readonly ChartCounty[]): string {
  if (counties.length === 0) return section('history', '历次得分', 'Score over quarters', empty('无参评县', 'No counties'))
  const current = new Set(counties.map((c) => c.county))
  const earlier = input.history.filter((h) => current.has(h.county) && h.period < input.period)
  const periods = [...new Set([...earlier.map((h) => h.period), input.period])].sort().slice(-HISTORY_PERIODS_MAX)
  const at = new Map(earlier.map((h) => [`${h.period}#${h.county}`, h]))
  const series: HistorySeries[] = chart.map((c) => ({
    county: c,
    points: periods.map((p) => {
      if (p === input.period) return { score: c.score, grade: c.grade }
      const h = at.get(`${p}#${c.county}`)
      return h ? { score: h.score, grade: h.grade } : null
    }),
  }))
  const note = periods.length === 1
    ? '暂无往期考核数据，仅显示本季度。<span class="en">No earlier quarter was appraised: this quarter only.</span>'
    : `最近 ${periods.length} 个季度；圆点颜色为当季等次，断开处为当季未参评。<span class="en">The last ${periods.length} quarters; dots in the grade of that quarter; gaps where a county was not appraised.</span>`
  return section('history', '历次得分', 'Score over quarters', `<figure class="chart">${historyChart(periods, series)}</figure>\n${gradeLegend()}`, note)
}

function redFlagSection(counties: readonly CountyAppraisal[], labelOf: ReadonlyMap<string, string>): string {
  const rows = counties.flatMap((c) => [...c.red_flags]
    .sort((a, b) => RED_LINE_INDICATORS.indexOf(a.indicator) - RED_LINE_INDICATORS.indexOf(b.indicator))
    .map((f) => `<tr data-county="${esc(c.county)}"><td class="county">${esc(labelOf.get(c.county) ?? c.county)}</td><td><code>${esc(c.county)}</code></td><td>${bilingual(INDICATOR_LABELS[f.indicator].zh, INDICATOR_LABELS[f.indicator].en)}</td>${num(f.value, grouped(f.value))}${num(f.villages.length, String(f.villages.length))}<td class="villages">${f.villages.length ? f.villages.map((v) => `<code class="village">${esc(v)}</code>`).join(' ') : '<span class="muted">—</span>'}</td></tr>`))
  if (rows.length === 0) return section('red-flags', '红线问题', 'Red flags', empty('本季度无红线问题', 'No red flags this quarter'))
  const head = [bilingual('县', 'County'), bilingual('县代码', 'Code'), bilingual('红线指标', 'Red line'), bilingual('数值', 'Value'), bilingual('涉及村数', 'Villages'), bilingual('涉及村代码', 'Village codes')]
  return section('red-flags', '红线问题', 'Red flags', `<div class="table-wrap"><table class="data"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`, '红线指标须为 0；每项大于 0 的红线扣分，且等次最高为「一般」。<span class="en">Red lines must be 0; each one above 0 deducts points and caps the grade at Fair.</span>')
}

function reportingSection(input: AppraisalReportInput, counties: readonly CountyAppraisal[], labelOf: ReadonlyMap<string, string>): string {
  const completeness = [...counties].sort((a, b) => (a.indicators.reporting_completeness ?? 2) - (b.indicators.reporting_completeness ?? 2) || compareCodes(a.county, b.county))
  const reported = counties.reduce((s, c) => s + (c.indicators.villages_reported ?? 0), 0)
  const expected = counties.reduce((s, c) => s + (c.indicators.villages_expected ?? 0), 0)
  const rows = completeness.map((c) => {
    const rate = c.indicators.reporting_completeness
    const bar = rate === null ? '' : `<span class="meter"><span style="width:${fixed(Math.min(1, Math.max(0, rate)) * 100, 1)}%;background:${rate >= 1 ? GRADE_STYLE.excellent.color : rate >= 0.8 ? GRADE_STYLE.fair.color : GRADE_STYLE.poor.color}"></span></span>`
    return `<tr data-county="${esc(c.county)}" class="${rate !== null && rate < 0.8 ? 'incomplete' : ''}"><td class="county">${esc(countyLabel(c))}</td><td><code>${esc(c.county)}</code></td>${num(c.indicators.villages_reported, grouped(c.indicators.villages_reported))}${num(c.indicators.villages_expected, grouped(c.indicators.villages_expected))}<td class="num" ${rate === null ? '' : `data-value="${rate}"`}>${bar}${esc(percent(rate))}</td></tr>`
  })
  const completenessTable = counties.length === 0
    ? empty('无参评县', 'No counties')
    : `<p class="summary-line">${bilingual('合计', 'Total')}：${esc(grouped(reported))} / ${esc(grouped(expected))} ${bilingual('村', 'villages')}，${bilingual('完整率', 'completeness')} <strong>${esc(percent(expected > 0 ? Math.min(1, reported / expected) : null))}</strong></p>
<div class="table-wrap"><table class="data"><thead><tr><th>${bilingual('县', 'County')}</th><th>${bilingual('县代码', 'Code')}</th><th>${bilingual('报送村数', 'Reported')}</th><th>${bilingual('应报村数', 'Expected')}</th><th>${bilingual('报送完整率', 'Completeness')}</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`

  const missing = [...input.missingCounties].sort((a, b) => compareCodes(a.county, b.county))
  const missingBody = missing.length === 0
    ? empty('无未报送县', 'None missing')
    : `<ul class="chips">${missing.map((m) => `<li data-county="${esc(m.county)}">${nameAndCode(m)}</li>`).join('')}</ul>`

  const notAppraisable = [...(input.notAppraisable ?? [])].sort((a, b) => compareCodes(a.county, b.county))
  const notAppraisableBody = notAppraisable.length === 0
    ? empty('无不参评县', 'None')
    : `<ul class="chips">${notAppraisable.map((n) => `<li data-county="${esc(n.county)}"><code>${esc(n.county)}</code> <span class="en">${esc(n.reason)}</span></li>`).join('')}</ul>`

  const late = [...input.lateCounties].sort((a, b) => compareCodes(a.county, b.county))
  const lateBody = late.length === 0
    ? empty('无逾期报送县', 'No late counties')
    : `<div class="table-wrap"><table class="data"><thead><tr><th>${bilingual('县', 'County')}</th><th>${bilingual('县代码', 'Code')}</th><th>${bilingual('接收时间（北京时间）', 'Received (UTC+8)')}</th><th>${bilingual('逾期', 'Late by')}</th></tr></thead>
<tbody>${late.map((l) => {
      const by = lateness(input.deadline, l.submittedAt)
      return `<tr data-county="${esc(l.county)}"><td class="county">${esc(labelOf.get(l.county) ?? l.county)}</td><td><code>${esc(l.county)}</code></td><td data-value="${esc(l.submittedAt)}">${esc(beijingTime(l.submittedAt))}</td><td>${esc(by.zh)} <span class="en">${esc(by.en)}</span></td></tr>`
    }).join('\n')}</tbody></table></div>`

  return section('reporting', '报送情况', 'Reporting', `<h3>${bilingual('报送完整率', 'Completeness')}</h3>
${completenessTable}
<div class="two-col">
<div><h3>${bilingual('未报送县', 'Missing counties')} <span class="count">${missing.length}</span></h3>
<p class="note">${bilingual('区划名册中在册、本季度无已通过村级报表的县（无名册时不列出）。', 'Registry counties without an accepted village report (none listed without a registry).')}</p>
${missingBody}</div>
<div><h3>${bilingual('不参评县', 'Not appraisable')} <span class="count">${notAppraisable.length}</span></h3>
<p class="note">${bilingual('已通过报表但脱贫人口数合计为 0（如全为 0 的报表），不评分、不排名。', 'An accepted report with no alleviated persons at all (such as a report of zeros): neither scored nor ranked.')}</p>
${notAppraisableBody}</div>
<div><h3>${bilingual('逾期报送县', 'Late counties')} <span class="count">${late.length}</span></h3>
<p class="note">${bilingual(`截止时间 ${beijingTime(input.deadline)}（北京时间），本季度已通过报表在此之后接收。`, 'The accepted report was received at or after the deadline.')}</p>
${lateBody}</div>
</div>`, '完整率 = 报送村数 / 应报村数（最高 100%），由低到高排列，低于 80% 的行标出。<span class="en">Completeness = villages reported / expected, capped at 100%; lowest first, rows under 80% highlighted.</span>')
}

/** The rates shown for a region: the scored ratios, computed from the region's sums. */
const REGION_RATES = ['risk_elimination_rate', 'labor_employment_rate', 'medical_insurance_rate', 'fund_spending_rate', 'project_completion_rate', 'collective_income_share'] as const
const REGION_RED_LINES = ['dropouts', 'zero_employment_households', 'unsafe_houses', 'unsafe_water_households'] as const

function regionSection(regions: readonly ReportRegion[]): string {
  const zh = '省市汇总'
  const en = 'Roll-up by province and city'
  if (regions.length === 0) return section('regions', zh, en, empty('本季度无汇总', 'No roll-up this quarter'))
  const order = (r: ReportRegion) => (r.level === 'province' ? 0 : 1)
  const sorted = [...regions].sort((a, b) => compareCodes(a.code.slice(0, 2), b.code.slice(0, 2)) || order(a) - order(b) || compareCodes(a.code, b.code))
  const numberOf = (v: string | number | null | undefined) => (typeof v === 'number' ? v : null)
  const head = [
    bilingual('区域', 'Region'), bilingual('代码', 'Code'), bilingual('报送县数', 'Counties'), bilingual('报送村数', 'Villages'),
    ...REGION_RATES.map((k) => bilingual(INDICATOR_LABELS[k].zh, INDICATOR_LABELS[k].en)),
    ...REGION_RED_LINES.map((k) => bilingual(INDICATOR_LABELS[k].zh, INDICATOR_LABELS[k].en)),
  ]
  const rows = sorted.map((r) => {
    const label = r.name?.trim() ? r.name.trim() : r.code
    return `<tr data-region="${esc(r.code)}" class="level-${esc(r.level)}"><td class="county">${r.level === 'province' ? `<strong>${esc(label)}</strong>` : esc(label)}</td><td><code>${esc(r.code)}</code></td>${num(numberOf(r['counties_reported']), grouped(numberOf(r['counties_reported'])))}${num(numberOf(r['villages_reported']), grouped(numberOf(r['villages_reported'])))}${REGION_RATES.map((k) => num(numberOf(r[k]), indicatorValue(numberOf(r[k]), INDICATOR_LABELS[k].kind))).join('')}${REGION_RED_LINES.map((k) => {
      const v = numberOf(r[k])
      return num(v, grouped(v), v !== null && v > 0 ? 'num flag-text' : 'num')
    }).join('')}</tr>`
  })
  return section('regions', zh, en, `<div class="table-wrap"><table class="data"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`, '由各村数据的分子、分母合计后计算，不是各县比率的平均；含不参评县的已通过报表。<span class="en">Computed from the sums of the villages\' numerators and denominators, never as averages of county ratios; not-appraisable counties\' accepted reports included.</span>')
}

function rectificationSection(lines: readonly CountyRectificationSummary[], labelOf: ReadonlyMap<string, string>): string {
  const zh = '整改事项'
  const en = 'Rectification items'
  if (lines.length === 0) return section('rectification', zh, en, empty('无未关闭或本季度关闭的整改事项', 'No item open or closed this quarter'))
  const head = [bilingual('县', 'County'), bilingual('县代码', 'Code'), bilingual('未关闭', 'Open'), bilingual('逾期', 'Overdue'), bilingual('反复出现', 'Recurring'), bilingual('本季度关闭', 'Closed this quarter')]
  const rows = lines.map((l) => `<tr data-county="${esc(l.county)}" class="${l.overdue > 0 ? 'flagged' : ''}"><td class="county">${esc(labelOf.get(l.county) ?? l.county)}</td><td><code>${esc(l.county)}</code></td>${num(l.open, String(l.open))}${num(l.overdue, String(l.overdue), l.overdue > 0 ? 'num flag-text' : 'num')}${num(l.recurring, String(l.recurring))}${num(l.closed_this_quarter, String(l.closed_this_quarter))}</tr>`)
  const total = (k: 'open' | 'overdue' | 'recurring' | 'closed_this_quarter') => lines.reduce((n, l) => n + l[k], 0)
  return section('rectification', zh, en, `<p class="summary-line">${bilingual('合计', 'Total')}：${bilingual('未关闭', 'open')} <strong>${total('open')}</strong>，${bilingual('逾期', 'overdue')} <strong>${total('overdue')}</strong>，${bilingual('反复出现', 'recurring')} <strong>${total('recurring')}</strong>，${bilingual('本季度关闭', 'closed this quarter')} <strong>${total('closed_this_quarter')}</strong></p>
<div class="table-wrap"><table class="data"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`, '未关闭 = 待整改或已反馈待核实；逾期 = 截止日当天结束仍未关闭；反复出现 = 回头看时仍未整改到位的红线事项；本季度关闭 = 自本季度首日（北京时间）至报告生成时关闭。<span class="en">Open = open or responded, awaiting verification; overdue = not closed by the end of its due day; recurring = a red-line item the look-back found again; closed this quarter = closed from the quarter\'s first day (Beijing time) to when the report was made.</span>')
}

/**
 * Progress against the county's milestones (rectification.md, "Targets"): value / milestone of
 * each targeted indicator, whose milestone is the breakdown's target; nothing without targets.
 */
export function progressNote(c: Pick<CountyAppraisal, 'breakdown' | 'progress'>): string {
  if (!c.progress) return ''
  const parts = c.breakdown.filter((b) => b.milestone !== undefined).map((b) => {
    const label = INDICATOR_LABELS[b.indicator]
    const p = c.progress?.[b.indicator]
    const shown = p === null || p === undefined ? '—' : percent(p, 1)
    return `<span data-progress="${esc(b.indicator)}">${esc(label.zh)} <span class="en">${esc(label.en)}</span> <strong>${esc(shown)}</strong>（${bilingual('目标', 'milestone')} ${esc(indicatorValue(b.milestone, label.kind))}）</span>`
  })
  return `<p class="note progress">${bilingual('目标完成进度', 'Progress to milestones')}：${parts.join('；')}</p>
`
}

function breakdownSection(counties: readonly CountyAppraisal[]): string {
  if (counties.length === 0) return section('breakdown', '指标得分明细', 'Point breakdown', empty('无参评县', 'No counties'))
  const open = counties.length <= BREAKDOWN_OPEN_MAX ? ' open' : ''
  const items = counties.map((c) => {
    const rows = c.breakdown.map((b) => {
      const label = INDICATOR_LABELS[b.indicator]
      const share = b.weight > 0 ? Math.min(1, Math.max(0, b.points / b.weight)) : null
      const value = b.value === null ? `<td class="num muted">— <span class="en">空值 null</span></td>` : num(b.value, indicatorValue(b.value, label.kind))
      return `<tr><td>${bilingual(label.zh, label.en)}</td><td class="dir">${b.direction === 'up' ? '↑' : '↓'}</td>${value}${num(b.floor, indicatorValue(b.floor, label.kind))}${num(b.target, indicatorValue(b.target, label.kind))}${num(b.weight, fixed(b.weight, 2))}${num(b.points, fixed(b.points, 2), 'num points')}<td class="num">${share === null ? '—' : `<span class="meter"><span style="width:${fixed(share * 100, 1)}%;background:${heatColor(share)}"></span></span>${esc(percent(share, 0))}`}</td></tr>`
    })
    const others = (['villages_reported', 'villages_expected', 'monitored_households', 'monitored_persons', 'income_per_capita', 'median_days_to_eliminate'] as const)
      .map((k) => `<span>${esc(INDICATOR_LABELS[k].zh)} <span class="en">${esc(INDICATOR_LABELS[k].en)}</span> <strong>${esc(indicatorValue(c.indicators[k], INDICATOR_LABELS[k].kind))}</strong></span>`).join('')
    return `<details data-county="${esc(c.county)}"${open}>
<summary>${nameAndCode(c)} <span class="score">${esc(fixed(c.score, 2))}</span> ${gradeBadge(c.grade)}${c.red_flags.length ? ` <span class="flag-text">红线 ${c.red_flags.length} <span class="en">red flags</span></span>` : ''}</summary>
<div class="table-wrap"><table class="data breakdown"><thead><tr><th>${bilingual('指标', 'Indicator')}</th><th>${bilingual('方向', 'Dir')}</th><th>${bilingual('数值', 'Value')}</th><th>${bilingual('下限', 'Floor')}</th><th>${bilingual('目标', 'Target')}</th><th>${bilingual('权重', 'Weight')}</th><th>${bilingual('得分', 'Points')}</th><th>${bilingual('得分率', 'Share')}</th></tr></thead>
<tbody>${rows.join('\n')}</tbody>
<tfoot>
<tr><td colspan="6">${bilingual('指标得分小计', 'Points')}</td>${num(c.points, fixed(c.points, 2), 'num points')}<td></td></tr>
<tr><td colspan="6">${bilingual('红线扣分', 'Red-line deductions')}${c.red_flags.length ? `（${esc(c.red_flags.map((f) => INDICATOR_LABELS[f.indicator].zh).join('、'))}）` : ''}</td>${num(c.deductions, c.deductions > 0 ? `−${fixed(c.deductions, 2)}` : fixed(0, 2), 'num points')}<td></td></tr>
<tr class="total"><td colspan="6">${bilingual('总分', 'Score')}</td>${num(c.score, fixed(c.score, 2), 'num points')}<td>${gradeBadge(c.grade)}</td></tr>
</tfoot></table></div>
${progressNote(c)}${c.no_data.length ? `<p class="note">${bilingual('无数据指标', 'No data')}：${esc(c.no_data.map((k) => INDICATOR_LABELS[k].zh).join('、'))} <span class="en">${esc(c.no_data.join(', '))}</span></p>\n` : ''}<p class="others">${others}</p>
</details>`
  })
  return section('breakdown', '指标得分明细', 'Point breakdown', items.join('\n'), '得分 = 权重 × clamp((数值 − 下限) / (目标 − 下限), 0, 1)；数值为空时按规则计分。<span class="en">Points = weight × clamp((value − floor) / (target − floor), 0, 1); a null value earns the configured share of the weight.</span>')
}

function heatColor(share: number): string {
  return (HEAT_STEPS.find((s) => share < s.max) ?? HEAT_STEPS[4]).color
}

function footer(input: AppraisalReportInput): string {
  const grades = GRADES.map((g) => `${GRADE_STYLE[g].zh} ${GRADE_STYLE[g].en}`).join(' · ')
  return `<footer>
<p>${bilingual('等次', 'Grades')}：${esc(grades)}。${bilingual('数据以未舍入值计算与排名，表中数字为显示而舍入。', 'Computed and ranked on unrounded values; numbers are rounded for display only.')}</p>
<p>${bilingual('本文件为离线报告，无需联网即可查看。', 'A self-contained report: it opens without a network connection.')} village-appraisal · ${esc(input.period)}${input.config ? ` · ${esc(input.config.version)}` : ''}</p>
</footer>`
}

const STYLE = `
:root{--ink:${PALETTE.ink};--muted:${PALETTE.muted};--rule:${PALETTE.rule};--accent:${PALETTE.accent};--bg:#f5f7fa}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;color:var(--ink);font-family:${FONT_FAMILY};font-size:14px;line-height:1.55}
main{max-width:1200px;margin:0 auto;padding:24px 28px 40px}
header,section{background:#fff;border:1px solid var(--rule);border-radius:8px;padding:20px 24px;margin:0 0 18px}
h1{font-size:24px;margin:0;color:var(--accent)}
h2{font-size:19px;margin:0 0 10px;padding-bottom:6px;border-bottom:2px solid var(--accent)}
h3{font-size:15px;margin:18px 0 8px}
.en{color:var(--muted);font-weight:normal;font-size:.86em}
h1 .en,h2 .en{font-size:.72em}
.subtitle{margin:2px 0 12px;color:var(--muted);font-size:15px}
.meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0 0 14px}
.meta div{min-width:150px}.meta dt{font-size:12px;color:var(--muted)}.meta dd{margin:0;font-weight:600}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:10px;margin-bottom:12px}
.tile{border:1px solid var(--rule);border-top:4px solid var(--accent);border-radius:6px;padding:8px 10px;background:#fbfcfd}
.tile-value{font-size:22px;font-weight:700}.tile-label{font-size:12px;line-height:1.3}
nav{display:flex;flex-wrap:wrap;gap:8px}
nav a{color:var(--accent);text-decoration:none;border:1px solid var(--rule);border-radius:14px;padding:2px 12px;font-size:13px}
nav a:hover{background:#eef3f9}
.note{color:var(--muted);font-size:13px;margin:0 0 10px}
.note .en{font-size:1em}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:4px 0 8px;font-size:13px}
.legend-item{display:inline-flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:14px;height:14px;border-radius:3px}
figure.chart{margin:0 0 12px;overflow-x:auto}
figure.chart svg{display:block;max-width:100%;height:auto}
/* On a phone a wide table scrolls inside its own frame; the page never scrolls sideways. */
.table-wrap{max-width:100%;overflow-x:auto;margin:4px 0 8px}
table.data{border-collapse:collapse;width:100%;font-size:13px}
table.data th{background:#eef2f7;text-align:left;font-weight:600;padding:6px 8px;border-bottom:1px solid var(--rule);white-space:nowrap;vertical-align:bottom}
table.data td{padding:5px 8px;border-bottom:1px solid #edf0f4;vertical-align:top}
table.data tbody tr:nth-child(even){background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.score,td.points{font-weight:700}
td.county{font-weight:600}
td.dir{text-align:center;color:var(--muted)}
tr.flagged td.flag-text,.flag-text{color:${GRADE_STYLE.poor.color};font-weight:600}
.muted{color:var(--muted)}
code{font-family:ui-monospace,Consolas,monospace;font-size:.92em}
code.village{display:inline-block;background:#fdecea;color:#8a1f17;border-radius:3px;padding:0 4px;margin:1px 0}
.grade{display:inline-block;border-radius:10px;padding:0 9px;font-size:12px;font-weight:600;white-space:nowrap}
.grade .en{color:inherit;opacity:.9}
${GRADES.map((g) => `.grade-${g}{background:${GRADE_STYLE[g].color};color:${GRADE_STYLE[g].text}}`).join('\n')}
.meter{display:inline-block;width:70px;height:8px;background:#edf0f4;border-radius:4px;margin-right:8px;vertical-align:middle;overflow:hidden}
.meter>span{display:block;height:100%}
tr.incomplete td{background:#fff8ec}
.summary-line{margin:0 0 8px}
.two-col{display:grid;grid-template-columns:1fr 1fr;gap:24px}
@media (max-width:900px){.two-col{grid-template-columns:1fr}}
.two-col>div,header,section{min-width:0}
@media (max-width:600px){main{padding:12px 8px 24px}header,section{padding:14px 12px}.meta div{min-width:0}h1{font-size:20px}}
.count{display:inline-block;min-width:22px;text-align:center;background:#eef2f7;border-radius:10px;font-size:12px;padding:0 6px}
ul.chips{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:6px}
ul.chips li{border:1px solid var(--rule);border-radius:14px;padding:2px 10px;background:#fbfcfd}
.empty{color:var(--muted);background:#f6f8fa;border:1px dashed var(--rule);border-radius:6px;padding:10px 14px;margin:4px 0}
details{border:1px solid var(--rule);border-radius:6px;margin:0 0 8px;padding:0 12px}
details[open]{padding-bottom:8px}
summary{cursor:pointer;padding:8px 0;font-size:14px}
summary .score{font-weight:700;margin:0 6px}
table.breakdown tfoot td{border-top:1px solid var(--rule);font-weight:600}
table.breakdown tr.total td{border-top:2px solid var(--ink)}
.others{display:flex;flex-wrap:wrap;gap:4px 20px;font-size:12px;color:var(--ink);margin:4px 0 0}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
footer p{margin:2px 0}
@media print{html{background:#fff}main{max-width:none;padding:0}header,section{border:none;break-inside:auto;padding:8px 0}nav{display:none}h2{break-after:avoid}}
`

import { describe, expect, it } from 'vitest'
import { renderAppraisalReport } from '../../../functions/core/report/render-appraisal-report.ts'
import type { AppraisalReportInput } from '../../../functions/core/report/render-appraisal-report.ts'
import { HOSTILE_NAME, manyCountiesInput, sampleReportInput } from './sample-report.ts'

/** The HTML of one `<section id=…>`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`)
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0)
  return html.slice(start, html.indexOf('</section>', start))
}

/** The `<tr>` of a county in a section. */
function row(html: string, id: string, county: string): string {
  const part = section(html, id)
  const start = part.indexOf(`<tr data-county="${county}"`)
  expect(start, `row ${county} in ${id}`).toBeGreaterThanOrEqual(0)
  return part.slice(start, part.indexOf('</tr>', start))
}

/** The inline SVG of a chart. */
function chart(html: string, id: string): string {
  const start = html.indexOf(`<svg data-chart="${id}"`)
  expect(start, `chart ${id}`).toBeGreaterThanOrEqual(0)
  return html.slice(start, html.indexOf('</svg>', start))
}

const input = sampleReportInput()
const html = renderAppraisalReport(input)
const ESCAPED_HOSTILE = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;县'

describe('renderAppraisalReport', () => {
  it('is one HTML document that references nothing outside itself', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="zh-CN">')).toBe(true)
    expect(html.trimEnd().endsWith('</html>')).toBe(true)
    expect(html).not.toMatch(/https?:\/\//i)
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/\s(src|href)="(?!#)/i)
    expect(html).not.toMatch(/@import|url\((?!#)/i)
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)
  })

  it('draws the three charts as inline SVG', () => {
    for (const id of ['ranking', 'heatmap', 'history']) {
      const svg = chart(html, id)
      expect(svg.match(/<(path|rect)\b/g)?.length ?? 0).toBeGreaterThan(10)
    }
  })

  it('heads the report with the period, the configuration, the time generated and the count', () => {
    const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'))
    expect(header).toContain('2024年第2季度 (2024Q2)')
    expect(header).toContain(`2024.1 · <code title="sha256 ${input.config!.sha256}">${input.config!.sha256.slice(0, 12)}</code>`)
    expect(header).toContain('2024-07-15 10:00 <span class="en">北京时间 UTC+8</span>')
    expect(header).toContain('<dd>7</dd>')
    expect(header).toContain('<code>20240715T020000000Z</code> · 2024-07-15 09:59')
  })

  it('has a ranking row for every county: ranks, name or code, city, score to 2 decimals, grade, red flags', () => {
    expect(section(html, 'ranking').match(/<tr data-county=/g)).toHaveLength(input.counties.length)
    for (const c of input.counties) {
      const r = row(html, 'ranking', c.county)
      expect(r).toContain(`<td class="num" data-value="${c.rank_in_province}">${c.rank_in_province}</td><td class="num" data-value="${c.rank_in_city}">${c.rank_in_city}</td>`)
      expect(r).toContain(`<td><code>${c.county}</code></td><td><code>${c.city}</code></td>`)
      // Rounded for display, unrounded in the data.
      expect(r).toContain(`<td class="num score" data-value="${c.score}">${c.score.toFixed(2)}</td>`)
      expect(r).toContain(`<span class="grade grade-${c.grade}">`)
    }
    expect(row(html, 'ranking', '522201')).toContain('<td class="county">碧江区</td>')
    expect(row(html, 'ranking', '522202')).toContain('义务教育辍学 4；存量危房 2')
  })

  it('prints the code where the registry has no name', () => {
    expect(row(html, 'ranking', '522223')).toContain('<td class="county">522223</td>')
    expect(section(html, 'reporting')).toContain('<li data-county="522325"><code class="county">522325</code></li>')
    expect(section(html, 'reporting')).toContain('<li data-county="522327"><span class="county">册亨县</span> <code>522327</code></li>')
  })

  it('labels every grade in Chinese and English, in the grade colours', () => {
    expect(new Set(input.counties.map((c) => c.grade))).toEqual(new Set(['excellent', 'good', 'fair', 'poor']))
    for (const [grade, label] of [['excellent', '好 <span class="en">Excellent</span>'], ['good', '较好 <span class="en">Good</span>'], ['fair', '一般 <span class="en">Fair</span>'], ['poor', '较差 <span class="en">Poor</span>']]) {
      expect(html).toContain(`<span class="grade grade-${grade}">${label}</span>`)
    }
    expect(html).toContain('.grade-excellent{background:#1a7f43;color:#ffffff}')
    // The ranking bars are drawn in the same colours.
    expect(chart(html, 'ranking')).toContain('fill="#1a7f43"')
    expect(chart(html, 'ranking')).toContain('fill="#c9372c"')
  })

  it('lists the red flags with their villages', () => {
    const part = section(html, 'red-flags')
    expect(part.match(/<tr data-county=/g)).toHaveLength(3)
    expect(part).toContain('<code class="village">522202001001</code> <code class="village">522202001003</code>')
    expect(part).toContain('<code class="village">522202001002</code>')
    expect(part).toContain('<code class="village">522301104008</code>')
    expect(part).toContain('饮水不安全户 <span class="en">Households without safe water</span>')
  })

  it('escapes text from uploads everywhere, tables and charts alike', () => {
    expect(html).not.toContain(HOSTILE_NAME)
    expect(html).not.toContain('<script>alert')
    expect(row(html, 'ranking', '522224')).toContain(`<td class="county">${ESCAPED_HOSTILE}</td>`)
    expect(chart(html, 'ranking')).toContain(ESCAPED_HOSTILE)
    expect(row(html, 'reporting', '522224')).toContain(ESCAPED_HOSTILE)
  })

  it('shows completeness, missing counties and late counties', () => {
    const part = section(html, 'reporting')
    const reported = input.counties.reduce((n, c) => n + (c.indicators.villages_reported ?? 0), 0)
    const expected = input.counties.reduce((n, c) => n + (c.indicators.villages_expected ?? 0), 0)
    expect(expected).toBe(98 + 64 + 140 + 120 + 75 + 200 + 150)
    expect(part).toContain(`${reported} / ${expected}`)
    expect(row(html, 'reporting', '522201')).toContain('<td class="num" data-value="97">97</td><td class="num" data-value="98">98</td>')
    expect(row(html, 'reporting', '522201')).toContain('99.0%')
    expect(part).toContain('截止时间 2024-07-11 00:00（北京时间）')
    const late = part.slice(part.indexOf('逾期报送县'))
    expect(late).toContain('<td data-value="2024-07-12T03:20:00.000Z">2024-07-12 11:20</td><td>1 天 11 小时 <span class="en">1 d 11 h</span></td>')
  })

  it('lists the not-appraisable counties with their reason', () => {
    const withOne = renderAppraisalReport({ ...input, notAppraisable: [{ county: '522230', reason: 'no_alleviated_persons' }] })
    const part = section(withOne, 'reporting')
    expect(part).toContain('<li data-county="522230"><code>522230</code> <span class="en">no_alleviated_persons</span></li>')
    expect(section(html, 'reporting')).toContain('无不参评县')
  })

  it('rolls up provinces and cities from their sums: a row each, province first, red lines above 0 marked', () => {
    const regions = [
      { level: 'city', code: '5223', name: '黔西南州', counties_reported: 1, villages_reported: 40, risk_elimination_rate: 0.5, labor_employment_rate: null, medical_insurance_rate: 1, fund_spending_rate: 0.25, project_completion_rate: 0.5, collective_income_share: 0.1, dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0 },
      { level: 'province', code: '52', name: '贵州省', counties_reported: 3, villages_reported: 140, risk_elimination_rate: 0.6, labor_employment_rate: 0.8, medical_insurance_rate: 0.99, fund_spending_rate: 0.4, project_completion_rate: 0.5, collective_income_share: 0.2, dropouts: 2, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0 },
      { level: 'city', code: '5222', name: null, counties_reported: 2, villages_reported: 100, risk_elimination_rate: 0.64, labor_employment_rate: 0.8, medical_insurance_rate: 0.99, fund_spending_rate: 0.46, project_completion_rate: 0.5, collective_income_share: 0.24, dropouts: 2, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0 },
    ]
    const part = section(renderAppraisalReport({ ...input, regions }), 'regions')
    expect([...part.matchAll(/<tr data-region="(\d+)"/g)].map((m) => m[1])).toEqual(['52', '5222', '5223'])
    const province = part.slice(part.indexOf('<tr data-region="52"'), part.indexOf('</tr>', part.indexOf('<tr data-region="52"')))
    expect(province).toContain('<td class="county"><strong>贵州省</strong></td><td><code>52</code></td><td class="num" data-value="3">3</td><td class="num" data-value="140">140</td><td class="num" data-value="0.6">60.0%</td>')
    expect(province).toContain('<td class="num flag-text" data-value="2">2</td>')
    // A city without a registry name is shown by its code; a null rate as a dash.
    expect(part).toContain('<tr data-region="5222" class="level-city"><td class="county">5222</td>')
    expect(part.slice(part.indexOf('<tr data-region="5223"'))).toContain('<td class="num">—</td>')
    expect(section(html, 'regions')).toContain('本季度无汇总')
  })

  it('lists rectification items per county when given, overdue rows marked, with totals; no section without them', () => {
    const withItems = renderAppraisalReport({ ...input, rectification: [
      { county: '522201', open: 2, overdue: 1, recurring: 1, closed_this_quarter: 0 },
      { county: '522202', open: 0, overdue: 0, recurring: 0, closed_this_quarter: 3 },
    ] })
    const part = section(withItems, 'rectification')
    expect(row(withItems, 'rectification', '522201')).toContain('<td><code>522201</code></td><td class="num" data-value="2">2</td><td class="num flag-text" data-value="1">1</td><td class="num" data-value="1">1</td><td class="num" data-value="0">0</td>')
    expect(part).toContain('<tr data-county="522201" class="flagged">')
    expect(part).toContain('<strong>2</strong>，逾期 <span class="en">overdue</span> <strong>1</strong>')
    expect(section(renderAppraisalReport({ ...input, rectification: [] }), 'rectification')).toContain('无未关闭或本季度关闭的整改事项')
    expect(html).not.toContain('<section id="rectification">')
  })

  it('breaks each county down by indicator: value, floor, target, weight, points', () => {
    const part = section(html, 'breakdown')
    expect(part.match(/<details data-county=/g)).toHaveLength(input.counties.length)
    const bijiang = part.slice(part.indexOf('<details data-county="522201"'), part.indexOf('</details>', part.indexOf('<details data-county="522201"')))
    const risk = input.counties.find((c) => c.county === '522201')!.breakdown.find((b) => b.indicator === 'risk_elimination_rate')!
    expect(bijiang).toContain(`<td class="num" data-value="${risk.value}">73.0%</td><td class="num" data-value="0.3">30.0%</td><td class="num" data-value="0.7">70.0%</td><td class="num" data-value="20">20.00</td><td class="num points" data-value="20">20.00</td>`)
    // A null value is said to be null, and the heatmap marks its cell.
    const nameless = part.slice(part.indexOf('<details data-county="522223"'))
    expect(nameless).toContain('<td class="num muted">— <span class="en">空值 null</span></td>')
    const noData = input.counties.find((c) => c.county === '522223')!.no_data
    expect(noData.length).toBeGreaterThan(0)
    expect(nameless).toContain(`<span class="en">${noData.join(', ')}</span></p>`)
    expect(chart(html, 'heatmap')).toContain('>50*</text>')
    expect(chart(html, 'heatmap')).toContain('>100*</text>')
    // Deductions are shown under the points.
    const wanshan = part.slice(part.indexOf('<details data-county="522202"'))
    expect(wanshan).toContain('−10.00')
  })

  it('draws the earlier quarters, oldest first, with the gaps left open', () => {
    expect(section(html, 'history')).toContain('最近 5 个季度')
    const svg = chart(html, 'history')
    const labels = ['2023Q2', '2023Q3', '2023Q4', '2024Q1', '2024Q2'].map((p) => svg.indexOf(`>${p}</text>`))
    expect(labels.every((i) => i > 0)).toBe(true)
    expect([...labels].sort((a, b) => a - b)).toEqual(labels)
  })

  it('renders the same input to the same text', () => {
    expect(renderAppraisalReport(sampleReportInput())).toBe(html)
  })

  it('works without red flags and without history', () => {
    const calm: AppraisalReportInput = {
      ...input,
      counties: input.counties.filter((c) => c.red_flags.length === 0),
      history: [],
      lateCounties: [],
      missingCounties: [],
    }
    const out = renderAppraisalReport(calm)
    expect(section(out, 'red-flags')).toContain('本季度无红线问题 <span class="en">No red flags this quarter</span>')
    expect(section(out, 'red-flags')).not.toContain('<table')
    expect(section(out, 'history')).toContain('暂无往期考核数据')
    expect(chart(out, 'history').match(/<path\b/g)?.length ?? 0).toBeGreaterThan(5)
    expect(section(out, 'reporting')).toContain('无未报送县')
    expect(section(out, 'reporting')).toContain('无逾期报送县')
  })

  it('works with no county appraised', () => {
    const out = renderAppraisalReport({ ...input, config: null, counties: [], history: [], lateCounties: [] })
    expect(section(out, 'ranking')).toContain('本季度无参评县')
    expect(out).not.toContain('<svg')
    expect(out).toContain('<dd>0</dd>')
    expect(section(out, 'reporting')).toContain('<li data-county="522327">')
  })

  it('lays out dozens of counties: every row, small multiples of the history', () => {
    const many = manyCountiesInput(48)
    const out = renderAppraisalReport(many)
    expect(section(out, 'ranking').match(/<tr data-county=/g)).toHaveLength(48)
    expect(section(out, 'breakdown').match(/<details data-county="\d+">/g)).toHaveLength(48)
    const history = chart(out, 'history')
    for (const c of many.counties) expect(history).toContain(`>${c.name ?? c.county}  ${c.score.toFixed(2)}</text>`)
    expect(Number(/height="(\d+)"/.exec(chart(out, 'ranking'))?.[1])).toBeGreaterThan(48 * 20)
  })
})

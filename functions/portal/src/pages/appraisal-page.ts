import type { Appraisal, AppraisedCounty, CountyHistory } from '../api.ts'
import { heatmapSpec, historySpec, rankingSpec, type ChartCounty } from '../../../core/report/appraisal-charts.ts'
import { fixed, indicatorValue } from '../../../core/report/report-format.ts'
import { GRADE_STYLE, INDICATOR_LABELS } from '../../../core/report/report-labels.ts'
import { heatmapData } from '../../../core/report/heatmap-data.ts'
import { drawChart } from '../charts.ts'
import { fill, h, table, uid, type Child } from '../dom.ts'
import { t } from '../i18n.ts'
import { problemText } from '../problem.ts'
import type { PageContext } from './page.ts'

type Labelled = { zh: string; en: string; kind?: string }
const label = (key: string): Labelled => (INDICATOR_LABELS as Record<string, Labelled>)[key] ?? { zh: key, en: key }
const grade = (g: AppraisedCounty['grade']) => h('span', { class: `grade grade-${g}` }, t(GRADE_STYLE[g].zh, GRADE_STYLE[g].en))
const value = (key: string, v: number | null) => (v === null ? t('空值', 'null') : indicatorValue(v, (label(key).kind ?? 'count') as Parameters<typeof indicatorValue>[1]))
const progressValue = (v: number | null) => (v === null ? t('空值', 'null') : indicatorValue(v, 'rate'))
const countyName = (c: { county: string; name: string | null }) => (c.name?.trim() ? `${c.name.trim()} ${c.county}` : c.county)

/**
 * Appraisal (portal.md, page 3): the quarter's ranking, the indicator heatmap, a county's
 * breakdown with red flags and no_data, its history, the roll-up, missing and late counties;
 * the report's own charts, drawn live.
 */
export async function appraisalPage({ api, me, view }: PageContext): Promise<void> {
  const periodId = uid('period')
  const cityId = uid('city')
  const period = h('input', { id: periodId, pattern: '\\d{4}[Qq][1-4]', maxlength: 6, value: me.open_periods.at(-1) ?? '', autocomplete: 'off' })
  const city = h('input', { id: cityId, inputmode: 'numeric', pattern: '\\d{4}', maxlength: 4, value: me.city ?? me.county?.slice(0, 4) ?? '', autocomplete: 'off' })
  const status = h('p', { class: 'status', role: 'status' })
  const body = h('div', {})
  const detail = h('div', { 'aria-live': 'polite' })
  const form = h('form', { class: 'card filters' },
    h('div', {}, h('label', { for: periodId }, t('报告期', 'Quarter')), period),
    h('div', {}, h('label', { for: cityId }, t('市代码（4 位，可空）', 'City code (4 digits, optional)')), city),
    h('button', { type: 'submit', class: 'primary' }, t('查询', 'Show')))

  const showCounty = async (at: string, county: string) => {
    fill(detail, h('p', { class: 'status' }, t('正在读取…', 'Loading…')))
    const [one, history] = await Promise.all([
      api.get<Appraisal>(`/api/appraisals/${at}?county=${county}`),
      api.get<CountyHistory>(`/api/appraisals?county=${county}`),
    ])
    const c = one.counties[0]
    if (!c) {
      fill(detail, h('p', { class: 'empty' }, t('该县本季度未参评。', 'The county was not appraised this quarter.')))
      return
    }
    fill(detail, countyDetail(c, history))
    detail.querySelector('h2')?.focus()
  }

  const show = async () => {
    const at = period.value.toUpperCase()
    fill(detail)
    fill(status, t('正在读取…', 'Loading…'))
    const query = city.value ? `?city=${encodeURIComponent(city.value)}` : me.county ? `?county=${me.county}` : ''
    const appraisal = await api.get<Appraisal>(`/api/appraisals/${encodeURIComponent(at)}${query}`)
    fill(status, t(`${appraisal.period}：${appraisal.counties.length} 个县参评`, `${appraisal.period}: ${appraisal.counties.length} counties appraised`))
    const region = city.value || me.county?.slice(0, 4) || me.province
    const rollup = region ? await api.get<Record<string, unknown>>(`/api/regions/${region}/${at}`).catch(() => undefined) : undefined
    fill(body, ...appraisalSections(appraisal, rollup, (county) => void showCounty(at, county).catch((e: unknown) => fill(detail, h('p', { class: 'problem', role: 'alert' }, problemText(e))))))
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void show().catch((e: unknown) => fill(status, h('span', { class: 'problem', role: 'alert' }, problemText(e))))
  })
  fill(view, h('h1', {}, t('考核结果', 'Appraisal')), form, status, body, detail)
  if (period.value) await show().catch((e: unknown) => fill(status, h('span', { class: 'problem', role: 'alert' }, problemText(e))))
}

function appraisalSections(a: Appraisal, rollup: Record<string, unknown> | undefined, open: (county: string) => void): Child[] {
  const counties = [...a.counties].sort((x, y) => x.rank_in_province - y.rank_in_province || x.county.localeCompare(y.county))
  const chart: ChartCounty[] = counties.map((c) => ({ county: c.county, label: c.name?.trim() || c.county, score: c.score, grade: c.grade, red_flags: c.red_flags.length }))
  const withBreakdown = counties.filter((c) => c.breakdown && c.breakdown.length > 0) as (AppraisedCounty & { breakdown: NonNullable<AppraisedCounty['breakdown']> })[]
  const heat = withBreakdown.length === counties.length && counties.length > 0 ? heatmapData(withBreakdown as never) : undefined
  return [
    h('section', { class: 'card', 'aria-labelledby': 'ranking-h' },
      h('h2', { id: 'ranking-h' }, t('县级排名', 'Ranking')),
      counties.length === 0 ? h('p', { class: 'empty' }, t('本季度无参评县。', 'No county was appraised this quarter.')) : [
        drawChart(rankingSpec(chart), 340),
        table(t('县级排名', 'Ranking'), [t('省内', 'Prov.'), t('市内', 'City'), t('县', 'County'), t('得分', 'Score'), t('等次', 'Grade'), t('红线', 'Red flags'), ''],
          counties.map((c) => [c.rank_in_province, c.rank_in_city, countyName(c), fixed(c.score, 2), grade(c.grade),
            c.red_flags.length ? h('span', { class: 'flag-text' }, String(c.red_flags.length)) : '0',
            h('button', { type: 'button', class: 'link', 'data-county': c.county, onclick: () => open(c.county) }, t('明细', 'Details'))])),
      ]),
    heat && heat.columns.length > 0 ? h('section', { class: 'card', 'aria-labelledby': 'heat-h' },
      h('h2', { id: 'heat-h' }, t('指标得分热力图', 'Indicator heatmap')),
      h('p', { class: 'note' }, t('每格为该指标得分占权重的百分比；* 表示指标值为空，按规则计分。', "Each cell: points earned as a % of the indicator's weight; * the value is null.")),
      drawChart(heatmapSpec(chart, heat.columns, heat.cells), 760)) : null,
    h('section', { class: 'card two', 'aria-labelledby': 'missing-h' },
      h('h2', { id: 'missing-h' }, t('未报送、逾期与未参评的县', 'Missing, late and not appraised counties')),
      h('h3', {}, t('未报送县', 'Missing counties'), ` (${a.missing_counties.length})`),
      a.missing_counties.length === 0 ? h('p', { class: 'empty' }, t('无', 'None')) : h('ul', { class: 'chips' }, a.missing_counties.map((c) => h('li', {}, countyName(c)))),
      h('h3', {}, t('逾期报送县', 'Late counties'), ` (${a.late_counties?.length ?? 0})`),
      (a.late_counties?.length ?? 0) === 0 ? h('p', { class: 'empty' }, t('无', 'None')) : h('ul', { class: 'chips' }, a.late_counties!.map((c) => h('li', {}, `${c.county} · ${c.submitted_at}`))),
      h('h3', {}, t('未参评县', 'Not appraisable'), ` (${a.not_appraisable.length})`),
      a.not_appraisable.length === 0 ? h('p', { class: 'empty' }, t('无', 'None')) : h('ul', { class: 'chips' }, a.not_appraisable.map((c) => h('li', {}, `${c.county} · ${c.reason}`)))),
    rollup ? h('section', { class: 'card', 'aria-labelledby': 'rollup-h' },
      h('h2', { id: 'rollup-h' }, t('汇总', 'Roll-up')),
      table(t('汇总', 'Roll-up'), [t('项目', 'Item'), t('数值', 'Value')], rollupRows(rollup))) : null,
  ]
}

function rollupRows(rollup: Record<string, unknown>): Child[][] {
  const indicators = (rollup['indicators'] ?? rollup) as Record<string, unknown>
  return Object.entries(indicators).filter(([, v]) => typeof v === 'number' || typeof v === 'string' || v === null).map(([k, v]) => [
    t(label(k).zh, label(k).en),
    typeof v === 'number' ? value(k, v) : v === null ? t('空值', 'null') : String(v),
  ])
}

function countyDetail(c: AppraisedCounty, history: CountyHistory): HTMLElement {
  const periods = history.history.map((p) => p.period)
  const series = [{ county: { county: c.county, label: c.name?.trim() || c.county, score: c.score, grade: c.grade, red_flags: c.red_flags.length }, points: history.history.map((p) => ({ score: p.score, grade: p.grade })) }]
  return h('section', { class: 'card', 'aria-labelledby': 'county-h', 'data-county-detail': c.county },
    h('h2', { id: 'county-h', tabindex: -1 }, countyName(c), ' ', fixed(c.score, 2), ' ', grade(c.grade)),
    c.breakdown ? table(t('指标得分明细', 'Point breakdown'), [t('指标', 'Indicator'), t('数值', 'Value'), t('下限', 'Floor'), t('目标', 'Target'), t('权重', 'Weight'), t('得分', 'Points'), ...(c.progress ? [t('目标完成进度', 'Progress to milestone')] : [])],
      c.breakdown.map((b) => [t(label(b.indicator).zh, label(b.indicator).en), value(b.indicator, b.value), value(b.indicator, b.floor), value(b.indicator, b.target), fixed(b.weight, 2), fixed(b.points, 2),
        ...(c.progress ? [b.indicator in c.progress ? progressValue(c.progress[b.indicator] ?? null) : '—'] : [])])) : null,
    h('h3', {}, t('红线问题', 'Red flags')),
    c.red_flags.length === 0 ? h('p', { class: 'empty' }, t('无', 'None')) : h('ul', { class: 'flags' }, c.red_flags.map((f) => h('li', {},
      h('strong', {}, t(label(f.indicator).zh, label(f.indicator).en)), ` ${f.value} · `, t('村：', 'villages: '), f.villages.map((v) => h('code', { class: 'village' }, v))))),
    h('h3', {}, t('无数据指标', 'No data')),
    c.no_data.length === 0 ? h('p', { class: 'empty' }, t('无', 'None')) : h('ul', { class: 'chips' }, c.no_data.map((k) => h('li', {}, t(label(k).zh, label(k).en)))),
    h('h3', {}, t('历次得分', 'Score over quarters')),
    periods.length === 0 ? h('p', { class: 'empty' }, t('暂无往期数据。', 'No earlier quarters.')) : drawChart(historySpec(periods, series), 340, { trigger: 'axis' }))
}

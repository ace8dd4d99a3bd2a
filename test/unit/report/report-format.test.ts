import { describe, expect, it } from 'vitest'
import { beijingTime, escapeHtml, fixed, grouped, indicatorValue, lateness, percent, periodZh } from '../../../functions/core/report/report-format.ts'

describe('escapeHtml', () => {
  it('escapes the five characters that end text or attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
    expect(escapeHtml('印江土家族苗族自治县')).toBe('印江土家族苗族自治县')
  })
})

describe('number display', () => {
  it.each([
    [fixed(76.37148, 2), '76.37'],
    [fixed(-0.001, 2), '0.00'],
    [fixed(null, 2), '—'],
    [fixed(Number.NaN, 2), '—'],
    [percent(0.6234177215189873), '62.3%'],
    [percent(1), '100.0%'],
    [percent(null), '—'],
    [grouped(1234567.5), '1,234,568'],
    [grouped(-98765.4321, 2), '-98,765.43'],
    [grouped(999), '999'],
    [indicatorValue(0.115, 'growth'), '+11.5%'],
    [indicatorValue(-0.02, 'growth'), '-2.0%'],
    [indicatorValue(0, 'growth'), '0.0%'],
    [indicatorValue(15800.4, 'yuan'), '15,800'],
    [indicatorValue(2235, 'count'), '2,235'],
    [indicatorValue(63, 'days'), '63.0'],
    [indicatorValue(null, 'rate'), '—'],
  ])('%s is %s', (actual, expected) => {
    expect(actual).toBe(expected)
  })
})

describe('times', () => {
  it('shows instants in Beijing time', () => {
    expect(beijingTime('2024-07-10T16:00:00.000Z')).toBe('2024-07-11 00:00')
    expect(beijingTime('not a time')).toBe('not a time')
  })

  it.each([
    ['2024-07-10T16:00:00.000Z', '<1 h', '不足 1 小时', '< 1 h'],
    ['2024-07-10T19:30:00.000Z', '3.5 h', '3 小时', '3 h'],
    ['2024-07-11T16:00:00.000Z', '1 d', '1 天', '1 d'],
    ['2024-07-12T19:20:00.000Z', '2 d 3 h', '2 天 3 小时', '2 d 3 h'],
    ['2024-07-10T15:00:00.000Z', 'early', '—', '—'],
  ])('received %s: %s late', (received, _what, zh, en) => {
    expect(lateness('2024-07-10T16:00:00.000Z', received)).toEqual({ zh, en })
  })

  it('names the quarter in Chinese', () => {
    expect(periodZh('2024Q2')).toBe('2024年第2季度')
  })
})

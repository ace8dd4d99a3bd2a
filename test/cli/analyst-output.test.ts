import { describe, expect, it } from 'vitest'
import { countyDetail, displayNumber, rankingTable } from '../../functions/cli/commands/appraisal.ts'
import type { StoredCountyAppraisal } from '../../functions/use-cases/ports.ts'

const county = {
  county: '522226', name: '印江县', city: '5206', province: '52', score: 98.93380358111774, grade: 'A',
  rank_in_city: 2, rank_in_province: 7, red_flags: [], points: 98.93380358111774, deductions: 0,
  breakdown: [{ indicator: 'income_per_capita', direction: 'up', value: 7120.456, floor: 6000, target: 8000, weight: 10, points: 5.601140000000001 }],
} as unknown as StoredCountyAppraisal

describe('analyst output', () => {
  it('names the province rank, and shows the city rank first for a city', () => {
    expect(rankingTable([county]).split('\n')[0]).toBe('province rank  county  name    city  score  grade  red flags')
    expect(rankingTable([county], true).split('\n')).toEqual([
      'city rank  province rank  county  name    city  score  grade  red flags',
      '---------  -------------  ------  ------  ----  -----  -----  ---------',
      '2          7              522226  印江县  5206  98.93  A',
    ])
  })

  it('prints one county with its indicators and points, rounded for display', () => {
    expect(countyDetail(county).split('\n').slice(4)).toEqual([
      'indicator          value    floor  target  weight  points',
      '-----------------  -------  -----  ------  ------  ------',
      'income_per_capita  7120.46  6000   8000    10      5.6',
      '',
      'points 98.93 − deductions 0 = score 98.93',
    ])
  })

  it('cuts the widest column with an ellipsis so the ranking fits the terminal', () => {
    const flagged = { ...county, red_flags: [{ indicator: 'dropout_count', value: 2, villages: ['522226101201', '522226101202', '522226101203'] }] } as unknown as StoredCountyAppraisal
    expect(rankingTable([flagged], false, 200).split('\n')[2]).toBe('7              522226  印江县  5206  98.93  A      dropout_count 2 (522226101201 522226101202 522226101203)')
    expect(rankingTable([flagged], false, 80).split('\n')).toEqual([
      'province rank  county  name    city  score  grade  red flags',
      '-------------  ------  ------  ----  -----  -----  -----------------------------',
      '7              522226  印江县  5206  98.93  A      dropout_count 2 (52222610120…',
    ])
  })

  it.each([[98.93380358111774, '98.93'], [3, '3'], [null, '—'], ['text', 'text'], [0.005, '0.01']])('shows %j as %s', (n, shown) => {
    expect(displayNumber(n)).toBe(shown)
  })
})

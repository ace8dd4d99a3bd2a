import { describe, expect, it } from 'vitest'
import type { Appraisal, CountyAppraisal } from '../../../functions/core/appraisal/score.ts'
import { applyChanges, automaticNeeds, lookBack, penaltyItems, reconcileOpened, villageRedLines } from '../../../functions/core/rectification/publication.ts'
import { automaticItemId, type RectificationItem } from '../../../functions/core/rectification/rectification-item.ts'
import { dayNumber } from '../../../functions/core/period.ts'

function county(code: string, extra: Partial<CountyAppraisal> = {}): CountyAppraisal {
  return {
    county: code, name: null, city: code.slice(0, 4), province: code.slice(0, 2), indicators: {} as CountyAppraisal['indicators'],
    score: 80, grade: 'good', rank_in_city: 1, rank_in_province: 1, red_flags: [], breakdown: [], points: 80, deductions: 0, penalties: [], no_data: [], ...extra,
  }
}

const APPRAISAL: Appraisal = {
  period: '2024Q2',
  config: { version: '2024.2', sha256: 'x' },
  counties: [
    county('522226', {
      red_flags: [{ indicator: 'dropouts', value: 2, villages: ['522226101203', '522226101204'] }],
      no_data: ['income_growth_yoy', 'fund_spending_rate'],
    }),
    county('522227'),
  ],
  missing_counties: [{ county: '522229', name: '松桃苗族自治县' }],
  not_appraisable: [{ county: '522230', reason: 'no_alleviated_persons' }],
}

const PUB = { period: '2024Q2', at: new Date('2024-07-15T02:00:00Z'), by: 'alice' }

describe('automaticNeeds', () => {
  it('one per red flag with its villages, one per data-quality problem, never income_growth_yoy', () => {
    expect(automaticNeeds(APPRAISAL, ['522227'])).toEqual([
      { county: '522226', source: 'red_flag', problem: 'red_flag', indicator: 'dropouts', villages: ['522226101203', '522226101204'] },
      { county: '522226', source: 'data_quality', problem: 'no_data', indicator: 'fund_spending_rate' },
      { county: '522230', source: 'data_quality', problem: 'not_appraisable' },
      { county: '522229', source: 'data_quality', problem: 'missing' },
      { county: '522227', source: 'data_quality', problem: 'late' },
    ])
  })
})

describe('reconcileOpened', () => {
  const needs = automaticNeeds(APPRAISAL, ['522227'])
  const first = reconcileOpened(PUB, needs, [])

  it('opens each needed item once, due the last day of the next quarter, with the identity as id', () => {
    expect(first).toHaveLength(5)
    expect(first[0]).toEqual({
      item_id: automaticItemId('522226', '2024Q2', 'red_flag', 'dropouts'), county: '522226', source: 'red_flag', problem: 'red_flag',
      opened_in: '2024Q2', indicator: 'dropouts', villages: ['522226101203', '522226101204'], due: '2024-09-30', status: 'open', recurring: false,
      history: [{ at: '2024-07-15T02:00:00.000Z', by: 'alice', action: 'opened' }],
    })
    expect(first.map((i) => [i.county, i.problem, i.indicator ?? null])).toEqual([
      ['522226', 'red_flag', 'dropouts'], ['522226', 'no_data', 'fund_spending_rate'], ['522230', 'not_appraisable', null], ['522229', 'missing', null], ['522227', 'late', null],
    ])
  })

  it('publishing again with the same figures changes nothing', () => {
    expect(reconcileOpened({ ...PUB, at: new Date('2024-07-20T00:00:00Z') }, needs, first)).toEqual([])
  })

  it('withdraws the unclosed items no longer justified, leaves closed items and inspections, opens a withdrawn one again', () => {
    const inspection: RectificationItem = { ...first[4]!, item_id: '522227-insp', source: 'inspection', problem: 'inspection' }
    const closed = { ...first[3]!, status: 'closed' as const }
    const existing = [first[0]!, first[1]!, first[2]!, closed, first[4]!, inspection]
    const later = { ...PUB, at: new Date('2024-07-20T00:00:00Z') }
    // The new figures: 522226 reports its funds again, 522227 was not late after all, 522229 stays missing.
    const fewer = automaticNeeds({ ...APPRAISAL, counties: [county('522226', { red_flags: APPRAISAL.counties[0]!.red_flags }), county('522227')] }, [])
    const changed = reconcileOpened(later, fewer, existing)
    expect(changed.map((i) => [i.problem, i.status, i.history.at(-1)!.action])).toEqual([
      ['no_data', 'withdrawn', 'withdrawn'], ['late', 'withdrawn', 'withdrawn'],
    ])
    expect(changed[0]!.history.at(-1)).toEqual({ at: '2024-07-20T00:00:00.000Z', by: 'alice', action: 'withdrawn', reason: 'the figures published for 2024Q2 no longer call for it' })
    // And once more with the first figures: the withdrawn ones open again, nothing twice.
    const again = reconcileOpened(later, needs, applyChanges(existing, changed))
    expect(again.map((i) => [i.problem, i.status, i.history.map((h) => h.action)])).toEqual([
      ['no_data', 'open', ['opened', 'withdrawn', 'reopened']], ['late', 'open', ['opened', 'withdrawn', 'reopened']],
    ])
  })

  it('brings a red flag\'s villages up to date without a second item', () => {
    const moved = automaticNeeds({ ...APPRAISAL, counties: [county('522226', { red_flags: [{ indicator: 'dropouts', value: 1, villages: ['522226101209'] }] })], missing_counties: [], not_appraisable: [] }, [])
    const changed = reconcileOpened(PUB, moved, [first[0]!])
    expect(changed).toEqual([{ ...first[0]!, villages: ['522226101209'] }])
  })
})

describe('lookBack', () => {
  const Q3 = { period: '2024Q3', at: new Date('2024-10-15T02:00:00Z'), by: 'bob' }
  const red = (villages: string[], extra: Partial<RectificationItem> = {}): RectificationItem => ({
    item_id: '522226-r', county: '522226', source: 'red_flag', problem: 'red_flag', opened_in: '2024Q2', indicator: 'dropouts', villages,
    due: '2024-09-30', status: 'open', recurring: false, history: [{ at: '2024-07-15T02:00:00.000Z', by: 'alice', action: 'opened' }], ...extra,
  })
  const zero = { dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0 }
  const q3 = villageRedLines([
    { village_code: 'A', ...zero },
    { village_code: 'B', ...zero, unsafe_houses: 3 },
    { village_code: 'C', ...zero, dropouts: 1 },
  ])

  it.each([
    ['every village named at 0', ['A', 'B'], 'closed', false, 'closed'],
    ['one village still above 0', ['A', 'C'], 'open', true, 'recurring'],
    ['one village not reported', ['A', 'D'], 'open', true, 'recurring'],
    ['no village named', [], 'open', true, 'recurring'],
  ] as const)('%s', (_name, villages, status, recurring, action) => {
    const [changed, ...rest] = lookBack(Q3, [red([...villages])], q3)
    expect(rest).toEqual([])
    expect(changed).toMatchObject({ status, recurring, look_back: { period: '2024Q3', result: action } })
    expect(changed!.history.at(-1)).toMatchObject({ at: '2024-10-15T02:00:00.000Z', by: 'bob', action })
  })

  it('keeps a responded item responded when it recurs', () => {
    expect(lookBack(Q3, [red(['C'], { status: 'responded' })], q3)[0]).toMatchObject({ status: 'responded', recurring: true })
  })

  it('leaves data-quality, inspection, withdrawn and otherwise closed items alone', () => {
    expect(lookBack(Q3, [
      red(['A'], { source: 'data_quality', problem: 'no_data' }), red(['A'], { status: 'withdrawn' }), red(['C'], { status: 'closed' }),
    ], q3)).toEqual([])
  })

  it('publishing again re-applies it: nothing twice, and the new figures can reopen or close', () => {
    const [closed] = lookBack(Q3, [red(['A'])], q3)
    expect(lookBack(Q3, [closed!], q3)).toEqual([])
    const worse = villageRedLines([{ village_code: 'A', ...zero, dropouts: 2 }])
    const [reopened] = lookBack(Q3, [closed!], worse)
    expect(reopened).toMatchObject({ status: 'open', recurring: true, look_back: { period: '2024Q3', result: 'recurring' } })
    expect(reopened!.history.map((h) => h.action)).toEqual(['opened', 'closed', 'reopened'])
    expect(lookBack(Q3, [reopened!], worse)).toEqual([])
    expect(lookBack(Q3, [reopened!], q3)[0]).toMatchObject({ status: 'closed', recurring: false })
  })
})

describe('penaltyItems', () => {
  const base = { county: '522226', source: 'data_quality', problem: 'late', opened_in: '2024Q1', recurring: false, history: [] } satisfies Partial<RectificationItem>
  it('counts unclosed items due on or before the quarter\'s last day', () => {
    const items: RectificationItem[] = [
      { ...base, item_id: 'a', due: '2024-06-30', status: 'open' },
      { ...base, item_id: 'b', due: '2024-06-30', status: 'responded' },
      { ...base, item_id: 'c', due: '2024-07-01', status: 'open' },
      { ...base, item_id: 'd', due: '2024-05-01', status: 'closed' },
      { ...base, item_id: 'e', due: '2024-05-01', status: 'withdrawn' },
    ]
    expect(penaltyItems(items, dayNumber(2024, 6, 30)).map((i) => i.item_id)).toEqual(['a', 'b'])
  })
})

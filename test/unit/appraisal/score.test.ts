import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { competitionRanks, gradeOf, indicatorPoints, scoreAppraisal } from '../../../functions/core/appraisal/score.ts'
import type { CountyIndicators, CountyInput } from '../../../functions/core/appraisal/score.ts'
import { configForProvince, loadScoringConfig } from '../../../functions/core/appraisal/scoring-config.ts'
import { INDICATOR_KEYS } from '../../../schemas/scoring.ts'
import type { Quarter } from '../../../schemas/scoring.ts'

const DEFAULT_BYTES = readFileSync(new URL('../../../functions/config/scoring/2024.1.json', import.meta.url))
const { config: DEFAULTS, sha256: DEFAULT_SHA } = loadScoringConfig(DEFAULT_BYTES)

/** Every indicator null (nothing to judge), red lines 0, unless given. */
function indicators(values: Partial<CountyIndicators> = {}): CountyIndicators {
  const all = Object.fromEntries(INDICATOR_KEYS.map((k) => [k, null])) as CountyIndicators
  return { ...all, dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0, ...values }
}

function county(code: string, values: Partial<CountyIndicators> = {}, extra: Partial<CountyInput> = {}): CountyInput {
  return { county: code, name: `县${code}`, city: code.slice(0, 4), province: code.slice(0, 2), indicators: indicators(values), ...extra }
}

/** Every scored indicator exactly at its Q2 target. */
const AT_TARGET_Q2: Partial<CountyIndicators> = {
  risk_elimination_rate: 0.7,
  income_growth_yoy: 0.1,
  labor_employment_rate: 0.9,
  medical_insurance_rate: 1,
  fund_spending_rate: 0.5,
  project_completion_rate: 0.5,
  collective_income_share: 0.8,
  reporting_completeness: 1,
}

const score = (inputs: CountyInput[], quarter: Quarter = 2, config = DEFAULTS, sha256 = DEFAULT_SHA) =>
  scoreAppraisal({ year: 2024, quarter, counties: inputs, config, sha256 })

describe('indicatorPoints', () => {
  it.each([
    ['up, between floor and target', 0.5, { weight: 20, floor: 0.3, target: 0.7, null_share: 1 }, 20 * ((0.5 - 0.3) / (0.7 - 0.3))],
    ['up, at the floor', 0.3, { weight: 20, floor: 0.3, target: 0.7, null_share: 1 }, 0],
    ['up, under the floor', 0.1, { weight: 20, floor: 0.3, target: 0.7, null_share: 1 }, 0],
    ['up, over the target', 0.9, { weight: 20, floor: 0.3, target: 0.7, null_share: 1 }, 20],
    ['down, between', 0.06, { weight: 8, floor: 0.1, target: 0.02, null_share: 1 }, 8 * ((0.06 - 0.1) / (0.02 - 0.1))],
    ['down, better than the target', 0.01, { weight: 8, floor: 0.1, target: 0.02, null_share: 1 }, 8],
    ['down, worse than the floor', 0.2, { weight: 8, floor: 0.1, target: 0.02, null_share: 1 }, 0],
    ['null earns the full weight', null, { weight: 15, floor: 0.6, target: 0.9, null_share: 1 }, 15],
    ['null earns half for income_growth_yoy', null, { weight: 15, floor: 0, target: 0.1, null_share: 0.5 }, 7.5],
  ] as const)('%s', (_what, value, rule, expected) => {
    expect(indicatorPoints(value, rule)).toBe(expected)
  })
})

describe('gradeOf', () => {
  const scoring = configForProvince(DEFAULTS, '52')
  it.each([
    [100, false, 'excellent'],
    [90, false, 'excellent'],
    [89.99999999, false, 'good'],
    [80, false, 'good'],
    [79.9, false, 'fair'],
    [60, false, 'fair'],
    [59.99, false, 'poor'],
    [0, false, 'poor'],
    [95, true, 'fair'],
    [85, true, 'fair'],
    [70, true, 'fair'],
    [50, true, 'poor'],
  ] as const)('%f with red flag %s is %s', (points, redFlag, grade) => {
    expect(gradeOf(points, redFlag, scoring)).toBe(grade)
  })
})

describe('competitionRanks', () => {
  it.each([
    ['distinct', [['a', 3], ['b', 2], ['c', 1]], { a: 1, b: 2, c: 3 }],
    ['1, 2, 2, 4', [['a', 90], ['b', 80], ['c', 80], ['d', 70]], { a: 1, b: 2, c: 2, d: 4 }],
    ['within 1e-9 ties', [['a', 10], ['b', 10 - 5e-10]], { a: 1, b: 1 }],
    ['exactly 1e-9 apart ties', [['a', 1e-9], ['b', 0]], { a: 1, b: 1 }],
    ['2e-9 apart does not tie', [['a', 10], ['b', 10 - 2e-9]], { a: 1, b: 2 }],
    ['equal scores share the better rank whatever the input order', [['d', 1], ['c', 5], ['b', 5], ['a', 5]], { a: 1, b: 1, c: 1, d: 4 }],
  ] as const)('%s', (_what, items, expected) => {
    const ranks = competitionRanks(items.map(([c, s]) => ({ county: c, score: s })))
    expect(Object.fromEntries(ranks)).toEqual(expected)
  })
})

describe('scoreAppraisal', () => {
  it('gives a county at every target 100 points and explains each one', () => {
    const appraisal = score([county('522201', AT_TARGET_Q2)])
    expect(appraisal).toEqual({
      period: '2024Q2',
      config: { version: '2024.1', sha256: DEFAULT_SHA },
      counties: [
        {
          county: '522201', name: '县522201', city: '5222', province: '52',
          indicators: indicators(AT_TARGET_Q2),
          score: 100, points: 100, deductions: 0, grade: 'excellent', rank_in_city: 1, rank_in_province: 1, red_flags: [], penalties: [], no_data: [],
          breakdown: [
            { indicator: 'risk_elimination_rate', direction: 'up', value: 0.7, floor: 0.3, target: 0.7, weight: 20, points: 20 },
            { indicator: 'income_growth_yoy', direction: 'up', value: 0.1, floor: 0, target: 0.1, weight: 15, points: 15 },
            { indicator: 'labor_employment_rate', direction: 'up', value: 0.9, floor: 0.6, target: 0.9, weight: 15, points: 15 },
            { indicator: 'medical_insurance_rate', direction: 'up', value: 1, floor: 0.95, target: 1, weight: 10, points: 10 },
            { indicator: 'fund_spending_rate', direction: 'up', value: 0.5, floor: 0.25, target: 0.5, weight: 15, points: 15 },
            { indicator: 'project_completion_rate', direction: 'up', value: 0.5, floor: 0, target: 0.5, weight: 5, points: 5 },
            { indicator: 'collective_income_share', direction: 'up', value: 0.8, floor: 0.3, target: 0.8, weight: 10, points: 10 },
            { indicator: 'reporting_completeness', direction: 'up', value: 1, floor: 0.8, target: 1, weight: 10, points: 10 },
          ],
        },
      ],
      missing_counties: [],
      not_appraisable: [],
    })
  })

  it('lists the registry counties that did not report, sorted, without ranking them', () => {
    const appraisal = score([county('522201', AT_TARGET_Q2)])
    expect(scoreAppraisal({ year: 2024, quarter: 2, counties: [county('522201')], config: DEFAULTS, sha256: DEFAULT_SHA, missingCounties: [{ county: '522303', name: '三都' }, { county: '522302', name: '二都' }] }).missing_counties).toEqual([{ county: '522302', name: '二都' }, { county: '522303', name: '三都' }])
    expect(appraisal.counties.map((c) => c.county)).toEqual(['522201'])
  })

  const SCORED = ['risk_elimination_rate', 'labor_employment_rate', 'medical_insurance_rate', 'fund_spending_rate', 'project_completion_rate', 'collective_income_share', 'reporting_completeness'] as const
  const every = (n: number) => Object.fromEntries(SCORED.map((k) => [k, n]))

  it.each<[string, Partial<CountyInput>, number]>([
    ['structural zeros (every denominator 0 in the comparable earlier quarter): full weight', { earlier_denominators: every(0) }, 92.5],
    ['figures reported before and stopped now: no points', { earlier_denominators: every(12) }, 7.5],
    ['no comparable earlier quarter: half the weight', {}, 50],
  ])('a null scored indicator: %s (income_growth_yoy always half)', (_name, extra, expected) => {
    const [c] = score([county('522201', {}, extra)]).counties
    expect(c?.score).toBe(expected)
    expect(c?.no_data).toEqual(['risk_elimination_rate', 'income_growth_yoy', 'labor_employment_rate', 'medical_insurance_rate', 'fund_spending_rate', 'project_completion_rate', 'collective_income_share', 'reporting_completeness'])
  })

  it('judges each null indicator by its own earlier denominator', () => {
    const [c] = score([county('522201', {}, { earlier_denominators: { risk_elimination_rate: 0, fund_spending_rate: 300 } })]).counties
    expect(c?.breakdown.map((b) => [b.indicator, b.points])).toEqual([
      ['risk_elimination_rate', 20],
      ['income_growth_yoy', 7.5],
      ['labor_employment_rate', 7.5],
      ['medical_insurance_rate', 5],
      ['fund_spending_rate', 0],
      ['project_completion_rate', 2.5],
      ['collective_income_share', 5],
      ['reporting_completeness', 5],
    ])
  })

  it('a county with no alleviated persons (a report of zeros) is not appraisable: not scored, ranked or missing', () => {
    const appraisal = scoreAppraisal({
      year: 2024, quarter: 2, config: DEFAULTS, sha256: DEFAULT_SHA, missingCounties: [{ county: '522203', name: '乙县' }, { county: '522202', name: '甲县' }],
      counties: [county('522201', AT_TARGET_Q2, { alleviated_persons: 500 }), county('522202', {}, { alleviated_persons: 0 })],
    })
    expect(appraisal.counties.map((c) => [c.county, c.rank_in_city])).toEqual([['522201', 1]])
    expect(appraisal.not_appraisable).toEqual([{ county: '522202', reason: 'no_alleviated_persons' }])
    expect(appraisal.missing_counties).toEqual([{ county: '522203', name: '乙县' }])
  })

  it('measures fund spending and project completion against the quarter’s schedule', () => {
    const values = { ...AT_TARGET_Q2, fund_spending_rate: 0.3, project_completion_rate: 0.2 }
    const fundAndProjects = (quarter: Quarter) =>
      score([county('522201', values)], quarter).counties[0]?.breakdown.filter((b) => b.indicator === 'fund_spending_rate' || b.indicator === 'project_completion_rate')
    // Q1: 0.3 is past the 0.25 schedule; projects 0.2 of 0.25.
    expect(fundAndProjects(1)).toEqual([
      { indicator: 'fund_spending_rate', direction: 'up', value: 0.3, floor: 0.5 * 0.25, target: 0.25, weight: 15, points: 15 },
      { indicator: 'project_completion_rate', direction: 'up', value: 0.2, floor: 0, target: 0.25, weight: 5, points: 5 * ((0.2 - 0) / (0.25 - 0)) },
    ])
    // Q4: 0.3 is under half of the 0.95 schedule.
    expect(fundAndProjects(4)).toEqual([
      { indicator: 'fund_spending_rate', direction: 'up', value: 0.3, floor: 0.5 * 0.95, target: 0.95, weight: 15, points: 0 },
      { indicator: 'project_completion_rate', direction: 'up', value: 0.2, floor: 0, target: 0.95, weight: 5, points: 5 * ((0.2 - 0) / (0.95 - 0)) },
    ])
  })

  it('deducts 5 per red line, lists the villages sorted, and caps the grade at fair', () => {
    const appraisal = score([
      county('522201', { ...AT_TARGET_Q2, dropouts: 2, unsafe_water_households: 3 }, {
        red_flag_villages: { unsafe_water_households: ['522201001009'], dropouts: ['522201001007', '522201001002'] },
      }),
    ])
    const [c] = appraisal.counties
    expect([c?.points, c?.deductions, c?.score, c?.grade]).toEqual([100, 10, 90, 'fair'])
    expect(c?.red_flags).toEqual([
      { indicator: 'dropouts', value: 2, villages: ['522201001002', '522201001007'] },
      { indicator: 'unsafe_water_households', value: 3, villages: ['522201001009'] },
    ])
  })

  it('floors the score at 0', () => {
    const below = {
      risk_elimination_rate: 0.1, income_growth_yoy: -0.2, labor_employment_rate: 0.5, medical_insurance_rate: 0.9,
      fund_spending_rate: 0.1, project_completion_rate: 0, collective_income_share: 0.2, reporting_completeness: 0.5,
      dropouts: 1, zero_employment_households: 1, unsafe_houses: 1, unsafe_water_households: 1,
    }
    const [c] = score([county('522201', below)]).counties
    expect([c?.points, c?.deductions, c?.score, c?.grade, c?.red_flags.length]).toEqual([0, 20, 0, 'poor', 4])
    expect(c?.red_flags[0]).toEqual({ indicator: 'dropouts', value: 1, villages: [] })
  })

  it('ranks in city and province on the unrounded score: 1e-9 ties share the better rank, tied counties listed by code', () => {
    // Risk elimination decides; every other indicator is null, a structural zero (72.5 points).
    const rest = 7.5 + 15 + 10 + 15 + 5 + 10 + 10
    const risk = (v: number) => 20 * ((v - 0.3) / (0.7 - 0.3))
    const appraisal = score([
      county('520201', { risk_elimination_rate: 0.4 }, { earlier_denominators: every(0) }),
      county('520103', { risk_elimination_rate: 0.5 + 1e-11 }, { earlier_denominators: every(0) }), // 5e-10 points above 520102: a tie
      county('520102', { risk_elimination_rate: 0.5 }, { earlier_denominators: every(0) }),
      county('520101', { risk_elimination_rate: 0.7 }, { earlier_denominators: every(0) }),
      county('520104', { risk_elimination_rate: 0.5 - 1e-10 }, { earlier_denominators: every(0) }), // 5e-9 below: no tie
      county('530101', { risk_elimination_rate: 0.31 }, { earlier_denominators: every(0) }),
    ])
    expect(appraisal.counties.map((c) => [c.county, c.rank_in_city, c.rank_in_province])).toEqual([
      ['520101', 1, 1],
      ['520102', 2, 2],
      ['520103', 2, 2],
      ['520104', 4, 4],
      ['520201', 1, 5],
      ['530101', 1, 1],
    ])
    const scoreOf = (code: string) => appraisal.counties.find((c) => c.county === code)?.score
    expect(scoreOf('520103')).toBe(0 + risk(0.5 + 1e-11) + 7.5 + 15 + 10 + 15 + 5 + 10 + 10)
    expect(scoreOf('520103')).not.toBe(scoreOf('520102'))
    expect(scoreOf('520101')).toBe(20 + rest)
  })

  it('applies a province’s overrides to its counties only and records the configuration’s version and hash', () => {
    const json = JSON.stringify({
      ...JSON.parse(DEFAULT_BYTES.toString('utf8')),
      provinces: { '53': { indicators: { risk_elimination_rate: { weight: 30 } } } },
    })
    const { config, sha256 } = loadScoringConfig(json)
    const appraisal = score([county('520101', { risk_elimination_rate: 0.5 }), county('530101', { risk_elimination_rate: 0.5 })], 2, config, sha256)
    expect(appraisal.config).toEqual({ version: '2024.1', sha256 })
    expect(sha256).not.toBe(DEFAULT_SHA)
    const risk = (code: string) => appraisal.counties.find((c) => c.county === code)?.breakdown[0]
    expect(risk('520101')).toEqual({ indicator: 'risk_elimination_rate', direction: 'up', value: 0.5, floor: 0.3, target: 0.7, weight: 20, points: 20 * ((0.5 - 0.3) / (0.7 - 0.3)) })
    expect(risk('530101')).toEqual({ indicator: 'risk_elimination_rate', direction: 'up', value: 0.5, floor: 0.3, target: 0.7, weight: 30, points: 30 * ((0.5 - 0.3) / (0.7 - 0.3)) })
    // income_growth_yoy null still earns half in the overridden province.
    expect(appraisal.counties.find((c) => c.county === '530101')?.breakdown[1]?.points).toBe(7.5)
  })

  it('refuses the same county twice', () => {
    expect(() => score([county('522201'), county('522201')])).toThrow(new Error('County 522201 appears twice in the appraisal input'))
  })
})

describe('overdue rectification items (2024.3, rectification.md "Overdue")', () => {
  const V3 = loadScoringConfig(readFileSync(new URL('../../../functions/config/scoring/2024.3.json', import.meta.url)))

  it.each([
    [0, 100, []],
    [1, 99, [{ kind: 'overdue_items', count: 1, points: 1 }]],
    [5, 95, [{ kind: 'overdue_items', count: 5, points: 5 }]],
    [6, 95, [{ kind: 'overdue_items', count: 6, points: 5 }]],
    [40, 95, [{ kind: 'overdue_items', count: 40, points: 5 }]],
  ] as const)('%i overdue items: score %d, listed under penalties, capped at 5', (overdue, expected, penalties) => {
    const [c] = score([county('522226', AT_TARGET_Q2, { overdue_items: overdue })], 2, V3.config, V3.sha256).counties
    expect(c!.score).toBeCloseTo(expected, 9)
    expect(c!.penalties).toEqual(penalties)
    expect([c!.red_flags, c!.deductions, c!.points]).toEqual([[], 0, 100])
  })

  it('caps no grade: 94 with overdue items is still excellent, unlike a red flag', () => {
    const [c] = score([county('522226', AT_TARGET_Q2, { overdue_items: 6 })], 2, V3.config, V3.sha256).counties
    expect([c!.score, c!.grade]).toEqual([95, 'excellent'])
  })

  it('earlier versions deduct nothing, so their appraisals reproduce', () => {
    const [c] = score([county('522226', AT_TARGET_Q2, { overdue_items: 6 })]).counties
    expect([c!.score, c!.penalties]).toEqual([100, []])
  })

  it('a province may override the penalty', () => {
    const overridden = loadScoringConfig(readFileSync(new URL('../../../functions/config/scoring/2024.3.json', import.meta.url)), JSON.stringify({ '52': { overdue_item_penalty: { per_item: 2 } } }))
    const [c] = score([county('522226', AT_TARGET_Q2, { overdue_items: 2 })], 2, overridden.config, overridden.sha256).counties
    expect(c!.penalties).toEqual([{ kind: 'overdue_items', count: 2, points: 4 }])
  })
})

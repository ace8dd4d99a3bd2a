import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { scoreAppraisal, type CountyIndicators, type CountyInput } from '../../../functions/core/appraisal/score.ts'
import { loadScoringConfig } from '../../../functions/core/appraisal/scoring-config.ts'
import { quarterMilestones, targetRow, type TargetRow } from '../../../functions/core/appraisal/targets.ts'
import { INDICATOR_KEYS, type Quarter } from '../../../schemas/scoring.ts'

const { config: CONFIG, sha256 } = loadScoringConfig(readFileSync(new URL('../../../functions/config/scoring/2024.3.json', import.meta.url)))

const VALUES: Partial<CountyIndicators> = {
  risk_elimination_rate: 0.5, income_growth_yoy: 0.05, labor_employment_rate: 0.75, medical_insurance_rate: 0.97,
  fund_spending_rate: 0.4, project_completion_rate: 0.3, collective_income_share: 0.6, reporting_completeness: 0.9,
}

function county(code: string, milestones?: CountyInput['milestones']): CountyInput {
  const indicators = { ...Object.fromEntries(INDICATOR_KEYS.map((k) => [k, null])), dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0, ...VALUES } as CountyIndicators
  return { county: code, name: null, city: code.slice(0, 4), province: code.slice(0, 2), indicators, ...(milestones ? { milestones } : {}) }
}

const score = (counties: CountyInput[], quarter: Quarter = 2, targetsUsed?: string[]) =>
  scoreAppraisal({ year: 2024, quarter, counties, config: CONFIG, sha256, ...(targetsUsed ? { targetsUsed } : {}) })

const row = (county: string, indicator: TargetRow['indicator'], qs: [number, number, number, number], scope: string, submission = `sub-${scope}`): TargetRow =>
  ({ year: 2024, county_code: county, indicator, q1: qs[0], q2: qs[1], q3: qs[2], q4: qs[3], scope, submission_id: submission })

describe('a county\'s milestone in its scoring (rectification.md, "Targets")', () => {
  it('replaces exactly the targeted indicator\'s target and scales its floor: other indicators and counties score as without targets', () => {
    const plain = score([county('520602'), county('520603')])
    const targeted = score([county('520602', { risk_elimination_rate: 0.6 }), county('520603')], 2, ['sub-5206'])
    const [before, after] = [plain.counties.find((c) => c.county === '520602')!, targeted.counties.find((c) => c.county === '520602')!]
    const floor = 0.6 * (0.3 / 0.7)
    expect(after.breakdown.find((b) => b.indicator === 'risk_elimination_rate')).toEqual({
      indicator: 'risk_elimination_rate', direction: 'up', value: 0.5, floor, target: 0.6, weight: 20, milestone: 0.6,
      points: 20 * ((0.5 - floor) / (0.6 - floor)),
    })
    expect(after.breakdown.filter((b) => b.indicator !== 'risk_elimination_rate')).toEqual(before.breakdown.filter((b) => b.indicator !== 'risk_elimination_rate'))
    expect(after.progress).toEqual({ risk_elimination_rate: 0.5 / 0.6 })
    expect(after.score).toBe(before.score - before.breakdown[0]!.points + 20 * ((0.5 - floor) / (0.6 - floor)))
    const { rank_in_city: _c, rank_in_province: _p, ...other } = targeted.counties.find((c) => c.county === '520603')!
    const { rank_in_city: _c2, rank_in_province: _p2, ...otherBefore } = plain.counties.find((c) => c.county === '520603')!
    expect(other).toEqual(otherBefore)
    expect(targeted.counties.find((c) => c.county === '520603')).not.toHaveProperty('progress')
    expect(targeted.targets_used).toEqual(['sub-5206'])
    expect(plain).not.toHaveProperty('targets_used')
  })

  it('a schedule indicator\'s floor is scaled from the quarter\'s schedule (fund_spending_rate: floor 0.5 × schedule)', () => {
    const [c] = score([county('520602', { fund_spending_rate: 0.4 })], 2).counties
    expect(c!.breakdown.find((b) => b.indicator === 'fund_spending_rate')).toMatchObject({ floor: 0.4 * (0.25 / 0.5), target: 0.4, points: 15 })
    expect(c!.progress).toEqual({ fund_spending_rate: 1 })
  })

  it('takes the quarter\'s milestone only: the other quarters\' do not touch it', () => {
    const rows = [row('520602', 'risk_elimination_rate', [0.2, 0.4, 0.6, 0.8], '5206')]
    for (const quarter of [1, 2, 3, 4] as const) {
      expect(quarterMilestones(rows, 2024, quarter).byCounty.get('520602')).toEqual({ risk_elimination_rate: [0.2, 0.4, 0.6, 0.8][quarter - 1] })
    }
    expect(quarterMilestones(rows, 2025, 2)).toEqual({ byCounty: new Map(), submissions: [] })
  })

  it('a city\'s milestone beats the province\'s for the same county; the province\'s stands for other indicators and counties', () => {
    const rows = [
      row('520602', 'risk_elimination_rate', [0.1, 0.3, 0.5, 0.7], '52'),
      row('520602', 'medical_insurance_rate', [0.99, 0.99, 0.99, 0.99], '52'),
      row('520101', 'risk_elimination_rate', [0.1, 0.3, 0.5, 0.7], '52'),
      row('520602', 'risk_elimination_rate', [0.2, 0.4, 0.6, 0.8], '5206'),
    ]
    const { byCounty, submissions } = quarterMilestones(rows, 2024, 2)
    expect(byCounty).toEqual(new Map([
      ['520602', { risk_elimination_rate: 0.4, medical_insurance_rate: 0.99 }],
      ['520101', { risk_elimination_rate: 0.3 }],
    ]))
    expect(submissions).toEqual(['sub-52', 'sub-5206'])
    // The order of the files does not matter.
    expect(quarterMilestones([...rows].reverse(), 2024, 2).byCounty).toEqual(byCounty)
  })

  it('progress is null where the value is null; a milestone of 0 is met by any value at or above 0', () => {
    const input = county('520602', { medical_insurance_rate: 0.99, risk_elimination_rate: 0 })
    input.indicators.medical_insurance_rate = null
    const [c] = score([input]).counties
    expect(c!.progress).toEqual({ medical_insurance_rate: null, risk_elimination_rate: null })
    expect(c!.breakdown.find((b) => b.indicator === 'risk_elimination_rate')).toMatchObject({ floor: 0, target: 0, points: 20 })
  })

  it('reads curated rows, BIGINT years included, and skips rows that are not targets', () => {
    expect(targetRow({ year: 2024n, county_code: '520602', indicator: 'risk_elimination_rate', q1: 0.1, q2: 0.2, q3: 0.3, q4: 0.4, scope: '5206', submission_id: 's' }))
      .toEqual(row('520602', 'risk_elimination_rate', [0.1, 0.2, 0.3, 0.4], '5206', 's'))
    expect(targetRow({ code: '52' })).toBeUndefined()
  })
})

describe('the report\'s progress against the breakdown', () => {
  it('lists value / milestone of each targeted indicator with its milestone, and nothing without targets', async () => {
    const { progressNote } = await import('../../../functions/core/report/render-appraisal-report.ts')
    const [c] = score([county('520602', { risk_elimination_rate: 0.6 })]).counties
    expect(progressNote(c!)).toBe('<p class="note progress">目标完成进度 <span class="en">Progress to milestones</span>：<span data-progress="risk_elimination_rate">风险消除率 <span class="en">Risk elimination rate</span> <strong>83.3%</strong>（目标 <span class="en">milestone</span> 60.0%）</span></p>\n')
    expect(progressNote(score([county('520602')]).counties[0]!)).toBe('')
  })
})

import { readFileSync } from 'node:fs'
import { scoreAppraisal } from '../../../functions/core/appraisal/score.ts'
import type { CountyIndicators, CountyInput } from '../../../functions/core/appraisal/score.ts'
import { loadScoringConfig } from '../../../functions/core/appraisal/scoring-config.ts'
import type { AppraisalReportInput, ReportHistoryPoint } from '../../../functions/core/report/render-appraisal-report.ts'
import { INDICATOR_KEYS } from '../../../schemas/scoring.ts'
import type { Grade } from '../../../schemas/scoring.ts'

const { config, sha256 } = loadScoringConfig(readFileSync(new URL('../../../functions/config/scoring/2024.1.json', import.meta.url)))

function indicators(values: Partial<CountyIndicators>): CountyIndicators {
  const all = Object.fromEntries(INDICATOR_KEYS.map((k) => [k, null])) as CountyIndicators
  return { ...all, dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0, ...values }
}

function county(code: string, name: string | null, values: Partial<CountyIndicators>, extra: Partial<CountyInput> = {}): CountyInput {
  return { county: code, name, city: code.slice(0, 4), province: code.slice(0, 2), indicators: indicators(values), ...extra }
}

/** A typical county's indicators, nudged by `k` (0 weakest … 1 strongest). */
function typical(k: number, villages: number): Partial<CountyIndicators> {
  const reported = Math.round(villages * (0.85 + 0.15 * k))
  return {
    villages_reported: reported,
    villages_expected: villages,
    reporting_completeness: reported / villages,
    monitored_households: 300 + Math.round(400 * k),
    monitored_persons: 1000 + Math.round(1300 * k),
    risk_elimination_rate: 0.35 + 0.4 * k,
    income_per_capita: 12000 + 4000 * k,
    income_growth_yoy: 0.02 + 0.1 * k,
    below_line_share: 0.02 - 0.015 * k,
    labor_employment_rate: 0.65 + 0.3 * k,
    medical_insurance_rate: 0.96 + 0.04 * k,
    fund_spending_rate: 0.3 + 0.25 * k,
    project_completion_rate: 0.25 + 0.3 * k,
    collective_income_share: 0.35 + 0.5 * k,
    median_days_to_eliminate: 120 - 60 * k,
  }
}

/** The names a hostile or careless upload could bring: the report must escape them. */
export const HOSTILE_NAME = '<script>alert("x")</script>&县'

/**
 * A hand-made quarter (2024Q2, province 52, cities 5222 and 5223): a county without a name,
 * one with a hostile name, red flags with villages in two counties, null values, history with
 * gaps, missing and late counties.
 */
export function sampleReportInput(): AppraisalReportInput {
  const appraisal = scoreAppraisal({
    year: 2024,
    quarter: 2,
    config,
    sha256,
    counties: [
      county('522201', '碧江区', typical(0.95, 98)),
      county('522202', '万山区', { ...typical(0.7, 64), dropouts: 4, unsafe_houses: 2 }, {
        red_flag_villages: { dropouts: ['522202001003', '522202001001'], unsafe_houses: ['522202001002'] },
      }),
      county('522222', '江口县', typical(0.8, 140)),
      // No alleviated labour now nor in the comparable earlier quarter: a structural zero, full points.
      county('522223', null, { ...typical(0.5, 120), income_growth_yoy: null, labor_employment_rate: null }, { earlier_denominators: { labor_employment_rate: 0 } }),
      county('522224', HOSTILE_NAME, typical(0.3, 75)),
      county('522301', '兴义市', { ...typical(0.1, 200), unsafe_water_households: 7 }, {
        red_flag_villages: { unsafe_water_households: ['522301104008'] },
      }),
      county('522302', '兴仁市', typical(0.7, 150)),
    ],
  })
  const history: ReportHistoryPoint[] = []
  const earlier = ['2023Q2', '2023Q3', '2023Q4', '2024Q1']
  const grade = (score: number): Grade => (score >= 90 ? 'excellent' : score >= 80 ? 'good' : score >= 60 ? 'fair' : 'poor')
  appraisal.counties.forEach((c, i) => {
    earlier.forEach((period, j) => {
      // 522223 was not appraised in 2023Q3 (a gap); 522302 only from 2024Q1.
      if (c.county === '522223' && period === '2023Q3') return
      if (c.county === '522302' && period < '2024Q1') return
      const score = Math.max(20, Math.min(99, c.score - (3 - j) * (i % 2 === 0 ? 2.5 : -1.5) - 4))
      history.push({ period, county: c.county, score, grade: grade(score) })
    })
  })
  return {
    period: appraisal.period,
    config: appraisal.config,
    generatedAt: '2024-07-15T02:00:00.000Z',
    run: { runId: '20240715T020000000Z', computedAt: '2024-07-15T01:59:30.000Z' },
    counties: appraisal.counties,
    history,
    missingCounties: [{ county: '522327', name: '册亨县' }, { county: '522325', name: null }],
    lateCounties: [{ county: '522224', submittedAt: '2024-07-12T03:20:00.000Z' }],
    deadline: '2024-07-10T16:00:00.000Z',
  }
}

/** A province with many counties (small multiples, tall charts). */
export function manyCountiesInput(count: number): AppraisalReportInput {
  const counties = Array.from({ length: count }, (_, i) => {
    const code = `52${String(1 + (i % 9)).padStart(2, '0')}${String(21 + i).padStart(2, '0')}`
    return county(code, i % 5 === 4 ? null : `第${i + 1}县`, typical(((i * 37) % 100) / 100, 60 + i))
  })
  const appraisal = scoreAppraisal({ year: 2024, quarter: 2, config, sha256, counties })
  const history: ReportHistoryPoint[] = appraisal.counties.flatMap((c, i) => ['2023Q3', '2023Q4', '2024Q1'].map((period, j) => ({
    period, county: c.county, score: Math.max(0, c.score - (j + 1) * ((i % 3) - 1) * 3), grade: c.grade,
  })))
  return {
    period: appraisal.period,
    config: appraisal.config,
    generatedAt: '2024-07-15T02:00:00.000Z',
    counties: appraisal.counties,
    history,
    missingCounties: [],
    lateCounties: [],
    deadline: '2024-07-10T16:00:00.000Z',
  }
}

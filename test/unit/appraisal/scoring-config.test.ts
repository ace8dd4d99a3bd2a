import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  collectiveIncomeThreshold,
  collectiveIncomeThresholds,
  configForProvince,
  loadScoringConfig,
  resolvedRules,
  ScoringConfigError,
} from '../../../functions/core/appraisal/scoring-config.ts'

const DEFAULT_BYTES = readFileSync(new URL('../../../functions/config/scoring/2024.1.json', import.meta.url))
const defaultJson = () => JSON.parse(DEFAULT_BYTES.toString('utf8'))

describe('the default configuration 2024.1', () => {
  it('holds the defaults of appraisal.md exactly', () => {
    const { config } = loadScoringConfig(DEFAULT_BYTES)
    expect(config).toEqual({
      version: '2024.1',
      description: 'Default scoring of contract/appraisal.md: 100 points, red lines deduct 5 each.',
      schedule: { '1': 0.25, '2': 0.5, '3': 0.75, '4': 0.95 },
      collective_income_threshold: { '1': 25000, '2': 50000, '3': 75000, '4': 100000 },
      indicators: {
        risk_elimination_rate: { weight: 20, direction: 'up', floor: 0.3, target: 0.7, null_share: 1 },
        income_growth_yoy: { weight: 15, direction: 'up', floor: 0, target: 0.1, null_share: 0.5 },
        labor_employment_rate: { weight: 15, direction: 'up', floor: 0.6, target: 0.9, null_share: 1 },
        medical_insurance_rate: { weight: 10, direction: 'up', floor: 0.95, target: 1, null_share: 1 },
        fund_spending_rate: { weight: 15, direction: 'up', floor: { times_schedule: 0.5 }, target: { times_schedule: 1 }, null_share: 1 },
        project_completion_rate: { weight: 5, direction: 'up', floor: 0, target: { times_schedule: 1 }, null_share: 1 },
        collective_income_share: { weight: 10, direction: 'up', floor: 0.3, target: 0.8, null_share: 1 },
        reporting_completeness: { weight: 10, direction: 'up', floor: 0.8, target: 1, null_share: 1 },
      },
      red_line_deduction: 5,
      grades: { excellent: 90, good: 80, fair: 60 },
      red_flag_grade_cap: 'fair',
      // Not in 2024.1: the default deducts nothing (2024.3 sets 1 point, at most 5).
      overdue_item_penalty: { per_item: 0, cap: 0 },
      provinces: {},
    })
    const weights = Object.values(config.indicators).map((r) => r?.weight ?? 0)
    expect(weights.reduce((a, b) => a + b, 0)).toBe(100)
  })

  it('is hashed over its exact bytes', () => {
    expect(loadScoringConfig(DEFAULT_BYTES).sha256).toBe(createHash('sha256').update(DEFAULT_BYTES).digest('hex'))
    // The same JSON with other whitespace is another file, hence another hash.
    const reformatted = JSON.stringify(defaultJson())
    expect(loadScoringConfig(reformatted).sha256).toBe(createHash('sha256').update(reformatted).digest('hex'))
    expect(loadScoringConfig(reformatted).sha256).not.toBe(loadScoringConfig(DEFAULT_BYTES).sha256)
  })

  it.each([
    [1, { fund: [0.5 * 0.25, 0.25], project: [0, 0.25] }],
    [2, { fund: [0.5 * 0.5, 0.5], project: [0, 0.5] }],
    [3, { fund: [0.5 * 0.75, 0.75], project: [0, 0.75] }],
    [4, { fund: [0.5 * 0.95, 0.95], project: [0, 0.95] }],
  ] as const)('resolves the schedule-relative floors and targets of Q%i', (quarter, expected) => {
    const rules = resolvedRules(configForProvince(loadScoringConfig(DEFAULT_BYTES).config, '52'), quarter)
    const fund = rules.find((r) => r.indicator === 'fund_spending_rate')
    const project = rules.find((r) => r.indicator === 'project_completion_rate')
    expect([fund?.floor, fund?.target]).toEqual(expected.fund)
    expect([project?.floor, project?.target]).toEqual(expected.project)
    expect(rules.map((r) => r.indicator)).toEqual([
      'risk_elimination_rate', 'income_growth_yoy', 'labor_employment_rate', 'medical_insurance_rate',
      'fund_spending_rate', 'project_completion_rate', 'collective_income_share', 'reporting_completeness',
    ])
  })
})

describe('province overrides', () => {
  const withProvinces = (provinces: unknown) => JSON.stringify({ ...defaultJson(), provinces })

  it('merge over the defaults field by field, keeping what they leave out', () => {
    const { config } = loadScoringConfig(
      withProvinces({
        '53': {
          indicators: { risk_elimination_rate: { weight: 25 }, fund_spending_rate: { floor: { times_schedule: 0.6 } } },
          collective_income_threshold: { '2': 40000 },
          grades: { excellent: 92 },
        },
      }),
    )
    const p53 = configForProvince(config, '53')
    expect(p53.indicators.risk_elimination_rate).toEqual({ weight: 25, direction: 'up', floor: 0.3, target: 0.7, null_share: 1 })
    // An override of the weight alone must not reset income_growth_yoy's half weight when null.
    expect(p53.indicators.income_growth_yoy).toEqual({ weight: 15, direction: 'up', floor: 0, target: 0.1, null_share: 0.5 })
    expect(p53.indicators.fund_spending_rate).toEqual({ weight: 15, direction: 'up', floor: { times_schedule: 0.6 }, target: { times_schedule: 1 }, null_share: 1 })
    expect(p53.collective_income_threshold).toEqual({ '1': 25000, '2': 40000, '3': 75000, '4': 100000 })
    expect(p53.grades).toEqual({ excellent: 92, good: 80, fair: 60 })
    expect(p53.version).toBe('2024.1')
    const { provinces: _ignored, ...defaults } = config
    expect(configForProvince(config, '52')).toEqual(defaults)
    expect(collectiveIncomeThreshold(config, '53', 2)).toBe(40000)
    expect(collectiveIncomeThreshold(config, '52', 2)).toBe(50000)
    expect(collectiveIncomeThresholds(config, 2)).toEqual([40000, 50000])
    expect(collectiveIncomeThresholds(config, 3)).toEqual([75000])
  })

  it('may score an indicator the defaults do not, when it gives the whole rule', () => {
    const { config } = loadScoringConfig(
      withProvinces({ '53': { indicators: { below_line_share: { weight: 5, direction: 'down', floor: 0.05, target: 0.01 } } } }),
    )
    expect(configForProvince(config, '53').indicators.below_line_share).toEqual({ weight: 5, direction: 'down', floor: 0.05, target: 0.01, null_share: 1 })
  })

  it('can come from the SCORING_OVERRIDES value, which wins and is hashed with the file', () => {
    const overrides = '{"52": {"red_line_deduction": 8}}'
    const loaded = loadScoringConfig(DEFAULT_BYTES, overrides)
    expect(configForProvince(loaded.config, '52').red_line_deduction).toBe(8)
    expect(loaded.sha256).toBe(createHash('sha256').update(DEFAULT_BYTES).update(new Uint8Array([0])).update(overrides).digest('hex'))
    expect(loadScoringConfig(DEFAULT_BYTES, '  ').sha256).toBe(loadScoringConfig(DEFAULT_BYTES).sha256)
  })
})

describe('an invalid configuration fails at load with every problem, prettified', () => {
  const mutated = (mutate: (c: ReturnType<typeof defaultJson>) => void) => {
    const c = defaultJson()
    mutate(c)
    return JSON.stringify(c)
  }

  it.each([
    [
      'a target on the wrong side of the floor',
      mutated((c) => { c.indicators.risk_elimination_rate.target = 0.2 }),
      'Invalid scoring configuration:\n✖ the target (0.2) must be above the floor (0.3) for direction "up" (Q1)\n  → at indicators.risk_elimination_rate',
    ],
    [
      'an unknown key and grades out of order',
      mutated((c) => { c.grades.good = 95; c.weird = 1 }),
      'Invalid scoring configuration:\n✖ Unrecognized key: "weird"\n✖ grades must descend: excellent > good > fair\n  → at grades',
    ],
    [
      'a schedule above 1',
      mutated((c) => { c.schedule['4'] = 1.5 }),
      'Invalid scoring configuration:\n✖ Too big: expected number to be <=1\n  → at schedule.4',
    ],
    [
      'a province override that breaks its merged scoring',
      mutated((c) => { c.provinces = { '52': { indicators: { medical_insurance_rate: { floor: 1.2 } } } } }),
      'Invalid scoring configuration:\n✖ the target (1) must be above the floor (1.2) for direction "up" (Q1)\n  → at provinces.52.indicators.medical_insurance_rate',
    ],
    [
      'a province override of an unscored indicator without its whole rule',
      mutated((c) => { c.provinces = { '53': { indicators: { below_line_share: { weight: 5 } } } } }),
      'Invalid scoring configuration:\n✖ Invalid option: expected one of "up"|"down"\n  → at provinces.53.indicators.below_line_share.direction\n✖ Invalid input\n  → at provinces.53.indicators.below_line_share.floor\n✖ Invalid input\n  → at provinces.53.indicators.below_line_share.target',
    ],
    ['text that is not JSON', '{"version":', 'The scoring configuration is not valid UTF-8 JSON: Unexpected end of JSON input'],
  ])('%s', (_what, json, message) => {
    expect(() => loadScoringConfig(json)).toThrow(new ScoringConfigError(message))
  })

  it('reports bad overrides from the environment on their own', () => {
    expect(() => loadScoringConfig(DEFAULT_BYTES, '{"5x": {}}')).toThrow(
      new ScoringConfigError('Invalid province overrides:\n✖ Invalid key in record\n  → at 5x'),
    )
  })

  it('keeps the zod error as the cause', () => {
    try {
      loadScoringConfig(mutated((c) => { c.red_line_deduction = -1 }))
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ScoringConfigError)
      expect((error as ScoringConfigError).cause).toBeInstanceOf(Error)
    }
  })
})

import * as z from 'zod/mini'
import './zod-english.ts'

/**
 * The scoring configuration of the quarterly appraisal (contract/appraisal.md, "Default
 * scoring"): data, not code. A versioned JSON file is validated with these schemas at load,
 * and every appraisal records the version and the SHA-256 of the file's bytes.
 */

/** Every indicator of a county, in the order of appraisal.md's table. */
export const INDICATOR_KEYS = [
  'villages_reported',
  'villages_expected',
  'reporting_completeness',
  'monitored_households',
  'monitored_persons',
  'risk_elimination_rate',
  'income_per_capita',
  'income_growth_yoy',
  'below_line_share',
  'labor_employment_rate',
  'medical_insurance_rate',
  'fund_spending_rate',
  'project_completion_rate',
  'collective_income_share',
  'dropouts',
  'zero_employment_households',
  'unsafe_houses',
  'unsafe_water_households',
  'median_days_to_eliminate',
] as const
export type IndicatorKey = (typeof INDICATOR_KEYS)[number]

/** The indicators with a target direction: the ones a configuration may score. */
export const SCORABLE_INDICATORS = [
  'risk_elimination_rate',
  'income_growth_yoy',
  'below_line_share',
  'labor_employment_rate',
  'medical_insurance_rate',
  'fund_spending_rate',
  'project_completion_rate',
  'collective_income_share',
  'reporting_completeness',
] as const
export const ScorableIndicatorSchema = z.enum(SCORABLE_INDICATORS)
export type ScorableIndicator = z.infer<typeof ScorableIndicatorSchema>

/** Red lines: must be 0 (appraisal.md). */
export const RED_LINE_INDICATORS = ['dropouts', 'zero_employment_households', 'unsafe_houses', 'unsafe_water_households'] as const
export type RedLineIndicator = (typeof RED_LINE_INDICATORS)[number]

/** Best first. */
export const GRADES = ['excellent', 'good', 'fair', 'poor'] as const
export const GradeSchema = z.enum(GRADES)
export type Grade = z.infer<typeof GradeSchema>

export const QUARTER_KEYS = ['1', '2', '3', '4'] as const
export type Quarter = 1 | 2 | 3 | 4

/** Scores within this distance are equal for ranking (appraisal.md: "equal to 1e-9"). */
export const SCORE_TIE_TOLERANCE = 1e-9

/**
 * A floor or a target: a plain value, or a multiple of the quarter's spending schedule
 * (fund_spending_rate: floor 0.5 × schedule, target the schedule).
 */
export const BoundSchema = z.union([z.number(), z.strictObject({ times_schedule: z.number().check(z.positive()) })])
export type Bound = z.infer<typeof BoundSchema>

const indicatorRuleShape = {
  weight: z.number().check(z.minimum(0)),
  /** `up`: target > floor; `down`: target < floor. Points are weight × clamp((v − floor) / (target − floor), 0, 1) either way. */
  direction: z.enum(['up', 'down']),
  /** The value that earns 0 points. */
  floor: BoundSchema,
  /** The value that earns the full weight. */
  target: BoundSchema,
  /** The share of the weight earned when the value is null (1: full weight; income_growth_yoy: 0.5). */
  null_share: z.number().check(z.minimum(0), z.maximum(1)),
}

export const IndicatorRuleSchema = z.strictObject({ ...indicatorRuleShape, null_share: z._default(indicatorRuleShape.null_share, 1) })
export type IndicatorRule = z.infer<typeof IndicatorRuleSchema>

/** No defaults here: an override that leaves a field out keeps the base value (zod's partial() would apply the default). */
const IndicatorRuleOverrideSchema = z.partial(z.strictObject(indicatorRuleShape))

const perQuarter = <T extends z.ZodMiniType>(value: T) => z.strictObject({ '1': value, '2': value, '3': value, '4': value })

const GradeThresholdsSchema = z.strictObject({ excellent: z.number(), good: z.number(), fair: z.number() })

const scoringShape = {
  /** Share of the year's linkage funds and projects expected done by the end of each quarter. */
  schedule: perQuarter(z.number().check(z.gt(0), z.maximum(1))),
  /** Collective operating income (yuan, YTD) a village needs by the end of each quarter. */
  collective_income_threshold: perQuarter(z.number().check(z.minimum(0))),
  indicators: z
    .partialRecord(ScorableIndicatorSchema, IndicatorRuleSchema)
    .check(z.refine((rules) => Object.keys(rules).length > 0, 'at least one indicator must be scored')),
  /** Points deducted for each red-line indicator above 0. */
  red_line_deduction: z.number().check(z.minimum(0)),
  /** Lowest score of each grade; below `fair` is `poor`. */
  grades: GradeThresholdsSchema,
  /** The best grade a county with any red flag can get. */
  red_flag_grade_cap: GradeSchema,
  /**
   * Points deducted per overdue rectification item, up to `cap` (rectification.md, "Overdue").
   * Left out (versions before 2024.3): no deduction, so earlier appraisals reproduce exactly.
   */
  overdue_item_penalty: z._default(z.strictObject({ per_item: z.number().check(z.minimum(0)), cap: z.number().check(z.minimum(0)) }), { per_item: 0, cap: 0 }),
}

/** What a province may override: any part of the scoring, indicator by indicator. */
export const ProvinceOverrideSchema = z.strictObject({
  description: z.optional(z.string()),
  schedule: z.optional(z.partial(perQuarter(z.number().check(z.gt(0), z.maximum(1))))),
  collective_income_threshold: z.optional(z.partial(perQuarter(z.number().check(z.minimum(0))))),
  indicators: z.optional(z.partialRecord(ScorableIndicatorSchema, IndicatorRuleOverrideSchema)),
  red_line_deduction: z.optional(z.number().check(z.minimum(0))),
  grades: z.optional(z.partial(GradeThresholdsSchema)),
  red_flag_grade_cap: z.optional(GradeSchema),
  overdue_item_penalty: z.optional(z.partial(z.strictObject({ per_item: z.number().check(z.minimum(0)), cap: z.number().check(z.minimum(0)) }))),
})
export type ProvinceOverride = z.infer<typeof ProvinceOverrideSchema>

/** The province overrides alone, as the SCORING_OVERRIDES environment value holds them. */
export const ProvinceOverridesSchema = z.record(z.string().check(z.regex(/^\d{2}$/, 'a province code is 2 digits')), ProvinceOverrideSchema)

type ScoringCore = z.infer<z.ZodMiniObject<typeof scoringShape>>

/** Checks a complete scoring (the defaults, or the defaults merged with a province's overrides). */
function checkScoring(scoring: ScoringCore, ctx: z.core.$RefinementCtx, path: PropertyKey[]): void {
  const { excellent, good, fair } = scoring.grades
  if (!(excellent > good && good > fair)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'grades'], message: 'grades must descend: excellent > good > fair' })
  }
  for (const [key, rule] of Object.entries(scoring.indicators)) {
    if (rule === undefined) continue
    for (const q of QUARTER_KEYS) {
      const floor = resolveBound(rule.floor, scoring.schedule[q])
      const target = resolveBound(rule.target, scoring.schedule[q])
      const ok = rule.direction === 'up' ? target > floor : target < floor
      if (!ok) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'indicators', key],
          message: `the target (${target}) must be ${rule.direction === 'up' ? 'above' : 'below'} the floor (${floor}) for direction "${rule.direction}" (Q${q})`,
        })
        break
      }
    }
  }
}

/** A bound's value in a quarter whose schedule is `schedule`. */
export function resolveBound(bound: Bound, schedule: number): number {
  return typeof bound === 'number' ? bound : bound.times_schedule * schedule
}

/** A complete scoring as it applies to one province (no overrides left). */
export const EffectiveScoringSchema = z
  .strictObject({ version: z.string().check(z.minLength(1)), description: z.optional(z.string()), ...scoringShape })
  .check(z.superRefine((scoring, ctx) => checkScoring(scoring, ctx, [])))
export type EffectiveScoring = z.infer<typeof EffectiveScoringSchema>

export const ScoringConfigSchema = z
  .strictObject({
    version: z.string().check(z.minLength(1)),
    description: z.optional(z.string()),
    ...scoringShape,
    provinces: z._default(ProvinceOverridesSchema, {}),
  })
  .check(z.superRefine((config, ctx) => {
    checkScoring(config, ctx, [])
    // A province's overrides must leave a complete, coherent scoring: check each merge here
    // so that a bad override fails at load, not in the middle of an appraisal.
    for (const [province, override] of Object.entries(config.provinces)) {
      const { provinces: _omit, ...base } = config
      const merged = EffectiveScoringSchema.safeParse(mergeOverride(base, override))
      if (merged.success) continue
      for (const issue of merged.error.issues) {
        ctx.addIssue({ code: 'custom', path: ['provinces', province, ...issue.path], message: issue.message })
      }
    }
  }))
export type ScoringConfig = z.infer<typeof ScoringConfigSchema>

/**
 * Deep-merges a province's overrides over the base scoring (objects merge key by key,
 * everything else is replaced). The result is unvalidated: parse it with EffectiveScoringSchema.
 */
export function mergeOverride(base: object, override: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue
    const current = out[key]
    out[key] = isPlainObject(value) && isPlainObject(current) ? mergeOverride(current, value) : value
  }
  return out
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

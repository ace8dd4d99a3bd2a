import type { RuleId } from '../../schemas/findings.ts'

/**
 * The cross-field rules of contract/validation.md as data. A rule is evaluated only when every
 * value it uses parsed (a value that failed already has its own finding); its finding carries
 * the first column the rule names.
 */

export type RowValues = Record<string, string | number | boolean | undefined>

export interface CrossFieldRule {
  id: RuleId
  /** The first column the rule names: the finding's column. */
  column: string
  /** Every column whose value the rule reads (absent optional values count as parsed). */
  uses: readonly string[]
  /** Optional columns that may be absent without skipping the rule. */
  optional?: readonly string[]
  /** True when the row satisfies the rule. */
  holds(v: RowValues, ctx: RuleContext): boolean
}

export interface RuleContext {
  /** Day number of the period's last day. */
  periodLastDay: number
}

const n = (v: RowValues, k: string): number => v[k] as number

const KINDS = ['unstable', 'marginal', 'hardship'] as const
const monitoredHouseholds = (v: RowValues) => KINDS.reduce((s, k) => s + n(v, `monitored_${k}_households`), 0)
const monitoredPersons = (v: RowValues) => KINDS.reduce((s, k) => s + n(v, `monitored_${k}_persons`), 0)

export const VILLAGE_RULES: readonly CrossFieldRule[] = [
  { id: 'VR01', column: 'population', uses: ['population', 'households'], holds: (v) => n(v, 'population') >= n(v, 'households') },
  {
    id: 'VR02', column: 'alleviated_households', uses: ['alleviated_households', 'households', 'alleviated_persons', 'population'],
    holds: (v) => n(v, 'alleviated_households') <= n(v, 'households') && n(v, 'alleviated_persons') <= n(v, 'population'),
  },
  {
    id: 'VR03', column: 'alleviated_persons',
    uses: ['alleviated_persons', 'alleviated_households', 'relocated_persons', 'relocated_households',
      ...KINDS.flatMap((k) => [`monitored_${k}_persons`, `monitored_${k}_households`])],
    holds: (v) => n(v, 'alleviated_persons') >= n(v, 'alleviated_households')
      && n(v, 'relocated_persons') >= n(v, 'relocated_households')
      && KINDS.every((k) => n(v, `monitored_${k}_persons`) >= n(v, `monitored_${k}_households`)),
  },
  { id: 'VR04', column: 'relocated_households', uses: ['relocated_households', 'households'], holds: (v) => n(v, 'relocated_households') <= n(v, 'households') },
  { id: 'VR05', column: 'monitored_unstable_households', uses: ['monitored_unstable_households', 'alleviated_households'], holds: (v) => n(v, 'monitored_unstable_households') <= n(v, 'alleviated_households') },
  {
    id: 'VR06', column: 'risk_eliminated_households',
    uses: ['risk_eliminated_households', 'risk_eliminated_persons', ...KINDS.flatMap((k) => [`monitored_${k}_households`, `monitored_${k}_persons`])],
    holds: (v) => n(v, 'risk_eliminated_households') <= monitoredHouseholds(v) && n(v, 'risk_eliminated_persons') <= monitoredPersons(v),
  },
  {
    id: 'VR07', column: 'monitored_new_households', uses: ['monitored_new_households', ...KINDS.map((k) => `monitored_${k}_households`)],
    holds: (v) => n(v, 'monitored_new_households') <= monitoredHouseholds(v),
  },
  {
    id: 'VR08', column: 'alleviated_labor', uses: ['alleviated_labor', 'alleviated_persons', 'alleviated_labor_employed'],
    holds: (v) => n(v, 'alleviated_labor') <= n(v, 'alleviated_persons') && n(v, 'alleviated_labor_employed') <= n(v, 'alleviated_labor'),
  },
  { id: 'VR09', column: 'relocated_zero_employment_households', uses: ['relocated_zero_employment_households', 'relocated_households'], holds: (v) => n(v, 'relocated_zero_employment_households') <= n(v, 'relocated_households') },
  {
    id: 'VR10', column: 'medical_insured_persons', uses: ['medical_insured_persons', 'alleviated_persons', 'monitored_marginal_persons', 'monitored_hardship_persons'],
    // The covered population: unstable households are already counted among the alleviated (village_report.md).
    holds: (v) => n(v, 'medical_insured_persons') <= n(v, 'alleviated_persons') + n(v, 'monitored_marginal_persons') + n(v, 'monitored_hardship_persons'),
  },
  { id: 'VR11', column: 'linkage_funds_spent', uses: ['linkage_funds_spent', 'linkage_funds_allocated'], holds: (v) => n(v, 'linkage_funds_spent') <= n(v, 'linkage_funds_allocated') },
  { id: 'VR12', column: 'projects_completed', uses: ['projects_completed', 'projects_planned'], holds: (v) => n(v, 'projects_completed') <= n(v, 'projects_planned') },
  { id: 'VR13', column: 'persons_below_monitoring_line', uses: ['persons_below_monitoring_line', 'population'], holds: (v) => n(v, 'persons_below_monitoring_line') <= n(v, 'population') },
  {
    id: 'VR14', column: 'alleviated_income_per_capita', uses: ['alleviated_income_per_capita', 'alleviated_persons'],
    holds: (v) => !(n(v, 'alleviated_income_per_capita') === 0 && n(v, 'alleviated_persons') > 0),
  },
]

/** 2020-01-01 as a day number: MH03's earliest identification date. */
export const MONITORING_START_DAY = 18262

export const HOUSEHOLD_RULES: readonly CrossFieldRule[] = [
  {
    id: 'MH01', column: 'eliminated_on', uses: ['eliminated_on', 'risk_eliminated'], optional: ['eliminated_on'],
    holds: (v) => (v['risk_eliminated'] === true) === (v['eliminated_on'] !== undefined),
  },
  {
    id: 'MH02', column: 'identified_on', uses: ['identified_on', 'eliminated_on'], optional: ['eliminated_on'],
    holds: (v, ctx) => {
      const identified = n(v, 'identified_on')
      const eliminated = v['eliminated_on'] as number | undefined
      if (identified > ctx.periodLastDay) return false
      return eliminated === undefined || (identified <= eliminated && eliminated <= ctx.periodLastDay)
    },
  },
  { id: 'MH03', column: 'identified_on', uses: ['identified_on'], holds: (v) => n(v, 'identified_on') >= MONITORING_START_DAY },
]

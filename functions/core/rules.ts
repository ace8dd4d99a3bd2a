import type { Message, RuleId } from '../../schemas/findings.ts'

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
  /** What to fix, for a row that fails: the computed limit it broke. */
  explain?(v: RowValues): Message | undefined
}

export interface RuleContext {
  /** Day number of the period's last day. */
  periodLastDay: number
}

const n = (v: RowValues, k: string): number => v[k] as number

const KINDS = ['unstable', 'marginal', 'hardship'] as const
const monitoredHouseholds = (v: RowValues) => KINDS.reduce((s, k) => s + n(v, `monitored_${k}_households`), 0)
const monitoredPersons = (v: RowValues) => KINDS.reduce((s, k) => s + n(v, `monitored_${k}_persons`), 0)
/** The covered population for medical insurance (village_report.md). */
const covered = (v: RowValues) => n(v, 'alleviated_persons') + n(v, 'monitored_marginal_persons') + n(v, 'monitored_hardship_persons')

const fmt = (x: number) => String(Math.round(x * 10_000) / 10_000)
/** "X (value) must be at most Y (limit)" with the computed limit, in both languages. */
const atMost = (zhWhat: string, enWhat: string, value: number, zhLimit: string, enLimit: string, limit: number): Message =>
  ({ zh: `${zhWhat} ${fmt(value)} 超过上限 ${fmt(limit)}（${zhLimit}）`, en: `${enWhat} ${fmt(value)} is over the limit ${fmt(limit)} (${enLimit})` })
/** The first failing part of a rule of several `value ≤ limit` parts. */
const firstOver = (v: RowValues, parts: readonly [string, string, string, number, string, string][]): Message | undefined => {
  for (const [key, zh, en, limit, zhLimit, enLimit] of parts) if (n(v, key) > limit) return atMost(zh, en, n(v, key), zhLimit, enLimit, limit)
  return undefined
}
const KIND_ZH = { unstable: '脱贫不稳定户', marginal: '边缘易致贫户', hardship: '突发严重困难户' } as const

export const VILLAGE_RULES: readonly CrossFieldRule[] = [
  { id: 'VR01', column: 'population', uses: ['population', 'households'], holds: (v) => n(v, 'population') >= n(v, 'households'),
    explain: (v) => ({ zh: `总人口 ${n(v, 'population')} 少于总户数 ${n(v, 'households')}，总人口应不少于 ${n(v, 'households')}`, en: `population ${n(v, 'population')} is below households ${n(v, 'households')}; it must be at least ${n(v, 'households')}` }) },
  {
    id: 'VR02', column: 'alleviated_households', uses: ['alleviated_households', 'households', 'alleviated_persons', 'population'],
    holds: (v) => n(v, 'alleviated_households') <= n(v, 'households') && n(v, 'alleviated_persons') <= n(v, 'population'),
    explain: (v) => firstOver(v, [['alleviated_households', '脱贫户数', 'alleviated households', n(v, 'households'), '总户数', 'households'], ['alleviated_persons', '脱贫人口数', 'alleviated persons', n(v, 'population'), '总人口', 'population']]),
  },
  {
    id: 'VR03', column: 'alleviated_persons',
    uses: ['alleviated_persons', 'alleviated_households', 'relocated_persons', 'relocated_households',
      ...KINDS.flatMap((k) => [`monitored_${k}_persons`, `monitored_${k}_households`])],
    holds: (v) => n(v, 'alleviated_persons') >= n(v, 'alleviated_households')
      && n(v, 'relocated_persons') >= n(v, 'relocated_households')
      && KINDS.every((k) => n(v, `monitored_${k}_persons`) >= n(v, `monitored_${k}_households`)),
    explain: (v) => {
      const pairs: [string, string, string][] = [['alleviated', '脱贫', 'alleviated'], ['relocated', '易地搬迁', 'relocated'], ...KINDS.map((k): [string, string, string] => [`monitored_${k}`, KIND_ZH[k], k])]
      for (const [key, zh, en] of pairs) {
        const persons = n(v, `${key}_persons`)
        const households = n(v, `${key}_households`)
        if (persons < households) return { zh: `${zh}人数 ${persons} 少于户数 ${households}，应不少于 ${households}`, en: `${en} persons ${persons} are fewer than households ${households}; at least ${households}` }
      }
      return undefined
    },
  },
  { id: 'VR04', column: 'relocated_households', uses: ['relocated_households', 'households'], holds: (v) => n(v, 'relocated_households') <= n(v, 'households'),
    explain: (v) => firstOver(v, [['relocated_households', '易地搬迁户数', 'relocated households', n(v, 'households'), '总户数', 'households']]) },
  { id: 'VR05', column: 'monitored_unstable_households', uses: ['monitored_unstable_households', 'alleviated_households'], holds: (v) => n(v, 'monitored_unstable_households') <= n(v, 'alleviated_households'),
    explain: (v) => firstOver(v, [['monitored_unstable_households', '脱贫不稳定户数', 'unstable households', n(v, 'alleviated_households'), '脱贫户数', 'alleviated households']]) },
  {
    id: 'VR06', column: 'risk_eliminated_households',
    uses: ['risk_eliminated_households', 'risk_eliminated_persons', ...KINDS.flatMap((k) => [`monitored_${k}_households`, `monitored_${k}_persons`])],
    holds: (v) => n(v, 'risk_eliminated_households') <= monitoredHouseholds(v) && n(v, 'risk_eliminated_persons') <= monitoredPersons(v),
    explain: (v) => firstOver(v, [
      ['risk_eliminated_households', '已消除风险户数', 'risk-eliminated households', monitoredHouseholds(v), '三类监测户数之和', 'the three monitored kinds\' households'],
      ['risk_eliminated_persons', '已消除风险人数', 'risk-eliminated persons', monitoredPersons(v), '三类监测户人数之和', 'the three monitored kinds\' persons'],
    ]),
  },
  {
    id: 'VR07', column: 'monitored_new_households', uses: ['monitored_new_households', ...KINDS.map((k) => `monitored_${k}_households`)],
    holds: (v) => n(v, 'monitored_new_households') <= monitoredHouseholds(v),
    explain: (v) => firstOver(v, [['monitored_new_households', '本季度新识别监测户数', 'newly identified households', monitoredHouseholds(v), '三类监测户数之和', 'the three monitored kinds\' households']]),
  },
  {
    id: 'VR08', column: 'alleviated_labor', uses: ['alleviated_labor', 'alleviated_persons', 'alleviated_labor_employed'],
    holds: (v) => n(v, 'alleviated_labor') <= n(v, 'alleviated_persons') && n(v, 'alleviated_labor_employed') <= n(v, 'alleviated_labor'),
    explain: (v) => firstOver(v, [
      ['alleviated_labor', '脱贫劳动力人数', 'alleviated labour', n(v, 'alleviated_persons'), '脱贫人口数', 'alleviated persons'],
      ['alleviated_labor_employed', '务工就业人数', 'employed labour', n(v, 'alleviated_labor'), '脱贫劳动力人数', 'alleviated labour'],
    ]),
  },
  { id: 'VR09', column: 'relocated_zero_employment_households', uses: ['relocated_zero_employment_households', 'relocated_households'], holds: (v) => n(v, 'relocated_zero_employment_households') <= n(v, 'relocated_households'),
    explain: (v) => firstOver(v, [['relocated_zero_employment_households', '搬迁零就业家庭户数', 'zero-employment households', n(v, 'relocated_households'), '易地搬迁户数', 'relocated households']]) },
  {
    id: 'VR10', column: 'medical_insured_persons', uses: ['medical_insured_persons', 'alleviated_persons', 'monitored_marginal_persons', 'monitored_hardship_persons'],
    // The covered population: unstable households are already counted among the alleviated (village_report.md).
    holds: (v) => n(v, 'medical_insured_persons') <= covered(v),
    explain: (v) => firstOver(v, [['medical_insured_persons', '参保人数', 'insured persons', covered(v), '脱贫人口数 + 边缘易致贫户人数 + 突发严重困难户人数', 'alleviated + marginal + hardship persons']]),
  },
  {
    id: 'VR11', column: 'linkage_funds_spent', uses: ['linkage_funds_spent', 'linkage_funds_allocated'], holds: (v) => n(v, 'linkage_funds_spent') <= n(v, 'linkage_funds_allocated'),
    explain: (v) => {
      const over = atMost('衔接资金支出', 'linkage funds spent', n(v, 'linkage_funds_spent'), '衔接资金下达', 'linkage funds allocated', n(v, 'linkage_funds_allocated'))
      // A thousand times over is a unit slip, not overspending (validation.md, "Unit checks").
      if (n(v, 'linkage_funds_spent') < 1000 * n(v, 'linkage_funds_allocated')) return over
      return { zh: `${over.zh}；两列单位均为万元，支出疑似按元填写，请除以 10000`, en: `${over.en}; both columns are in 10k yuan: the spending was probably typed in yuan, divide it by 10,000` }
    },
  },
  { id: 'VR12', column: 'projects_completed', uses: ['projects_completed', 'projects_planned'], holds: (v) => n(v, 'projects_completed') <= n(v, 'projects_planned'),
    explain: (v) => firstOver(v, [['projects_completed', '已竣工项目数', 'projects completed', n(v, 'projects_planned'), '项目数', 'projects planned']]) },
  { id: 'VR13', column: 'persons_below_monitoring_line', uses: ['persons_below_monitoring_line', 'population'], holds: (v) => n(v, 'persons_below_monitoring_line') <= n(v, 'population'),
    explain: (v) => firstOver(v, [['persons_below_monitoring_line', '低于监测线人数', 'persons below the line', n(v, 'population'), '总人口', 'population']]) },
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

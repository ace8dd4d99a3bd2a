import type { Grade, IndicatorKey } from '../../../schemas/scoring.ts'

/**
 * What the report calls things: Chinese first, a short English label after (analysts read the
 * Chinese; the English keeps the report usable by reviewers and in code discussions).
 */
export interface Label {
  zh: string
  en: string
}

/** One colour per grade, the same in every chart and table of the report. */
export const GRADE_STYLE: Record<Grade, Label & { color: string; text: string }> = {
  excellent: { zh: '好', en: 'Excellent', color: '#1a7f43', text: '#ffffff' },
  good: { zh: '较好', en: 'Good', color: '#5fae4e', text: '#ffffff' },
  fair: { zh: '一般', en: 'Fair', color: '#e8a33c', text: '#1f1f1f' },
  poor: { zh: '较差', en: 'Poor', color: '#c9372c', text: '#ffffff' },
}

/** How an indicator's value is shown. */
export type ValueKind = 'rate' | 'growth' | 'count' | 'yuan' | 'days'

export const INDICATOR_LABELS: Record<IndicatorKey, Label & { short: string; kind: ValueKind }> = {
  villages_reported: { zh: '报送村数', en: 'Villages reported', short: 'Reported', kind: 'count' },
  villages_expected: { zh: '应报村数', en: 'Villages expected', short: 'Expected', kind: 'count' },
  reporting_completeness: { zh: '报送完整率', en: 'Reporting completeness', short: 'Completeness', kind: 'rate' },
  monitored_households: { zh: '监测户数', en: 'Monitored households', short: 'Households', kind: 'count' },
  monitored_persons: { zh: '监测人数', en: 'Monitored persons', short: 'Persons', kind: 'count' },
  risk_elimination_rate: { zh: '风险消除率', en: 'Risk elimination rate', short: 'Risk elim.', kind: 'rate' },
  income_per_capita: { zh: '脱贫人口人均纯收入', en: 'Income per capita (yuan)', short: 'Income', kind: 'yuan' },
  income_growth_yoy: { zh: '人均纯收入同比增长', en: 'Income growth YoY', short: 'Income YoY', kind: 'growth' },
  below_line_share: { zh: '低于监测线人口占比', en: 'Share below monitoring line', short: 'Below line', kind: 'rate' },
  labor_employment_rate: { zh: '脱贫劳动力务工就业率', en: 'Labour employment rate', short: 'Employment', kind: 'rate' },
  medical_insurance_rate: { zh: '参保率', en: 'Medical insurance rate', short: 'Insurance', kind: 'rate' },
  fund_spending_rate: { zh: '衔接资金支出进度', en: 'Linkage fund spending', short: 'Funds spent', kind: 'rate' },
  project_completion_rate: { zh: '项目竣工率', en: 'Project completion rate', short: 'Projects', kind: 'rate' },
  collective_income_share: { zh: '集体收入达标村占比', en: 'Villages at collective-income threshold', short: 'Collective', kind: 'rate' },
  dropouts: { zh: '义务教育辍学', en: 'Dropouts', short: 'Dropouts', kind: 'count' },
  zero_employment_households: { zh: '搬迁零就业家庭', en: 'Relocated zero-employment households', short: 'Zero empl.', kind: 'count' },
  unsafe_houses: { zh: '存量危房', en: 'Unsafe houses', short: 'Unsafe houses', kind: 'count' },
  unsafe_water_households: { zh: '饮水不安全户', en: 'Households without safe water', short: 'Unsafe water', kind: 'count' },
  median_days_to_eliminate: { zh: '风险消除天数中位数', en: 'Median days to eliminate', short: 'Days', kind: 'days' },
}

/** The chart and table palette outside the grades. */
export const PALETTE = {
  ink: '#1f2933',
  muted: '#5f6b7a',
  rule: '#d9dee5',
  accent: '#2f5d8a',
  /** Heatmap: share of the weight earned, 0 → 1. */
  heat: ['#c9372c', '#f3c969', '#1a7f43'],
  /** Lines of the score-over-quarters chart: no greens, reds or ambers, which mean grades. */
  lines: ['#2f5d8a', '#7b4ea3', '#16879a', '#8c5a3c', '#d1499b', '#4d6fd6', '#5f6b7a', '#0f4c5c', '#a0639a', '#3d8bd9'],
} as const

/** The font stack of the page and of the chart text: the Chinese system fonts first. */
export const FONT_FAMILY = 'PingFang SC, Hiragino Sans GB, Microsoft YaHei, Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, system-ui, sans-serif'

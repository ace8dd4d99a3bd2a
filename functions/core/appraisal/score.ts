import { GRADES, RED_LINE_INDICATORS, SCORE_TIE_TOLERANCE } from '../../../schemas/scoring.ts'
import type { EffectiveScoring, Grade, IndicatorKey, Quarter, RedLineIndicator, ScorableIndicator, ScoringConfig } from '../../../schemas/scoring.ts'
import { configForProvince, resolvedRules } from './scoring-config.ts'
import type { ResolvedRule } from './scoring-config.ts'

/** Every indicator of a county (appraisal.md); null where a ratio's denominator is 0 or data is absent. */
export type CountyIndicators = Record<IndicatorKey, number | null>

export interface CountyInput {
  county: string
  /** From the registry; null without one (reports then print the code). */
  name: string | null
  /** First 4 digits of the county code. */
  city: string
  /** First 2 digits. */
  province: string
  indicators: CountyIndicators
  /** The villages behind each red-line indicator above 0 (red-flag-villages.sql). */
  red_flag_villages?: Partial<Record<RedLineIndicator, readonly string[]>>
  /** Σ alleviated_persons: a county with none is not appraisable (appraisal.md, "Appraisable"). */
  alleviated_persons?: number
  /**
   * Each scored ratio's denominator in the county's comparable earlier quarter; a key left out
   * means there is no such quarter (appraisal.md, "Nulls are not free points").
   */
  earlier_denominators?: Partial<Record<ScorableIndicator, number>>
  /**
   * Rectification items due on or before the quarter's last day and still open after the
   * quarter's look-back (rectification.md, "Overdue"); left out: none.
   */
  overdue_items?: number
  /**
   * The quarter's milestone of each targeted indicator (rectification.md, "Targets",
   * targets.ts quarterMilestones); left out: the county has no targets.
   */
  milestones?: Partial<Record<ScorableIndicator, number>>
}

/** A deduction that is not a red line: listed apart, and caps no grade (rectification.md). */
export interface Penalty {
  kind: 'overdue_items'
  count: number
  points: number
}

/** A county left out of the appraisal, and why (appraisal.md, "Appraisable"). */
export interface NotAppraisable {
  county: string
  reason: 'no_alleviated_persons'
}

/** Why a county earned what it did on one indicator. */
export interface IndicatorPoints {
  indicator: ScorableIndicator
  direction: 'up' | 'down'
  value: number | null
  floor: number
  target: number
  weight: number
  points: number
  /** The quarter's milestone, when one replaced the target (and scaled the floor). */
  milestone?: number
}

export interface RedFlag {
  indicator: RedLineIndicator
  value: number
  villages: string[]
}

export interface CountyAppraisal {
  county: string
  name: string | null
  city: string
  province: string
  indicators: CountyIndicators
  /** Unrounded, after deductions, floored at 0. */
  score: number
  grade: Grade
  rank_in_city: number
  rank_in_province: number
  red_flags: RedFlag[]
  /** Points of each scored indicator, in the configuration's order. */
  breakdown: IndicatorPoints[]
  /** Sum of the breakdown's points, before red-line deductions. */
  points: number
  /** Points deducted for red lines. */
  deductions: number
  /** Other deductions (overdue rectification items), each with its count and points; empty when none. */
  penalties: Penalty[]
  /** Scored indicators that are null (their denominator is 0), in the configuration's order. */
  no_data: ScorableIndicator[]
  /** value / milestone of each targeted scored indicator (null where either makes it undefined); left out without targets. */
  progress?: Partial<Record<ScorableIndicator, number | null>>
}

/** A registry county without an accepted village report for the quarter, as `va appraisal --json` lists it. */
export interface MissingCounty {
  county: string
  /** The registry's name. */
  name: string
}

export interface Appraisal {
  /** `YYYYQn`. */
  period: string
  config: { version: string; sha256: string }
  /** By province, then rank in province, then county code. */
  counties: CountyAppraisal[]
  /** Active registry counties without an accepted report (missing-counties.sql), by code; empty without a registry. */
  missing_counties: MissingCounty[]
  /** Counties with an accepted report that cannot be appraised, by county code. */
  not_appraisable: NotAppraisable[]
  /** The targets submissions whose milestones this appraisal used (rectification.md); left out when none. */
  targets_used?: string[]
}

export interface ScoreInput {
  year: number
  quarter: Quarter
  counties: readonly CountyInput[]
  config: ScoringConfig
  /** Of the configuration's bytes (loadScoringConfig). */
  sha256: string
  /** Registry counties that did not report: listed, not appraised or ranked. */
  missingCounties?: readonly MissingCounty[]
  /** The targets submissions behind the counties' milestones. */
  targetsUsed?: readonly string[]
}

/** Scores, grades and ranks the counties of one quarter (appraisal.md, "Default scoring"). */
export function scoreAppraisal(input: ScoreInput): Appraisal {
  const seen = new Set<string>()
  const not_appraisable: NotAppraisable[] = []
  const scored: Unranked[] = []
  for (const county of input.counties) {
    if (seen.has(county.county)) throw new Error(`County ${county.county} appears twice in the appraisal input`)
    seen.add(county.county)
    // A report with no alleviated persons at all (all zeros) is not appraised (appraisal.md).
    if (county.alleviated_persons === 0) not_appraisable.push({ county: county.county, reason: 'no_alleviated_persons' })
    else scored.push(scoreCounty(county, configForProvince(input.config, county.province), input.quarter))
  }
  not_appraisable.sort((a, b) => compareCodes(a.county, b.county))
  const cityRanks = rankWithin(scored, (c) => c.city)
  const provinceRanks = rankWithin(scored, (c) => c.province)
  const counties = scored.map((c) => ({
    ...c,
    rank_in_city: rankOf(cityRanks, c.county),
    rank_in_province: rankOf(provinceRanks, c.county),
  }))
  counties.sort((a, b) => compareCodes(a.province, b.province) || a.rank_in_province - b.rank_in_province || compareCodes(a.county, b.county))
  return {
    period: `${input.year}Q${input.quarter}`,
    config: { version: input.config.version, sha256: input.sha256 },
    counties,
    missing_counties: [...(input.missingCounties ?? [])].filter((c) => !seen.has(c.county)).sort((a, b) => compareCodes(a.county, b.county)),
    not_appraisable,
    ...(input.targetsUsed?.length ? { targets_used: [...input.targetsUsed] } : {}),
  }
}

type Unranked = Omit<CountyAppraisal, 'rank_in_city' | 'rank_in_province'>

/** One county's points, red flags, score and grade under the scoring of its province. */
export function scoreCounty(county: CountyInput, scoring: EffectiveScoring, quarter: Quarter): Unranked {
  const progress: Partial<Record<ScorableIndicator, number | null>> = {}
  const breakdown = resolvedRules(scoring, quarter).map((resolved): IndicatorPoints => {
    const value = county.indicators[resolved.indicator]
    const milestone = county.milestones?.[resolved.indicator]
    const rule = milestone === undefined ? resolved : withMilestone(resolved, milestone)
    if (milestone !== undefined) progress[rule.indicator] = value === null || milestone === 0 ? null : value / milestone
    return {
      indicator: rule.indicator,
      direction: rule.direction,
      value,
      floor: rule.floor,
      target: rule.target,
      weight: rule.weight,
      points: indicatorPoints(value, rule, nullBasis(rule.indicator, county.earlier_denominators)),
      ...(milestone === undefined ? {} : { milestone }),
    }
  })
  const no_data = breakdown.filter((b) => b.value === null).map((b) => b.indicator)
  const red_flags: RedFlag[] = []
  for (const indicator of RED_LINE_INDICATORS) {
    const value = county.indicators[indicator]
    if (value === null || !(value > 0)) continue
    const villages = [...(county.red_flag_villages?.[indicator] ?? [])].sort(compareCodes)
    red_flags.push({ indicator, value, villages })
  }
  const points = breakdown.reduce((sum, b) => sum + b.points, 0)
  const deductions = red_flags.length * scoring.red_line_deduction
  const overdue = county.overdue_items ?? 0
  const { per_item, cap } = scoring.overdue_item_penalty
  const penalties: Penalty[] = overdue > 0 && per_item > 0 ? [{ kind: 'overdue_items', count: overdue, points: Math.min(cap, overdue * per_item) }] : []
  const score = Math.max(0, points - deductions - penalties.reduce((sum, p) => sum + p.points, 0))
  return {
    county: county.county,
    name: county.name,
    city: county.city,
    province: county.province,
    indicators: county.indicators,
    score,
    grade: gradeOf(score, red_flags.length > 0, scoring),
    red_flags,
    breakdown,
    points,
    deductions,
    penalties,
    no_data,
    ...(Object.keys(progress).length ? { progress } : {}),
  }
}

/**
 * A county's milestone replaces the indicator's target and scales its floor by the same
 * ratio: floor = milestone × (floor ÷ target) of the effective configuration (rectification.md).
 * A configured target of 0 leaves the floor as it is (there is no ratio to keep).
 */
export function withMilestone(rule: ResolvedRule, milestone: number): ResolvedRule {
  return { ...rule, target: milestone, floor: rule.target === 0 ? rule.floor : milestone * (rule.floor / rule.target) }
}

/**
 * How a null scored ratio is judged (appraisal.md, "Nulls are not free points"): against the
 * same denominator in the comparable earlier quarter; income_growth_yoy by its null share.
 */
export type NullBasis = 'null_share' | 'structural_zero' | 'stopped' | 'no_earlier'

function nullBasis(indicator: ScorableIndicator, earlier: CountyInput['earlier_denominators']): NullBasis {
  if (indicator === 'income_growth_yoy') return 'null_share'
  const denominator = earlier?.[indicator]
  if (denominator === undefined) return 'no_earlier'
  return denominator === 0 ? 'structural_zero' : 'stopped'
}

/**
 * weight × clamp((value − floor) / (target − floor), 0, 1); for a "down" indicator the target
 * lies below the floor, so the same formula runs the other way. A null value earns the full
 * weight only as a structural zero, nothing when the county stopped reporting the figure, half
 * without a comparable earlier quarter, and weight × null_share for income_growth_yoy.
 */
export function indicatorPoints(value: number | null, rule: Pick<ResolvedRule, 'weight' | 'floor' | 'target' | 'null_share'>, basis: NullBasis = 'null_share'): number {
  if (value === null) {
    if (basis === 'structural_zero') return rule.weight
    if (basis === 'stopped') return 0
    if (basis === 'no_earlier') return rule.weight / 2
    return rule.weight * rule.null_share
  }
  // A milestone of 0 leaves no span: reaching it earns the weight.
  if (rule.target === rule.floor) return value >= rule.target ? rule.weight : 0
  const progress = (value - rule.floor) / (rule.target - rule.floor)
  return rule.weight * Math.min(1, Math.max(0, progress))
}

/** The grade of a score; a county with a red flag gets at most the configured cap (fair). */
export function gradeOf(score: number, hasRedFlag: boolean, scoring: Pick<EffectiveScoring, 'grades' | 'red_flag_grade_cap'>): Grade {
  const { excellent, good, fair } = scoring.grades
  const grade: Grade = score >= excellent ? 'excellent' : score >= good ? 'good' : score >= fair ? 'fair' : 'poor'
  if (!hasRedFlag) return grade
  return GRADES[Math.max(GRADES.indexOf(grade), GRADES.indexOf(scoring.red_flag_grade_cap))] ?? grade
}

/**
 * Competition ranks (1, 2, 2, 4) by unrounded score, best first. Scores within 1e-9 of the
 * best score of their group tie and share the group's rank.
 */
export function competitionRanks(items: readonly { county: string; score: number }[]): Map<string, number> {
  const sorted = [...items].sort((a, b) => b.score - a.score || compareCodes(a.county, b.county))
  const ranks = new Map<string, number>()
  let groupStart = 0
  for (let i = 0; i < sorted.length; i++) {
    const leader = sorted[groupStart]
    const item = sorted[i]
    if (leader === undefined || item === undefined) continue
    if (leader.score - item.score > SCORE_TIE_TOLERANCE) groupStart = i
    ranks.set(item.county, groupStart + 1)
  }
  return ranks
}

function rankWithin(counties: readonly Unranked[], groupOf: (c: Unranked) => string): Map<string, number> {
  const groups = new Map<string, Unranked[]>()
  for (const c of counties) {
    const key = groupOf(c)
    groups.set(key, [...(groups.get(key) ?? []), c])
  }
  const ranks = new Map<string, number>()
  for (const members of groups.values()) {
    for (const [county, rank] of competitionRanks(members)) ranks.set(county, rank)
  }
  return ranks
}

function rankOf(ranks: ReadonlyMap<string, number>, county: string): number {
  const rank = ranks.get(county)
  if (rank === undefined) throw new Error(`No rank for county ${county}`)
  return rank
}

/** Codes are digit strings: plain code-unit order, independent of the locale. */
function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

import { createHash } from 'node:crypto'
import * as z from 'zod/mini'
import '../../../schemas/zod-english.ts'
import {
  EffectiveScoringSchema,
  mergeOverride,
  ProvinceOverridesSchema,
  resolveBound,
  ScoringConfigSchema,
} from '../../../schemas/scoring.ts'
import type { EffectiveScoring, IndicatorRule, Quarter, ScorableIndicator, ScoringConfig } from '../../../schemas/scoring.ts'
import { PipelineError } from '../errors.ts'

/** A scoring configuration that does not parse or does not validate. */
export class ScoringConfigError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ScoringConfigError'
  }
}

export interface LoadedScoringConfig {
  config: ScoringConfig
  /** Hex SHA-256 of the exact bytes loaded (with overrides: of the file's bytes, a NUL byte, then the overrides' bytes). */
  sha256: string
}

/**
 * Parses and validates a scoring configuration file (appraisal.md: "a versioned JSON file
 * validated at load"). `provinceOverrides` is the optional SCORING_OVERRIDES value
 * (`{ "<2 digits>": { …partial } }`); it wins over the file's own `provinces` entry for the
 * same province, and is covered by the hash so that an appraisal can be reproduced exactly.
 */
export function loadScoringConfig(json: string | Uint8Array, provinceOverrides?: string | Uint8Array): LoadedScoringConfig {
  const bytes = typeof json === 'string' ? new TextEncoder().encode(json) : json
  const hash = createHash('sha256').update(bytes)
  const raw = parseJson(bytes, 'scoring configuration')

  const overrideBytes = provinceOverrides === undefined ? undefined : typeof provinceOverrides === 'string' ? new TextEncoder().encode(provinceOverrides) : provinceOverrides
  if (overrideBytes !== undefined && new TextDecoder().decode(overrideBytes).trim() !== '') {
    const overrides = ProvinceOverridesSchema.safeParse(parseJson(overrideBytes, 'province overrides'))
    if (!overrides.success) {
      throw new ScoringConfigError(`Invalid province overrides:\n${z.prettifyError(overrides.error)}`, { cause: overrides.error })
    }
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const record = raw as Record<string, unknown>
      const fileProvinces = typeof record.provinces === 'object' && record.provinces !== null ? record.provinces : {}
      record.provinces = { ...fileProvinces, ...overrides.data }
    }
    hash.update(new Uint8Array([0])).update(overrideBytes)
  }

  const parsed = ScoringConfigSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ScoringConfigError(`Invalid scoring configuration:\n${z.prettifyError(parsed.error)}`, { cause: parsed.error })
  }
  return { config: parsed.data, sha256: hash.digest('hex') }
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new ScoringConfigError(`The ${what} is not valid UTF-8 JSON: ${(error as Error).message}`, { cause: error })
  }
}

/** The scoring that applies to a province: the defaults with that province's overrides, if any. */
export function configForProvince(config: ScoringConfig, province: string): EffectiveScoring {
  const { provinces, ...base } = config
  const override = provinces[province]
  if (override === undefined) return base
  // Validated at load (ScoringConfigSchema checks every merge), so this parse cannot fail.
  return EffectiveScoringSchema.parse(mergeOverride(base, override))
}

/** An indicator rule with its floor and target resolved for one quarter. */
export interface ResolvedRule {
  indicator: ScorableIndicator
  direction: IndicatorRule['direction']
  weight: number
  floor: number
  target: number
  null_share: number
}

/** The scored indicators of a scoring in a quarter, in the configuration's order. */
export function resolvedRules(scoring: EffectiveScoring, quarter: Quarter): ResolvedRule[] {
  const schedule = scoring.schedule[`${quarter}`]
  const rules: ResolvedRule[] = []
  for (const [indicator, rule] of Object.entries(scoring.indicators) as [ScorableIndicator, IndicatorRule | undefined][]) {
    if (rule === undefined) continue
    rules.push({
      indicator,
      direction: rule.direction,
      weight: rule.weight,
      floor: resolveBound(rule.floor, schedule),
      target: resolveBound(rule.target, schedule),
      null_share: rule.null_share,
    })
  }
  return rules
}

/** The collective-income threshold of a province in a quarter (yuan, YTD). */
export function collectiveIncomeThreshold(config: ScoringConfig, province: string, quarter: Quarter): number {
  return configForProvince(config, province).collective_income_threshold[`${quarter}`]
}

/**
 * Every collective-income threshold that some province may use in a quarter, ascending:
 * county-indicators.sql runs once per threshold (usually one), and each county takes the
 * rows of its own province's threshold.
 */
export function collectiveIncomeThresholds(config: ScoringConfig, quarter: Quarter): number[] {
  const all = new Set([config.collective_income_threshold[`${quarter}`]])
  for (const province of Object.keys(config.provinces)) all.add(collectiveIncomeThreshold(config, province, quarter))
  return [...all].sort((a, b) => a - b)
}

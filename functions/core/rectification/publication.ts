import type { Appraisal } from '../appraisal/score.ts'
import { RED_LINE_INDICATORS, type RedLineIndicator } from '../../../schemas/scoring.ts'
import { automaticItemId, defaultDue, isUnclosed, parseDueDay, type ItemProblem, type ItemSource, type RectificationItem } from './rectification-item.ts'

/**
 * What publishing a quarter does to rectification items (rectification.md, "Opened
 * automatically" and "Closed by looking back"), as pure functions of the items read and the
 * figures: each returns only the items it changed, so that publishing again writes nothing new.
 */

/** One automatic item the published figures call for: its identity and its villages. */
export interface AutomaticNeed {
  county: string
  source: Exclude<ItemSource, 'inspection'>
  problem: Exclude<ItemProblem, 'inspection'>
  indicator?: string
  villages?: string[]
}

/**
 * The automatic items of a published appraisal: one per red flag (county and indicator, with its
 * villages) and one per data-quality problem (county, problem and, for `no_data`, indicator;
 * never `income_growth_yoy`, whose null is "no year-earlier data", not the county's silence).
 * `late` are the counties whose current village report carries late_submission.
 */
export function automaticNeeds(appraisal: Appraisal, late: readonly string[]): AutomaticNeed[] {
  const needs: AutomaticNeed[] = []
  for (const c of appraisal.counties) {
    for (const f of c.red_flags) needs.push({ county: c.county, source: 'red_flag', problem: 'red_flag', indicator: f.indicator, villages: [...f.villages] })
    for (const indicator of c.no_data) if (indicator !== 'income_growth_yoy') needs.push({ county: c.county, source: 'data_quality', problem: 'no_data', indicator })
  }
  for (const n of appraisal.not_appraisable) needs.push({ county: n.county, source: 'data_quality', problem: 'not_appraisable' })
  for (const m of appraisal.missing_counties) needs.push({ county: m.county, source: 'data_quality', problem: 'missing' })
  for (const county of late) needs.push({ county, source: 'data_quality', problem: 'late' })
  return needs
}

export interface Publication {
  /** `YYYYQn` published. */
  period: string
  at: Date
  /** Who published (the history's `by`). */
  by: string
}

/**
 * Opens the needed items that do not exist yet, opens again (withdrawn → open) those the new
 * figures justify again, brings a red flag's villages up to date, and withdraws the unclosed
 * automatic items of the quarter that the figures no longer justify. `existing` are the items
 * opened in the quarter (inspections among them are left alone).
 */
export function reconcileOpened(pub: Publication, needs: readonly AutomaticNeed[], existing: readonly RectificationItem[]): RectificationItem[] {
  const at = pub.at.toISOString()
  const byId = new Map(existing.map((i) => [i.item_id, i]))
  const needed = new Set<string>()
  const changed: RectificationItem[] = []
  for (const need of needs) {
    const item_id = automaticItemId(need.county, pub.period, need.problem, need.indicator)
    if (needed.has(item_id)) continue
    needed.add(item_id)
    const old = byId.get(item_id)
    if (!old) {
      changed.push({
        item_id, county: need.county, source: need.source, problem: need.problem, opened_in: pub.period,
        ...(need.indicator ? { indicator: need.indicator } : {}),
        ...(need.villages ? { villages: need.villages } : {}),
        due: defaultDue(pub.period), status: 'open', recurring: false,
        history: [{ at, by: pub.by, action: 'opened' }],
      })
      continue
    }
    let next = old
    if (need.villages && !sameList(need.villages, old.villages ?? [])) next = { ...next, villages: need.villages }
    if (old.status === 'withdrawn') next = { ...next, status: 'open', history: [...next.history, { at, by: pub.by, action: 'reopened', reason: `the figures published for ${pub.period} again call for it` }] }
    if (next !== old) changed.push(next)
  }
  for (const old of existing) {
    if (old.source === 'inspection' || needed.has(old.item_id) || !isUnclosed(old)) continue
    changed.push({ ...old, status: 'withdrawn', history: [...old.history, { at, by: pub.by, action: 'withdrawn', reason: `the figures published for ${pub.period} no longer call for it` }] })
  }
  return changed
}

/** One village's four red-line values in the published quarter (look-back-villages.sql). */
export type RedLineValues = Readonly<Record<RedLineIndicator, number>>
/** Villages by code. */
export type VillageRedLines = ReadonlyMap<string, RedLineValues>

/** Rows of look-back-villages.sql, by village code. */
export function villageRedLines(rows: readonly Record<string, unknown>[]): VillageRedLines {
  return new Map(rows.map((r) => [String(r['village_code']), Object.fromEntries(RED_LINE_INDICATORS.map((k) => [k, Number(r[k] ?? 0)])) as Record<RedLineIndicator, number>]))
}

/**
 * The counties whose items a look-back judges (red flags not withdrawn): only their villages
 * need reading, not the whole quarter's.
 */
export function lookBackCounties(previous: readonly RectificationItem[]): string[] {
  return [...new Set(previous.filter((i) => i.source === 'red_flag' && i.status !== 'withdrawn').map((i) => i.county))].sort()
}

/**
 * The look-back (回头看) at the published quarter of the red_flag items opened in the quarter
 * before: an item closes when every village it named is reported with its indicator at 0,
 * and otherwise stays open marked `recurring`. Publishing again re-applies it: an item the
 * earlier look-back closed opens again (recurring) if the new figures fail, and a recurring one
 * closes if they now pass. An item that named no village never closes itself.
 */
export function lookBack(pub: Publication, previous: readonly RectificationItem[], villages: VillageRedLines): RectificationItem[] {
  const at = pub.at.toISOString()
  const changed: RectificationItem[] = []
  for (const item of previous) {
    if (item.source !== 'red_flag' || item.status === 'withdrawn') continue
    // A closed item is judged again only if this quarter's own look-back closed it.
    if (item.status === 'closed' && item.look_back?.period !== pub.period) continue
    const indicator = item.indicator as RedLineIndicator
    const named = item.villages ?? []
    const fixed = named.length > 0 && named.every((v) => villages.get(v)?.[indicator] === 0)
    const result = fixed ? 'closed' : 'recurring'
    if (item.look_back?.period === pub.period && item.look_back.result === result) continue
    const look_back = { period: pub.period, result } as const
    if (fixed) {
      changed.push({ ...item, status: 'closed', recurring: false, look_back, history: [...item.history, { at, by: pub.by, action: 'closed', reason: `look-back at ${pub.period}: every village named reports ${indicator} at 0` }] })
    } else {
      const reason = `look-back at ${pub.period}: ${named.filter((v) => villages.get(v)?.[indicator] !== 0).join(', ') || 'no village named'} not reported at 0`
      const reopened = item.status === 'closed'
      changed.push({
        ...item, status: reopened ? 'open' : item.status, recurring: true, look_back,
        history: [...item.history, { at, by: pub.by, action: reopened ? 'reopened' : 'recurring', reason }],
      })
    }
  }
  return changed
}

/** Each item replaced by its changed version, if any. */
export function applyChanges(items: readonly RectificationItem[], changed: readonly RectificationItem[]): RectificationItem[] {
  const byId = new Map(changed.map((i) => [i.item_id, i]))
  return items.map((i) => byId.get(i.item_id) ?? i)
}

/**
 * The items counted by quarter `lastDay`'s overdue penalty (rectification.md, "Overdue"): due
 * on or before the quarter's last day and not closed after the quarter's look-back.
 */
export function penaltyItems(items: readonly RectificationItem[], lastDay: number): RectificationItem[] {
  return items.filter((i) => isUnclosed(i) && (parseDueDay(i.due) ?? Infinity) <= lastDay)
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

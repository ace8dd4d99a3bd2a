import { createHash } from 'node:crypto'
import { dayNumber, formatPeriod, isoDate, parsePeriod, quarterLastDay, SHANGHAI_OFFSET_MS, type Quarter } from '../period.ts'

/**
 * Rectification items (整改事项, contract/rectification.md) and who may move them. Pure: the
 * time, the actor and (for inspections) the id's inputs come in as arguments.
 */

export const ITEM_STATUSES = ['open', 'responded', 'closed', 'withdrawn'] as const
export type ItemStatus = (typeof ITEM_STATUSES)[number]
export type ItemSource = 'red_flag' | 'data_quality' | 'inspection'
/** The problem of an automatic item; an inspection's is `inspection`. */
export type ItemProblem = 'red_flag' | 'no_data' | 'not_appraisable' | 'missing' | 'late' | 'inspection'
export type HistoryAction = 'opened' | 'responded' | 'closed' | 'reopened' | 'withdrawn' | 'recurring'

export interface HistoryEntry {
  /** ISO-8601 instant. */
  at: string
  /** The signed-in identity (`subject`), or the publisher for what a publication did. */
  by: string
  action: HistoryAction
  text?: string
  /** The evidence file's lake key (rectification/<county>/<item_id>/<file>). */
  file?: string
  reason?: string
}

export interface RectificationItem {
  item_id: string
  county: string
  source: ItemSource
  problem: ItemProblem
  /** `YYYYQn`. */
  opened_in: string
  indicator?: string
  villages?: string[]
  title?: string
  detail?: string
  /** `YYYY-MM-DD`, a day in Asia/Shanghai. */
  due: string
  status: ItemStatus
  /** A red_flag item the next quarter's look-back found still there. */
  recurring: boolean
  /** The look-back that last judged a red_flag item, so that publishing again re-applies it. */
  look_back?: { period: string; result: 'closed' | 'recurring' }
  history: HistoryEntry[]
}

/** The signed-in identity's claims (portal.md, "Who signs in"). */
export interface ActorClaims {
  subject: string
  county?: string
  city?: string
  province?: string
  admin: boolean
}

export type ItemAction =
  | { kind: 'respond'; text: string; file?: string }
  | { kind: 'close' }
  | { kind: 'reopen'; reason: string }

export type RefusalCode = 'not_allowed' | 'wrong_status' | 'text_required' | 'reason_required' | 'closes_by_look_back'
export type Refusal = { ok: false; code: RefusalCode; reason: string }
export type Outcome = { ok: true; item: RectificationItem } | Refusal

const refuse = (code: RefusalCode, reason: string): Refusal => ({ ok: false, code, reason })

/** The county's own clerk (only clerks respond: portal.md). */
export function isClerkOf(actor: ActorClaims, county: string): boolean {
  return actor.county === county
}

/** A city official of the county's city, or an admin of its province: they open and verify. */
export function isOfficialOf(actor: ActorClaims, county: string): boolean {
  if (actor.city !== undefined && /^\d{4}$/.test(actor.city) && county.slice(0, 4) === actor.city) return true
  return actor.admin && actor.province !== undefined && /^\d{2}$/.test(actor.province) && county.slice(0, 2) === actor.province
}

/** May the actor see the county's items (clerk of it, official over it)? */
export function canSee(actor: ActorClaims, county: string): boolean {
  return isClerkOf(actor, county) || isOfficialOf(actor, county)
}

/** One transition of an item by a signed-in person; a refusal says why. */
export function transition(item: RectificationItem, action: ItemAction, actor: ActorClaims, at: Date): Outcome {
  const when = at.toISOString()
  if (action.kind === 'respond') {
    if (!isClerkOf(actor, item.county)) return refuse('not_allowed', `only a clerk of county ${item.county} responds to its items`)
    if (item.status !== 'open' && item.status !== 'responded') return refuse('wrong_status', `item ${item.item_id} is ${item.status}: there is nothing to respond to`)
    if (!action.text.trim()) return refuse('text_required', 'a response needs its text')
    const entry: HistoryEntry = { at: when, by: actor.subject, action: 'responded', text: action.text, ...(action.file ? { file: action.file } : {}) }
    return { ok: true, item: { ...item, status: 'responded', history: [...item.history, entry] } }
  }
  if (!isOfficialOf(actor, item.county)) return refuse('not_allowed', `only an official of city ${item.county.slice(0, 4)} or an admin of province ${item.county.slice(0, 2)} verifies its items`)
  if (action.kind === 'close') {
    // rectification.md: red_flag items close themselves by looking back at the next quarter.
    if (item.source === 'red_flag') return refuse('closes_by_look_back', `item ${item.item_id} is a red flag: it closes when the next quarter's figures show its villages at 0`)
    if (item.status !== 'responded') return refuse('wrong_status', `item ${item.item_id} is ${item.status}: only a responded item can be closed`)
    return { ok: true, item: { ...item, status: 'closed', history: [...item.history, { at: when, by: actor.subject, action: 'closed' }] } }
  }
  if (!action.reason.trim()) return refuse('reason_required', 'reopening needs the reason')
  if (item.status !== 'responded' && item.status !== 'closed') return refuse('wrong_status', `item ${item.item_id} is ${item.status}: only a responded or closed item can be reopened`)
  return { ok: true, item: { ...item, status: 'open', history: [...item.history, { at: when, by: actor.subject, action: 'reopened', reason: action.reason }] } }
}

/** The quarter of an instant, in Asia/Shanghai. */
export function quarterOf(at: Date): Quarter {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS)
  return { year: local.getUTCFullYear(), quarter: (Math.floor(local.getUTCMonth() / 3) + 1) as Quarter['quarter'] }
}

/** The default due day: the last day of the quarter after `opened_in` (rectification.md). */
export function defaultDue(openedIn: string): string {
  const q = parsePeriod(openedIn)
  if (!q) throw new Error(`Not a quarter: ${openedIn}`)
  const next: Quarter = q.quarter === 4 ? { year: q.year + 1, quarter: 1 } : { year: q.year, quarter: (q.quarter + 1) as Quarter['quarter'] }
  return isoDate(quarterLastDay(next))
}

/** A `YYYY-MM-DD` that is a real calendar day, else undefined. */
export function parseDueDay(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!m) return undefined
  const day = dayNumber(Number(m[1]), Number(m[2]), Number(m[3]))
  return isoDate(day) === text ? day : undefined
}

/** Not closed (or withdrawn): what `rectification.open` counts (interfaces.md). */
export function isUnclosed(item: RectificationItem): boolean {
  return item.status === 'open' || item.status === 'responded'
}

/** Overdue from 00:00 Asia/Shanghai of the day after `due`, while not closed. */
export function isOverdue(item: RectificationItem, now: Date): boolean {
  const due = parseDueDay(item.due)
  if (due === undefined || !isUnclosed(item)) return false
  return now.getTime() >= (due + 1) * 86_400_000 - SHANGHAI_OFFSET_MS
}

/** A county's counts for `va appraisal --json` (interfaces.md): not closed, and overdue at `now`. */
export function rectificationCounts(items: readonly RectificationItem[], now: Date): { open: number; overdue: number } {
  return { open: items.filter(isUnclosed).length, overdue: items.filter((i) => isOverdue(i, now)).length }
}

/** The identity of an automatic item (rectification.md): hashed into its id, prefixed by the county. */
export function automaticItemId(county: string, openedIn: string, problem: ItemProblem, indicator?: string): string {
  return `${county}-${shortHash(['auto', county, openedIn, problem, indicator ?? ''])}`
}

/** The county an item id begins with (`<county6>-…`). */
export function countyOf(itemId: string): string | undefined {
  return /^(\d{6})-/.exec(itemId)?.[1]
}

export interface InspectionInput {
  county: string
  title: string
  detail?: string
  /** `YYYY-MM-DD`; default: the last day of the next quarter. */
  due?: string
}

/** An official opens an inspection item; the id hashes who, when and what. */
export function openInspection(input: InspectionInput, actor: ActorClaims, at: Date): Outcome {
  if (!isOfficialOf(actor, input.county)) return refuse('not_allowed', `only an official of city ${input.county.slice(0, 4)} or an admin of province ${input.county.slice(0, 2)} opens items for county ${input.county}`)
  if (!input.title.trim()) return refuse('text_required', 'an inspection item needs its title')
  if (input.due !== undefined && parseDueDay(input.due) === undefined) return refuse('text_required', `--due ${input.due} is not a YYYY-MM-DD day`)
  const opened_in = formatPeriod(quarterOf(at))
  const when = at.toISOString()
  const item: RectificationItem = {
    item_id: `${input.county}-${shortHash(['inspection', input.county, actor.subject, when, input.title])}`,
    county: input.county,
    source: 'inspection',
    problem: 'inspection',
    opened_in,
    title: input.title,
    ...(input.detail ? { detail: input.detail } : {}),
    due: input.due ?? defaultDue(opened_in),
    status: 'open',
    recurring: false,
    history: [{ at: when, by: actor.subject, action: 'opened', ...(input.detail ? { text: input.detail } : {}) }],
  }
  return { ok: true, item }
}

function shortHash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 12)
}

import type { Appraisal } from '../core/appraisal/score.ts'
import { formatPeriod, parsePeriod, previousQuarter, quarterLastDay, type Quarter } from '../core/period.ts'
import { applyChanges, automaticNeeds, lookBack, lookBackCounties, penaltyItems, reconcileOpened, villageRedLines, type Publication, type RedLineValues, type VillageRedLines } from '../core/rectification/publication.ts'
import type { RectificationItem } from '../core/rectification/rectification-item.ts'
import { PipelineError } from '../core/errors.ts'
import type { QueryEngine, RectificationStore, StoredRectificationItem, SubmissionLedger } from './ports.ts'

export interface RectificationDeps {
  engine: QueryEngine
  rectifications: RectificationStore
}

export interface RectificationOnPublish {
  /** Items the publication opened (new, or withdrawn before and called for again). */
  opened: RectificationItem[]
  /** Unclosed items of the quarter the new figures no longer call for. */
  withdrawn: RectificationItem[]
  /** The previous quarter's red flags the look-back closed, and those it found recurring. */
  closed: RectificationItem[]
  recurring: RectificationItem[]
}

/** Writes that met another writer's newer version are planned again from a fresh read, this often. */
const ATTEMPTS = 5

/**
 * What publishing quarter Q does to rectification items (rectification.md): the look-back at
 * Q of the red flags opened in the quarter before, then the automatic items of Q. Every step
 * is planned from what is stored and writes only what changes, so a publication that failed
 * half-way, or a publication again after an unlock, converges on the same items and never
 * opens one twice.
 */
export async function rectifyOnPublish(deps: RectificationDeps, input: { appraisal: Appraisal; late: readonly string[]; at: Date; by: string }): Promise<RectificationOnPublish> {
  const q = parsePeriod(input.appraisal.period)
  if (!q) throw new PipelineError(`Not a quarter: ${input.appraisal.period}`)
  const pub: Publication = { period: input.appraisal.period, at: input.at, by: input.by }
  const villagesOf = villagesOnDemand(deps.engine, q)
  const looked = await writeConverging(deps.rectifications, formatPeriod(previousQuarter(q)), async (items) => lookBack(pub, items, await villagesOf(items)))
  const needs = automaticNeeds(input.appraisal, input.late)
  const reconciled = await writeConverging(deps.rectifications, pub.period, (items) => reconcileOpened(pub, needs, items))
  const when = input.at.toISOString()
  return {
    opened: reconciled.filter((i) => i.status === 'open' && i.history.at(-1)?.at === when && ['opened', 'reopened'].includes(i.history.at(-1)!.action)),
    withdrawn: reconciled.filter((i) => i.status === 'withdrawn'),
    closed: looked.filter((i) => i.status === 'closed'),
    recurring: looked.filter((i) => i.status !== 'closed'),
  }
}

/**
 * The counties whose current village report for the quarter carries late_submission
 * (rectification.md, problem `late`): the same verdict the county was given, at the deadline
 * its validation used. Two reads per county, 16 counties at a time.
 */
export async function lateCounties(ledger: Pick<SubmissionLedger, 'current' | 'get'>, period: string, counties: readonly string[]): Promise<string[]> {
  const late: string[] = []
  for (let i = 0; i < counties.length; i += 16) {
    const batch = counties.slice(i, i + 16)
    const flags = await Promise.all(batch.map(async (county) => {
      const pointer = await ledger.current(county, period, 'village_report')
      const sub = pointer && (await ledger.get(county, period, pointer.submission_id))
      return (sub?.counts['late_submission'] ?? 0) > 0
    }))
    batch.forEach((county, j) => flags[j] && late.push(county))
  }
  return late.sort()
}

/**
 * Each county's overdue items for quarter Q's penalty (rectification.md, "Overdue"): due on or
 * before Q's last day and still open after Q's look-back, which is applied here as publishing
 * would apply it (without writing), so an unpublished run scores as its publication will.
 * Counties with none are left out.
 */
export async function overdueItemCounts(deps: RectificationDeps, q: Quarter, counties: readonly string[], pub: Publication): Promise<Map<string, number>> {
  const previous = (await deps.rectifications.byQuarter(formatPeriod(previousQuarter(q)))).map(withoutVersion)
  const looked = lookBack(pub, previous, await villagesOnDemand(deps.engine, q)(previous))
  const counts = new Map<string, number>()
  for (let i = 0; i < counties.length; i += 16) {
    const batch = counties.slice(i, i + 16)
    const items = await Promise.all(batch.map((county) => deps.rectifications.byCounty(county)))
    batch.forEach((county, j) => {
      const n = penaltyItems(applyChanges((items[j] ?? []).map(withoutVersion), looked), quarterLastDay(q)).length
      if (n > 0) counts.set(county, n)
    })
  }
  return counts
}

/**
 * Counties in one query: the list travels as one parameter (`,520626,520627,`), and Athena
 * takes at most 1,024 characters in one; 128 counties make 897.
 */
const COUNTIES_PER_QUERY = 128

/**
 * The published quarter's villages of these counties with their red-line values
 * (look-back-villages.sql); none read when no county is given. A national quarter holds
 * half a million villages: read whole, they took seconds locally and would page through
 * Athena's results 1,000 rows at a time.
 */
export async function lookBackVillages(engine: QueryEngine, q: Quarter, counties: readonly string[]): Promise<VillageRedLines> {
  const villages = new Map<string, RedLineValues>()
  for (let i = 0; i < counties.length; i += COUNTIES_PER_QUERY) {
    const list = `,${counties.slice(i, i + COUNTIES_PER_QUERY).join(',')},`
    for (const [code, values] of villageRedLines(await engine.named('look-back-villages', [q.year, q.quarter, list]))) villages.set(code, values)
  }
  return villages
}

/**
 * The villages a look-back at Q needs for the items given, read once per county: a plan made
 * again after a conflict reads only the counties it had not seen.
 */
function villagesOnDemand(engine: QueryEngine, q: Quarter): (items: readonly RectificationItem[]) => Promise<VillageRedLines> {
  const read = new Set<string>()
  const villages = new Map<string, RedLineValues>()
  return async (items) => {
    const missing = lookBackCounties(items).filter((c) => !read.has(c))
    if (missing.length > 0) {
      for (const [code, values] of await lookBackVillages(engine, q, missing)) villages.set(code, values)
      for (const c of missing) read.add(c)
    }
    return villages
  }
}

/** Plans from the quarter's stored items and writes each change at the version read; on a conflict, reads and plans again. */
async function writeConverging(store: RectificationStore, period: string, plan: (items: RectificationItem[]) => RectificationItem[] | Promise<RectificationItem[]>): Promise<RectificationItem[]> {
  for (let attempt = 1; ; attempt++) {
    const stored = await store.byQuarter(period)
    const versions = new Map(stored.map((i) => [i.item_id, i.version]))
    const changes = await plan(stored.map(withoutVersion))
    let conflict = false
    for (const item of changes) {
      if ((await store.put(item, versions.get(item.item_id))) === 'conflict') conflict = true
    }
    if (!conflict) return changes
    if (attempt >= ATTEMPTS) throw new PipelineError(`Rectification items of ${period} kept changing under the publication (${ATTEMPTS} attempts)`)
  }
}

function withoutVersion({ version: _version, ...item }: StoredRectificationItem): RectificationItem {
  return item
}

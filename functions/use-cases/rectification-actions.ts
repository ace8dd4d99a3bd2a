import { evidenceKey } from '../core/rectification/evidence.ts'
import {
  isOverdue, openInspection, transition,
  type ActorClaims, type InspectionInput, type ItemAction, type ItemStatus, type Outcome, type RectificationItem,
} from '../core/rectification/rectification-item.ts'
import type { ObjectStore, Presigner, PresignedPost, RectificationStore, StoredRectificationItem } from './ports.ts'

/**
 * Rectification items (contract/rectification.md) listed, opened, responded to and verified:
 * the one orchestration behind `va rectification` and the portal's API. The rules are the core's
 * (`transition`, `openInspection`); this reads, writes at the version read and retries when
 * another writer came in between.
 */

export interface RectificationDeps {
  items: RectificationStore
  store: ObjectStore
  lakeBucket: string
}

/** Whose items: one county, or a region (a province's 2 or a city's 4 digits). */
export type ItemScope = { county: string } | { region: string }

export interface ItemFilter {
  status?: ItemStatus
  /** Only the items opened in this quarter (`YYYYQn`): read by quarter, not by place. */
  period?: string
}

/** An item as listed: without its storage version, with whether it is overdue at `now`. */
export type ListedItem = RectificationItem & { overdue: boolean }

export type NotFound = { ok: false; code: 'not_found'; reason: string }

const notFound = (id: string): NotFound => ({ ok: false, code: 'not_found', reason: `no item ${id}` })

export function listed({ version: _v, ...item }: StoredRectificationItem, now: Date): ListedItem {
  return { ...item, overdue: isOverdue(item, now) }
}

/** The items of a scope, filtered; each read is a Query (by county, by region, or by quarter). */
export async function listItems(items: RectificationStore, scope: ItemScope, filter: ItemFilter, now: Date): Promise<ListedItem[]> {
  const prefix = 'county' in scope ? scope.county : scope.region
  const found = filter.period !== undefined && !('county' in scope)
    ? (await items.byQuarter(filter.period)).filter((i) => i.county.startsWith(prefix))
    : 'county' in scope ? await items.byCounty(scope.county) : await items.byRegion(scope.region)
  return found
    .filter((i) => (filter.status === undefined || i.status === filter.status) && (filter.period === undefined || i.opened_in === filter.period))
    .map((i) => listed(i, now))
}

/** One item, or not found. */
export async function getItem(items: RectificationStore, id: string, now: Date): Promise<ListedItem | undefined> {
  const found = await items.get(id)
  return found ? listed(found, now) : undefined
}

/** An official opens an inspection item (the core decides who may). */
export async function openItem(items: RectificationStore, input: InspectionInput, actor: ActorClaims, at: Date): Promise<Outcome> {
  const outcome = openInspection(input, actor, at)
  if (!outcome.ok) return outcome
  // The id hashes who, when and what: a second item of that id is a bug, not a caller's mistake.
  if ((await items.put(outcome.item)) === 'conflict') throw new Error(`item ${outcome.item.item_id} exists already`)
  return outcome
}

/**
 * One transition (respond, close, reopen), written at the version read; another writer in
 * between means reading again. `actorFor` names who acts on the item's county (the CLI's
 * default role depends on it; the API's is the signed-in identity whatever the county).
 */
export async function actOnItem(items: RectificationStore, id: string, action: ItemAction, actorFor: (county: string) => ActorClaims, at: Date): Promise<Outcome | NotFound> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await items.get(id)
    if (!found) return notFound(id)
    const { version, ...item } = found
    const outcome = transition(item, action, actorFor(item.county), at)
    if (!outcome.ok) return outcome
    if ((await items.put(outcome.item, version)) === 'conflict') continue
    return outcome
  }
  throw new Error(`item ${id} kept changing while it was written; try again`)
}

/**
 * A response with an evidence file given as bytes (the CLI): the file first, so that a response
 * never names a file that is not there.
 */
export async function respondWithFile(
  deps: RectificationDeps, id: string, text: string, evidence: { name: string; bytes: Uint8Array; contentType: string } | undefined,
  actorFor: (county: string) => ActorClaims, at: Date,
): Promise<Outcome | NotFound> {
  const found = await deps.items.get(id)
  if (!found) return notFound(id)
  const file = evidence ? evidenceKey(found.county, id, evidence.name) : undefined
  if (evidence && file) await deps.store.put(deps.lakeBucket, file, evidence.bytes, { contentType: evidence.contentType })
  return actOnItem(deps.items, id, { kind: 'respond', text, ...(file ? { file } : {}) }, actorFor, at)
}

export interface EvidenceSlotRequest {
  fileName: string
  contentType: string
  maxBytes: number
  expiresInSeconds: number
}

/**
 * Where a clerk's browser posts an evidence file (interfaces.md: never through the API): a
 * presigned POST to `rectification/<county>/<item_id>/<file>`, for an item the actor may respond
 * to now. The response then names the key (`respondWithKey`).
 */
export async function evidenceSlot(
  deps: RectificationDeps & { presigner: Presigner }, id: string, request: EvidenceSlotRequest, actor: ActorClaims, at: Date,
): Promise<{ ok: true; key: string; post: PresignedPost } | Extract<Outcome, { ok: false }> | NotFound> {
  const found = await deps.items.get(id)
  if (!found) return notFound(id)
  const { version: _v, ...item } = found
  // The same rule as the response itself, asked before any byte moves.
  const allowed = transition(item, { kind: 'respond', text: 'evidence' }, actor, at)
  if (!allowed.ok) return allowed
  const key = evidenceKey(item.county, id, request.fileName)
  const post = await deps.presigner.post(deps.lakeBucket, key, {
    contentLength: [1, request.maxBytes], contentType: request.contentType, expiresInSeconds: request.expiresInSeconds, now: at,
  })
  return { ok: true, key, post }
}

/** Why a named evidence key cannot go into a response: not this item's prefix, or not uploaded. */
export type EvidenceProblem = { ok: false; code: 'evidence_not_here' | 'evidence_missing'; reason: string }

/** A response naming an evidence file the browser has uploaded by its slot. */
export async function respondWithKey(
  deps: RectificationDeps, id: string, text: string, fileKey: string | undefined, actor: ActorClaims, at: Date,
): Promise<Outcome | NotFound | EvidenceProblem> {
  if (fileKey !== undefined) {
    const county = id.slice(0, 6)
    if (!fileKey.startsWith(`rectification/${county}/${id}/`) || fileKey.split('/').length !== 4) {
      return { ok: false, code: 'evidence_not_here', reason: `the evidence of item ${id} lives under rectification/${county}/${id}/` }
    }
    if (!(await deps.store.exists(deps.lakeBucket, fileKey))) return { ok: false, code: 'evidence_missing', reason: `no evidence file at ${fileKey}: upload it by its slot first` }
  }
  return actOnItem(deps.items, id, { kind: 'respond', text, ...(fileKey ? { file: fileKey } : {}) }, () => actor, at)
}

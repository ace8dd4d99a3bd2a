import { readFile, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { EVIDENCE_CONTENT_TYPES, EVIDENCE_MAX_BYTES, evidenceKey, evidenceKind } from '../../core/rectification/evidence.ts'
import {
  ITEM_STATUSES, isOverdue, openInspection, transition,
  type ActorClaims, type ItemAction, type ItemStatus, type Outcome, type RectificationItem,
} from '../../core/rectification/rectification-item.ts'
import type { RectificationStore, StoredRectificationItem } from '../../use-cases/ports.ts'
import { UsageError, displayOf, parseFlags, requireCounty, type CommandRunner, type CommandIo } from '../args.ts'
import { table } from '../format.ts'
import { openTarget, type TargetSession } from '../targets.ts'

/**
 * Who the command line acts as. `VA_ROLE` names a role for trying the portal's rules locally
 * (`clerk:<county6>`, `city:<city4>`, `province:<2 digits>` = that province's admin); without
 * it the operator is a province admin of whichever province the county lies in, named by
 * $USER: the person with the state on their disk.
 */
export function cliActor(env: Record<string, string | undefined>, county: string): ActorClaims {
  const subject = env['USER'] || 'local'
  const role = env['VA_ROLE']?.trim()
  if (!role) return { subject, province: county.slice(0, 2), admin: true }
  const m = /^(clerk|city|province):(\d+)$/.exec(role)
  if (m?.[1] === 'clerk' && m[2]!.length === 6) return { subject, county: m[2]!, admin: false }
  if (m?.[1] === 'city' && m[2]!.length === 4) return { subject, city: m[2]!, admin: false }
  if (m?.[1] === 'province' && m[2]!.length === 2) return { subject, province: m[2]!, admin: true }
  throw new UsageError(`VA_ROLE is clerk:<6 digits>, city:<4 digits> or province:<2 digits>, not "${role}"`)
}


export const rectificationCommand: CommandRunner = {
  async run(argv, io) {
    const [sub, ...rest] = argv
    cliActor(io.env, '000000') // a VA_ROLE that does not parse is a usage error before anything is read
    if (sub === 'list') return list(rest, io)
    if (sub === 'open') return open(rest, io)
    if (sub === 'respond') return respond(rest, io)
    if (sub === 'verify') return verify(rest, io)
    throw new UsageError(sub ? `unknown subcommand "${sub}": list, open, respond or verify` : 'name a subcommand: list, open, respond or verify')
  },
}

async function withItems<T>(io: CommandIo, target: unknown, work: (store: RectificationStore, session: TargetSession, lake: { put: (key: string, body: Uint8Array, contentType: string) => Promise<unknown> }) => Promise<T>): Promise<T> {
  const session = await openTarget(target, io, { requireState: true })
  try {
    const deps = await session.appraisal()
    await deps.engine.close?.()
    if (!deps.rectifications) throw new Error('this target has no rectification store')
    return await work(deps.rectifications, session, { put: (key, body, contentType) => deps.store.put(deps.lakeBucket, key, body, { contentType }) })
  } finally {
    await session.close()
  }
}

async function list(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseFlags(argv, { county: { type: 'string' }, city: { type: 'string' }, province: { type: 'string' }, status: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
  const scopes = [values.county, values.city, values.province].filter((v) => v !== undefined)
  if (scopes.length !== 1) throw new UsageError('name one of --county <6 digits>, --city <4 digits> or --province <2 digits>')
  if (values.county !== undefined) requireCounty(values.county)
  if (values.city !== undefined && !/^\d{4}$/.test(values.city)) throw new UsageError('--city needs the 4-digit city code')
  if (values.province !== undefined && !/^\d{2}$/.test(values.province)) throw new UsageError('--province needs the 2-digit province code')
  if (values.status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(values.status)) throw new UsageError(`--status is one of ${ITEM_STATUSES.join(', ')}`)
  return withItems(io, values.target, async (store) => {
    const items = (values.county ? await store.byCounty(values.county) : await store.byRegion((values.city ?? values.province)!))
      .filter((i) => values.status === undefined || i.status === (values.status as ItemStatus))
    const now = new Date()
    if (values.json) io.out(JSON.stringify({ items: items.map((i) => ({ ...withoutVersion(i), overdue: isOverdue(i, now) })) }, null, 2))
    else if (items.length === 0) io.out('no rectification items')
    else io.out(table(['item', 'county', 'opened', 'problem', 'what', 'due', 'status'], items.map((i) => [
      i.item_id, i.county, i.opened_in, i.problem, describe(i), `${i.due}${isOverdue(i, now) ? ' overdue' : ''}`, `${i.status}${i.recurring ? ' recurring' : ''}`,
    ]), displayOf(io).columns))
    return 0
  })
}

async function open(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseFlags(argv, { county: { type: 'string' }, title: { type: 'string' }, detail: { type: 'string' }, due: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
  const county = requireCounty(values.county)
  if (!values.title?.trim()) throw new UsageError('--title is required: what was found')
  if (values.due !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.due)) throw new UsageError('--due is a day, YYYY-MM-DD (Asia/Shanghai)')
  const outcome = openInspection({ county, title: values.title, ...(values.detail ? { detail: values.detail } : {}), ...(values.due ? { due: values.due } : {}) }, cliActor(io.env, county), new Date())
  if (!outcome.ok) return refused(io, outcome)
  return withItems(io, values.target, async (store) => {
    if ((await store.put(outcome.item)) === 'conflict') throw new Error(`item ${outcome.item.item_id} exists already`)
    io.out(values.json ? JSON.stringify(outcome.item, null, 2) : `opened ${outcome.item.item_id} for ${county}, due ${outcome.item.due}`)
    return 0
  })
}

async function respond(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { text: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
  const id = requireItemId(positionals[0])
  if (!values.text?.trim()) throw new UsageError('--text is required: the county\'s answer')
  let evidence: { name: string; bytes: Uint8Array; contentType: string } | undefined
  if (values.file !== undefined) {
    const path = resolve(io.cwd, values.file)
    const size = (await stat(path).catch(() => undefined))?.size
    if (size === undefined) throw new UsageError(`no file at ${path}`)
    if (size > EVIDENCE_MAX_BYTES) {
      io.err(`va rectification respond: ${values.file} is ${size} bytes; evidence files are at most 20 MB`)
      return 1
    }
    const bytes = new Uint8Array(await readFile(path))
    const kind = evidenceKind(bytes)
    if (!kind) {
      io.err(`va rectification respond: ${values.file} is not a PDF, an image (PNG, JPEG, GIF, WebP) or an XLSX workbook`)
      return 1
    }
    evidence = { name: basename(path), bytes, contentType: EVIDENCE_CONTENT_TYPES[kind] }
  }
  return withItems(io, values.target, async (store, _session, lake) => {
    const found = await store.get(id)
    if (!found) return notFound(io, id)
    const file = evidence ? evidenceKey(found.county, id, evidence.name) : undefined
    // The evidence first: a response never names a file that is not there.
    if (evidence && file) await lake.put(file, evidence.bytes, evidence.contentType)
    return act(io, store, id, { kind: 'respond', text: values.text!, ...(file ? { file } : {}) }, values.json === true)
  })
}

async function verify(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { close: { type: 'boolean' }, reopen: { type: 'boolean' }, reason: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
  const id = requireItemId(positionals[0])
  if (Boolean(values.close) === Boolean(values.reopen)) throw new UsageError('give --close or --reopen --reason "…"')
  if (values.reopen && !values.reason?.trim()) throw new UsageError('--reopen needs --reason "…"')
  const action: ItemAction = values.close ? { kind: 'close' } : { kind: 'reopen', reason: values.reason! }
  return withItems(io, values.target, (store) => act(io, store, id, action, values.json === true))
}

/** One transition, written at the version read; another writer in between means reading again. */
async function act(io: CommandIo, store: RectificationStore, id: string, action: ItemAction, json: boolean): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await store.get(id)
    if (!found) return notFound(io, id)
    const { version, ...item } = found
    const outcome = transition(item, action, cliActor(io.env, item.county), new Date())
    if (!outcome.ok) return refused(io, outcome)
    if ((await store.put(outcome.item, version)) === 'conflict') continue
    io.out(json ? JSON.stringify(outcome.item, null, 2) : `${id}: ${outcome.item.status}`)
    return 0
  }
  throw new Error(`item ${id} kept changing while it was written; try again`)
}

function refused(io: CommandIo, outcome: Extract<Outcome, { ok: false }>): number {
  io.err(`va rectification: refused (${outcome.code}): ${outcome.reason}`)
  return 1
}

function notFound(io: CommandIo, id: string): number {
  io.err(`va rectification: no item ${id}`)
  return 1
}

function requireItemId(value: string | undefined): string {
  if (!value || !/^\d{6}-[0-9a-f]{12}$/.test(value)) throw new UsageError('name the item: <county6>-<12 hex digits>, as va rectification list shows it')
  return value
}

function describe(i: RectificationItem): string {
  if (i.source === 'inspection') return i.title ?? ''
  return [i.indicator, i.villages?.join(' ')].filter(Boolean).join(': ')
}

function withoutVersion({ version: _v, ...item }: StoredRectificationItem): RectificationItem {
  return item
}

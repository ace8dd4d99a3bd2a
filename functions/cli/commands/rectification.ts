import { readFile, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { EVIDENCE_CONTENT_TYPES, EVIDENCE_MAX_BYTES, evidenceKind } from '../../core/rectification/evidence.ts'
import {
  ITEM_STATUSES, openInspection,
  type ActorClaims, type ItemAction, type ItemStatus, type Outcome, type RectificationItem,
} from '../../core/rectification/rectification-item.ts'
import { actOnItem, listItems, openItem, respondWithFile, type NotFound, type RectificationDeps } from '../../use-cases/rectification-actions.ts'
import { UsageError, displayOf, parseFlags, requireCounty, type CommandRunner, type CommandIo } from '../args.ts'
import { table } from '../format.ts'
import { openTarget } from '../targets.ts'

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

async function withItems<T>(io: CommandIo, target: unknown, work: (deps: RectificationDeps) => Promise<T>): Promise<T> {
  const session = await openTarget(target, io, { requireState: true })
  try {
    const deps = await session.appraisal()
    await deps.engine.close?.()
    if (!deps.rectifications) throw new Error('this target has no rectification store')
    return await work({ items: deps.rectifications, store: deps.store, lakeBucket: deps.lakeBucket })
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
  return withItems(io, values.target, async (deps) => {
    const scope = values.county ? { county: values.county } : { region: (values.city ?? values.province)! }
    const items = await listItems(deps.items, scope, values.status === undefined ? {} : { status: values.status as ItemStatus }, new Date())
    if (values.json) io.out(JSON.stringify({ items }, null, 2))
    else if (items.length === 0) io.out('no rectification items')
    else io.out(table(['item', 'county', 'opened', 'problem', 'what', 'due', 'status'], items.map((i) => [
      i.item_id, i.county, i.opened_in, i.problem, describe(i), `${i.due}${i.overdue ? ' overdue' : ''}`, `${i.status}${i.recurring ? ' recurring' : ''}`,
    ]), displayOf(io).columns))
    return 0
  })
}

async function open(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseFlags(argv, { county: { type: 'string' }, title: { type: 'string' }, detail: { type: 'string' }, due: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
  const county = requireCounty(values.county)
  if (!values.title?.trim()) throw new UsageError('--title is required: what was found')
  if (values.due !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.due)) throw new UsageError('--due is a day, YYYY-MM-DD (Asia/Shanghai)')
  const input = { county, title: values.title, ...(values.detail ? { detail: values.detail } : {}), ...(values.due ? { due: values.due } : {}) }
  const actor = cliActor(io.env, county)
  const at = new Date()
  // Refused before the state is opened, as before: the rule needs no stored item.
  const precheck = openInspection(input, actor, at)
  if (!precheck.ok) return refused(io, precheck)
  return withItems(io, values.target, async (deps) => {
    const outcome = await openItem(deps.items, input, actor, at)
    if (!outcome.ok) return refused(io, outcome)
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
  return withItems(io, values.target, async (deps) =>
    report(io, id, await respondWithFile(deps, id, values.text!, evidence, (county) => cliActor(io.env, county), new Date()), values.json === true))
}

async function verify(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { close: { type: 'boolean' }, reopen: { type: 'boolean' }, reason: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
  const id = requireItemId(positionals[0])
  if (Boolean(values.close) === Boolean(values.reopen)) throw new UsageError('give --close or --reopen --reason "…"')
  if (values.reopen && !values.reason?.trim()) throw new UsageError('--reopen needs --reason "…"')
  const action: ItemAction = values.close ? { kind: 'close' } : { kind: 'reopen', reason: values.reason! }
  return withItems(io, values.target, async (deps) =>
    report(io, id, await actOnItem(deps.items, id, action, (county) => cliActor(io.env, county), new Date()), values.json === true))
}

function report(io: CommandIo, id: string, outcome: Outcome | NotFound, json: boolean): number {
  if (!outcome.ok) {
    if (outcome.code === 'not_found') {
      io.err(`va rectification: no item ${id}`)
      return 1
    }
    return refused(io, outcome)
  }
  io.out(json ? JSON.stringify(outcome.item, null, 2) : `${id}: ${outcome.item.status}`)
  return 0
}

function refused(io: CommandIo, outcome: Extract<Outcome, { ok: false }>): number {
  io.err(`va rectification: refused (${outcome.code}): ${outcome.reason}`)
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

import * as z from 'zod/mini'
import '../../schemas/zod-english.ts'
import { DATASETS, type DatasetName } from '../../schemas/findings.ts'
import { apiErrors, ApiError } from '../core/portal/api-error.ts'
import { candidatePeriods, quarterHasBegun } from '../core/portal/open-periods.ts'
import { matchRoute, type RouteName } from '../core/portal/routes.ts'
import {
  cityOverlapsScope, countyInScope, identityFromClaims, mayAdminister, mayUpload, recordedName, rectificationActor, regionInScope, scopePrefix, type Identity,
} from '../core/portal/scope.ts'
import { EVIDENCE_CONTENT_TYPES, EVIDENCE_MAX_BYTES } from '../core/rectification/evidence.ts'
import { ITEM_STATUSES, isOverdue, type ItemAction, type Outcome } from '../core/rectification/rectification-item.ts'
import { parseUploadKey } from '../core/object-keys.ts'
import { parsePeriod } from '../core/period.ts'
import type { AppraisalStore, ObjectStore, PeriodLock, Presigner, RectificationStore, SubmissionLedger, TableReader } from './ports.ts'
import type { MissingCounty } from '../core/appraisal/score.ts'
import { appraisalDocument, countyHistory, readAppraisal, regionRollup } from './read-appraisal.ts'
import { actOnItem, evidenceSlot, getItem, listItems, openItem, respondWithKey, type EvidenceProblem, type ItemScope, type NotFound } from './rectification-actions.ts'
import { submissionStatus } from './submission-status.ts'
import { SCOPE_METADATA } from '../core/upload-place.ts'

/**
 * The portal's HTTP API (contract/portal.md) over the same ports as every other use case. The
 * Lambda handler behind API Gateway and the local server call `handlePortalRequest` with the
 * verified token's claims; every permission is decided here from those claims alone.
 */

/** What running the aggregate function for the portal gave: awaited locally, started on AWS. */
export type AppraisalRunOutcome =
  | { status: 'started' }
  | { status: 'done'; counties: number; run_id: string; missing_counties: MissingCounty[]; published: boolean }

export interface PortalDeps {
  ledger: SubmissionLedger
  appraisals: AppraisalStore
  rectifications: RectificationStore
  store: ObjectStore
  readTable: TableReader
  presigner: Presigner
  buckets: { ingest: string; lake: string }
  /** The largest upload a slot is signed for (file_too_large beyond it). */
  maxUploadBytes: number
  /** Runs the aggregate function with an operator's event (the lock records `source`). */
  aggregate(event: { period: string; publish: boolean; source: string }): Promise<AppraisalRunOutcome>
}

export interface PortalRequest {
  method: string
  path: string
  query: Record<string, string | undefined>
  /** The request body, parsed from JSON (undefined without one). */
  body: unknown
  /** The verified token's claims (API Gateway's JWT authorizer, or the local server). */
  claims: Record<string, unknown> | undefined
  now: Date
}

export type PortalResponse =
  | { status: 200 | 202; json: unknown }
  | { status: 200; bytes: Uint8Array; contentType: string; fileName: string }

/** Upload slots and downloads are short-lived (portal.md). */
export const UPLOAD_SLOT_SECONDS = 15 * 60
export const DOWNLOAD_SECONDS = 5 * 60

const msg = (zh: string, en: string) => ({ zh, en })

const UploadSlotSchema = z.object({
  kind: z.enum(['upload', 'registry', 'targets']),
  county: z.optional(z.string().check(z.regex(/^\d{6}$/))),
  period: z.optional(z.pipe(z.pipe(z.string(), z.transform((p: string) => p.toUpperCase())), z.string().check(z.regex(/^\d{4}Q[1-4]$/)))),
  file_name: z.string().check(z.minLength(1), z.maxLength(200)),
  size: z.number().check(z.int(), z.positive()),
})

const UnlockSchema = z.object({ reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(1000)) })

const DAY = /^\d{4}-\d{2}-\d{2}$/
// Unknown keys (a typed `by`, say) are dropped: who acts comes from the claims alone.
const OpenItemSchema = z.object({ county: z.string().check(z.regex(/^\d{6}$/)), title: z.string().check(z.maxLength(500)), detail: z.optional(z.string().check(z.maxLength(5000))), due: z.optional(z.string().check(z.regex(DAY))) })
const EvidenceSlotSchema = z.object({ file_name: z.string().check(z.minLength(1), z.maxLength(200)), size: z.number().check(z.int(), z.positive()), content_type: z.enum(Object.values(EVIDENCE_CONTENT_TYPES) as [string, ...string[]]) })
const RespondSchema = z.object({ text: z.string().check(z.maxLength(5000)), file: z.optional(z.string().check(z.maxLength(600))) })
const VerifySchema = z.object({ action: z.enum(['close', 'reopen']), reason: z.optional(z.string().check(z.maxLength(2000))) })

/** How a refusal of the rectification rules answers: its status and the Chinese beside the core's reason. */
const ITEM_REFUSALS: Record<Exclude<Outcome, { ok: true }>['code'] | EvidenceProblem['code'], { status: 400 | 403 | 409; zh: string }> = {
  not_allowed: { status: 403, zh: '无权对该事项执行此操作：县级填报员答复本县事项，市、省级立项和核验' },
  wrong_status: { status: 409, zh: '该事项当前的状态不允许此操作' },
  closes_by_look_back: { status: 409, zh: '红线事项在下一季度回头看时自动关闭，不能手动关闭' },
  text_required: { status: 400, zh: '请填写内容（标题、答复或日期）' },
  reason_required: { status: 400, zh: '重新打开须填写原因' },
  evidence_not_here: { status: 400, zh: '佐证材料不在该事项的目录下' },
  evidence_missing: { status: 400, zh: '佐证材料尚未上传，请先上传' },
}

/** An outcome of the rectification use case, or the refusal it becomes (403, 404, 409, 400). */
function itemOrRefusal<T extends { ok: true }>(outcome: T | Extract<Outcome, { ok: false }> | NotFound | EvidenceProblem): T {
  if (outcome.ok) return outcome
  if (outcome.code === 'not_found') throw apiErrors.notFound(msg('没有这个整改事项', outcome.reason))
  const refusal = ITEM_REFUSALS[outcome.code]
  throw new ApiError(refusal.status, outcome.code, msg(refusal.zh, outcome.reason))
}

function parseBody<S extends z.ZodMiniType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw apiErrors.badRequest('bad_request', msg('请求内容不完整或格式错误', `The request body is not valid: ${z.prettifyError(parsed.error)}`))
  return parsed.data
}

/** An item id in the caller's scope (its first six digits are its county), else 400 or 403. */
function itemInScope(identity: Identity, id: string | undefined): string {
  if (!id || !/^\d{6}-[0-9a-f]{12}$/.test(id)) throw apiErrors.badRequest('bad_item', msg('整改事项编号应为 6 位县代码-12 位十六进制', 'An item id is <county6>-<12 hex digits>'))
  if (!countyInScope(identity.scope, id.slice(0, 6))) throw apiErrors.outOfScope()
  return id
}

function requirePeriod(value: string | undefined): string {
  const period = value?.toUpperCase()
  if (!period || !parsePeriod(period)) throw apiErrors.badRequest('bad_period', msg('报告期应写作 2024Q2', 'The period must be written like 2024Q2'))
  return period
}

function requireCounty(value: string | undefined, required = true): string | undefined {
  if (value === undefined || value === '') {
    if (required) throw apiErrors.badRequest('bad_county', msg('请给出 6 位县代码', 'Give the 6-digit county code'))
    return undefined
  }
  if (!/^\d{6}$/.test(value)) throw apiErrors.badRequest('bad_county', msg('县代码应为 6 位数字', 'The county code must be 6 digits'))
  return value
}

function lockDocument(period: string, lock: PeriodLock | undefined) {
  return {
    period,
    locked: lock?.locked ?? false,
    history: (lock?.history ?? []).map((h) => ({ action: h.action, by: h.by, at: h.at, ...(h.reason ? { reason: h.reason } : {}) })),
  }
}

/** Quarters a clerk may upload for: begun (Asia/Shanghai) and not published, newest first. */
export async function openPeriods(ledger: SubmissionLedger, now: Date): Promise<string[]> {
  const candidates = candidatePeriods(now)
  const locks = await Promise.all(candidates.map((p) => ledger.getLock(p)))
  return candidates.filter((_, i) => !locks[i]?.locked)
}

/** Where an upload slot puts the file, or why it may not (400). */
function uploadKey(kind: 'upload' | 'registry' | 'targets', county: string | undefined, period: string | undefined, fileName: string): string {
  const badName = apiErrors.badRequest('bad_file_name', msg('文件名不合法（不能含 / 或控制字符）', 'The file name is not acceptable (no / or control characters)'))
  if (kind === 'targets') {
    // The targets have their own prefix (rectification.md) and the same file-name rules.
    if (parseUploadKey(`registry/org_units/${fileName}`).kind !== 'registry') throw badName
    return `registry/targets/${fileName}`
  }
  const key = kind === 'registry' ? `registry/org_units/${fileName}` : `uploads/${county}/${period}/${fileName}`
  const place = parseUploadKey(key)
  if (place.kind === 'wrong') throw badName
  return key
}

type Handler = (deps: PortalDeps, req: PortalRequest & { identity: Identity; params: Record<string, string> }) => Promise<PortalResponse>

const handlers: Record<RouteName, Handler> = {
  async me(deps, { identity, now }) {
    const s = identity.scope
    return {
      status: 200,
      json: {
        subject: identity.subject,
        name: identity.name ?? identity.email ?? identity.subject,
        ...(s.role === 'clerk' ? { county: s.county } : s.role === 'city' ? { city: s.city } : { province: s.province }),
        admin: s.role === 'province' && s.admin,
        open_periods: await openPeriods(deps.ledger, now),
      },
    }
  },

  async uploadSlot(deps, { identity, body, now }) {
    const parsed = UploadSlotSchema.safeParse(body)
    if (!parsed.success) throw apiErrors.badRequest('bad_request', msg('请求内容不完整或格式错误', `The request body is not valid: ${z.prettifyError(parsed.error)}`))
    const input = parsed.data
    const scope = identity.scope
    const county = input.kind === 'upload' ? (input.county ?? (scope.role === 'clerk' ? scope.county : undefined)) : undefined
    if (input.kind === 'upload' && !county) throw apiErrors.badRequest('bad_county', msg('请给出 6 位县代码', 'Give the 6-digit county code'))
    if (!mayUpload(scope, input.kind, county)) throw input.kind === 'upload' ? apiErrors.outOfScope() : apiErrors.adminOnly()
    let period: string | undefined
    if (input.kind === 'upload') {
      period = requirePeriod(input.period)
      if (!quarterHasBegun(period, now)) throw apiErrors.conflict('period_not_open', msg('该季度尚未开始', 'This quarter has not begun'))
      const lock = await deps.ledger.getLock(period)
      if (lock?.locked) throw apiErrors.conflict('period_locked', msg('该季度已考核并锁定，需先解锁才能更正', 'The quarter is appraised and locked; it must be unlocked before corrections'))
    }
    if (input.size > deps.maxUploadBytes) throw apiErrors.badRequest('file_too_large', msg(`文件超过允许的大小（${deps.maxUploadBytes} 字节）`, `The file is over the size limit (${deps.maxUploadBytes} bytes)`))
    const key = uploadKey(input.kind, county, period, input.file_name)
    // A targets file's scope is the signer's city or province, fixed by the policy (rectification.md).
    const metadata = input.kind === 'targets' ? { metadata: { [SCOPE_METADATA]: scopePrefix(scope) } } : {}
    const post = await deps.presigner.post(deps.buckets.ingest, key, { contentLength: input.size, expiresInSeconds: UPLOAD_SLOT_SECONDS, now, ...metadata })
    return { status: 200, json: { url: post.url, fields: post.fields, key, expires_at: new Date(now.getTime() + UPLOAD_SLOT_SECONDS * 1000).toISOString() } }
  },

  /**
   * The submissions of one registry or targets file by its ingest key (the key its upload slot
   * named), for whoever may upload that kind: the administration page waits on it for the
   * verdict. Only that key's submissions, so a city official learns nothing of other files.
   */
  async uploadVerdicts(deps, { identity, query }) {
    const key = query['key'] ?? ''
    const place = parseUploadKey(key)
    if (place.kind !== 'registry' && place.kind !== 'targets') throw apiErrors.badRequest('bad_key', msg('不是区划名册或目标值文件的路径', 'Not the key of a registry or targets file'))
    if (!mayUpload(identity.scope, place.kind)) throw apiErrors.adminOnly()
    const ledgerPlace = place.kind === 'registry' ? 'registry' : 'targets'
    const status = await submissionStatus(deps.ledger, ledgerPlace, ledgerPlace)
    return { status: 200, json: { ...status, submissions: status.submissions.filter((s) => s.object_key === key) } }
  },

  async submissions(deps, { identity, query }) {
    const county = requireCounty(query['county'])!
    const period = requirePeriod(query['period'])
    if (!countyInScope(identity.scope, county)) throw apiErrors.outOfScope()
    return { status: 200, json: await submissionStatus(deps.ledger, county, period) }
  },

  async submissionReport(deps, { identity, query }) {
    const key = query['key'] ?? ''
    const m = /^reports\/submissions\/(\d{6})\/\d{4}Q[1-4]\/[\w-]+\.json$/.exec(key) ?? /^reports\/(registry|targets)\/[\w-]+\.json$/.exec(key)
    if (!m) throw apiErrors.badRequest('bad_key', msg('不是提交报告的路径', 'Not the key of a submission report'))
    const allowed = /^\d{6}$/.test(m[1]!) ? countyInScope(identity.scope, m[1]!) : mayUpload(identity.scope, m[1] as 'registry' | 'targets')
    if (!allowed) throw apiErrors.outOfScope()
    const bytes = await deps.store.getBytes(deps.buckets.lake, key)
    if (!bytes) throw apiErrors.notFound(msg('报告不存在', 'No such report'))
    return { status: 200, json: JSON.parse(new TextDecoder().decode(bytes)) as unknown }
  },

  async file(deps, { identity, query, now }) {
    const key = query['key'] ?? ''
    const scope = identity.scope
    let allowed: boolean
    let m: RegExpExecArray | null
    if ((m = /^reports\/submissions\/(\d{6})\/\d{4}Q[1-4]\/[\w-]+\.(json|csv|xlsx)$/.exec(key))) allowed = countyInScope(scope, m[1]!)
    else if ((m = /^reports\/(registry|targets)\/[\w-]+\.(json|csv|xlsx)$/.exec(key))) allowed = mayUpload(scope, m[1] as 'registry' | 'targets')
    // Evidence of a response: for whoever may see the item (rectification.md).
    else if ((m = /^rectification\/(\d{6})\/(\d{6})-[0-9a-f]{12}\/[^/]+$/.exec(key)) && m[1] === m[2]) allowed = countyInScope(scope, m[1]!)
    // The HTML report ranks every county of the quarter: the province's to read. Clerks and
    // cities read the same content through /api/appraisals, filtered to their scope.
    else if (/^reports\/appraisals\/\d{4}Q[1-4]\/index\.html$/.test(key)) allowed = scope.role === 'province'
    else throw apiErrors.badRequest('bad_key', msg('不是可下载文件的路径', 'Not the key of a downloadable file'))
    if (!allowed) throw apiErrors.outOfScope()
    if (!(await deps.store.exists(deps.buckets.lake, key))) throw apiErrors.notFound(msg('文件不存在', 'No such file'))
    const url = await deps.presigner.get(deps.buckets.lake, key, { expiresInSeconds: DOWNLOAD_SECONDS, now })
    return { status: 200, json: { url, expires_at: new Date(now.getTime() + DOWNLOAD_SECONDS * 1000).toISOString() } }
  },

  async appraisal(deps, { identity, params, query }) {
    const period = requirePeriod(params['period'])
    const county = requireCounty(query['county'], false)
    const city = query['city'] || undefined
    if (city !== undefined && !/^\d{4}$/.test(city)) throw apiErrors.badRequest('bad_city', msg('市代码应为 4 位数字', 'The city code must be 4 digits'))
    if (county && !countyInScope(identity.scope, county)) throw apiErrors.outOfScope()
    if (city && !cityOverlapsScope(identity.scope, city)) throw apiErrors.outOfScope()
    const items = await readAppraisal(deps.appraisals, period, city)
    const doc = appraisalDocument(period, items, {
      byCity: Boolean(city),
      countyVisible: (c) => countyInScope(identity.scope, c) && (!county || c === county) && (!city || c.startsWith(city)),
    })
    if (!doc) throw apiErrors.notFound(msg(`${period} 尚无考核结果`, `No appraisal stored for ${period}`))
    return { status: 200, json: doc }
  },

  async countyHistory(deps, { identity, query }) {
    const county = requireCounty(query['county'])!
    if (!countyInScope(identity.scope, county)) throw apiErrors.outOfScope()
    const history = await countyHistory(deps.appraisals, county)
    if (!history) throw apiErrors.notFound(msg('该县尚无考核结果', 'No appraisal stored for this county'))
    return { status: 200, json: history }
  },

  async region(deps, { identity, params }) {
    const code = params['code'] ?? ''
    if (!/^(\d{2}|\d{4}|\d{9})$/.test(code)) throw apiErrors.badRequest('bad_region', msg('区划代码应为 2、4 或 9 位数字', 'The region code must have 2, 4 or 9 digits'))
    const period = requirePeriod(params['period'])
    if (!regionInScope(identity.scope, code)) throw apiErrors.outOfScope()
    const rollup = await regionRollup({ store: deps.store, readTable: deps.readTable, lakeBucket: deps.buckets.lake }, period, code)
    if (!rollup) throw apiErrors.notFound(msg('该区划本季度尚无汇总', 'No roll-up of this region for the quarter'))
    rollup.within = rollup.within.filter((r) => regionInScope(identity.scope, r.code))
    return { status: 200, json: rollup }
  },

  async lock(deps, { params }) {
    const period = requirePeriod(params['period'])
    return { status: 200, json: lockDocument(period, await deps.ledger.getLock(period)) }
  },

  async run(deps, { identity, params }) {
    if (!mayAdminister(identity.scope)) throw apiErrors.adminOnly()
    const period = requirePeriod(params['period'])
    if ((await deps.ledger.getLock(period))?.locked) throw apiErrors.conflict('period_locked', msg('该季度已发布并锁定，需先解锁', 'The quarter is published and locked: unlock it first'))
    const outcome = await deps.aggregate({ period, publish: false, source: recordedName(identity) })
    return { status: outcome.status === 'started' ? 202 : 200, json: { period, ...outcome } }
  },

  async publish(deps, { identity, params }) {
    if (!mayAdminister(identity.scope)) throw apiErrors.adminOnly()
    const period = requirePeriod(params['period'])
    if ((await deps.ledger.getLock(period))?.locked) throw apiErrors.conflict('already_locked', msg('该季度已发布', 'The quarter is already published'))
    // Publishing is the aggregate run with publish (as va aggregate --publish): the quarter is
    // appraised on what is current now, then locked in the signed-in identity's name.
    const outcome = await deps.aggregate({ period, publish: true, source: recordedName(identity) })
    return { status: outcome.status === 'started' ? 202 : 200, json: { period, ...outcome } }
  },

  async unlock(deps, { identity, params, body, now }) {
    if (!mayAdminister(identity.scope)) throw apiErrors.adminOnly()
    const period = requirePeriod(params['period'])
    const parsed = UnlockSchema.safeParse(body)
    if (!parsed.success) throw apiErrors.badRequest('reason_required', msg('解锁须填写原因', 'Unlocking needs a reason'))
    if (!(await deps.ledger.getLock(period))?.locked) throw apiErrors.conflict('not_locked', msg('该季度未锁定', 'The quarter is not locked'))
    const lock = await deps.ledger.setLock(period, false, recordedName(identity), now.toISOString(), parsed.data.reason)
    return { status: 200, json: lockDocument(period, lock) }
  },

  async rectificationItems(deps, { identity, query, now }) {
    const county = requireCounty(query['county'], false)
    const region = query['city'] || query['province'] || undefined
    if (region !== undefined && !/^(\d{2}|\d{4})$/.test(region)) throw apiErrors.badRequest('bad_region', msg('市代码为 4 位、省代码为 2 位数字', 'A city code has 4 digits, a province code 2'))
    const status = query['status'] || undefined
    if (status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(status)) throw apiErrors.badRequest('bad_status', msg(`状态应为 ${ITEM_STATUSES.join('、')} 之一`, `The status is one of ${ITEM_STATUSES.join(', ')}`))
    const period = query['period'] ? requirePeriod(query['period']) : undefined
    if (county && !countyInScope(identity.scope, county)) throw apiErrors.outOfScope()
    if (region && !regionInScope(identity.scope, region)) throw apiErrors.outOfScope()
    const s = identity.scope
    const scope: ItemScope = county ? { county } : region ? { region } : s.role === 'clerk' ? { county: s.county } : { region: scopePrefix(s) }
    const items = await listItems(deps.rectifications, scope, { ...(status ? { status: status as (typeof ITEM_STATUSES)[number] } : {}), ...(period ? { period } : {}) }, now)
    return { status: 200, json: { items } }
  },

  async rectificationItem(deps, { identity, params, now }) {
    const id = itemInScope(identity, params['item_id'])
    const item = await getItem(deps.rectifications, id, now)
    if (!item) throw apiErrors.notFound(msg('没有这个整改事项', `No item ${id}`))
    return { status: 200, json: item }
  },

  async rectificationOpen(deps, { identity, body, now }) {
    const input = parseBody(OpenItemSchema, body)
    if (!countyInScope(identity.scope, input.county)) throw apiErrors.outOfScope()
    const { item } = itemOrRefusal(await openItem(deps.rectifications, {
      county: input.county, title: input.title, ...(input.detail?.trim() ? { detail: input.detail } : {}), ...(input.due ? { due: input.due } : {}),
    }, rectificationActor(identity), now))
    return { status: 200, json: { ...item, overdue: isOverdue(item, now) } }
  },

  async rectificationEvidenceSlot(deps, { identity, params, body, now }) {
    const id = itemInScope(identity, params['item_id'])
    const input = parseBody(EvidenceSlotSchema, body)
    if (input.size > EVIDENCE_MAX_BYTES) throw apiErrors.badRequest('file_too_large', msg('佐证材料不能超过 20 MB', 'Evidence files are at most 20 MB'))
    const slot = itemOrRefusal(await evidenceSlot({ items: deps.rectifications, store: deps.store, lakeBucket: deps.buckets.lake, presigner: deps.presigner }, id, {
      fileName: input.file_name, contentType: input.content_type, maxBytes: EVIDENCE_MAX_BYTES, expiresInSeconds: UPLOAD_SLOT_SECONDS,
    }, rectificationActor(identity), now))
    return { status: 200, json: { url: slot.post.url, fields: slot.post.fields, key: slot.key, expires_at: new Date(now.getTime() + UPLOAD_SLOT_SECONDS * 1000).toISOString() } }
  },

  async rectificationRespond(deps, { identity, params, body, now }) {
    const id = itemInScope(identity, params['item_id'])
    const input = parseBody(RespondSchema, body)
    const { item } = itemOrRefusal(await respondWithKey({ items: deps.rectifications, store: deps.store, lakeBucket: deps.buckets.lake }, id, input.text, input.file || undefined, rectificationActor(identity), now))
    return { status: 200, json: { ...item, overdue: isOverdue(item, now) } }
  },

  async rectificationVerify(deps, { identity, params, body, now }) {
    const id = itemInScope(identity, params['item_id'])
    const input = parseBody(VerifySchema, body)
    const action: ItemAction = input.action === 'close' ? { kind: 'close' } : { kind: 'reopen', reason: input.reason ?? '' }
    const actor = rectificationActor(identity)
    const { item } = itemOrRefusal(await actOnItem(deps.rectifications, id, action, () => actor, now))
    return { status: 200, json: { ...item, overdue: isOverdue(item, now) } }
  },

  async template(_deps, { params }) {
    const dataset = params['dataset'] ?? ''
    if (!(DATASETS as readonly string[]).includes(dataset)) throw apiErrors.notFound(msg(`没有数据集「${dataset}」的模板`, `No template for a dataset "${dataset}"; try ${DATASETS.join(', ')}`))
    // Loaded only here: the workbook library is most of the function's code (bench/bundle.ts)
    // and every other route runs without it.
    const { buildTemplate } = await import('../core/workbook/template-workbook.ts')
    return {
      status: 200,
      bytes: await buildTemplate(dataset as DatasetName),
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      fileName: `${dataset}-template.xlsx`,
    }
  },
}

/**
 * One API request: the identity from the verified claims, the route, the scope checks, the use
 * case. Refusals are thrown as ApiError (400/401/403/404/409) for the host to answer with.
 */
export async function handlePortalRequest(deps: PortalDeps, req: PortalRequest): Promise<PortalResponse & { route: RouteName }> {
  const match = matchRoute(req.method, req.path)
  if (!match) throw apiErrors.notFound(msg('没有这个接口', 'No such route'))
  if (!req.claims) throw apiErrors.unauthenticated()
  const identity = identityFromClaims(req.claims)
  if ('refused' in identity) {
    const refusal = apiErrors.noScope(identity.refused)
    refusal.route = match.route
    throw refusal
  }
  try {
    const response = await handlers[match.route](deps, { ...req, identity, params: match.params })
    return { ...response, route: match.route }
  } catch (error) {
    if (error instanceof ApiError) {
      error.route = match.route
      error.role = identity.scope.role
    }
    throw error
  }
}

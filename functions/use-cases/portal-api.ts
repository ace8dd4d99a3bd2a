import * as z from 'zod/mini'
import '../../schemas/zod-english.ts'
import { DATASETS, type DatasetName } from '../../schemas/findings.ts'
import { apiErrors, ApiError } from '../core/portal/api-error.ts'
import { candidatePeriods, quarterHasBegun } from '../core/portal/open-periods.ts'
import { matchRoute, type RouteName } from '../core/portal/routes.ts'
import {
  cityOverlapsScope, countyInScope, identityFromClaims, mayAdminister, mayUpload, recordedName, regionInScope, type Identity,
} from '../core/portal/scope.ts'
import { parseUploadKey } from '../core/object-keys.ts'
import { parsePeriod } from '../core/period.ts'
import type { AppraisalStore, ObjectStore, PeriodLock, Presigner, SubmissionLedger, TableReader } from './ports.ts'
import type { MissingCounty } from '../core/appraisal/score.ts'
import { appraisalDocument, countyHistory, readAppraisal, regionRollup } from './read-appraisal.ts'
import { submissionStatus } from './submission-status.ts'

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
    const post = await deps.presigner.post(deps.buckets.ingest, key, { contentLength: input.size, expiresInSeconds: UPLOAD_SLOT_SECONDS, now })
    return { status: 200, json: { url: post.url, fields: post.fields, key, expires_at: new Date(now.getTime() + UPLOAD_SLOT_SECONDS * 1000).toISOString() } }
  },

  async submissions(deps, { identity, query }) {
    const county = requireCounty(query['county'])!
    const period = requirePeriod(query['period'])
    if (!countyInScope(identity.scope, county)) throw apiErrors.outOfScope()
    return { status: 200, json: await submissionStatus(deps.ledger, county, period) }
  },

  async submissionReport(deps, { identity, query }) {
    const key = query['key'] ?? ''
    const m = /^reports\/submissions\/(\d{6})\/\d{4}Q[1-4]\/[\w-]+\.json$/.exec(key) ?? /^reports\/registry\/[\w-]+\.json$/.exec(key)
    if (!m) throw apiErrors.badRequest('bad_key', msg('不是提交报告的路径', 'Not the key of a submission report'))
    if (m[1] ? !countyInScope(identity.scope, m[1]) : !mayUpload(identity.scope, 'registry')) throw apiErrors.outOfScope()
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
    else if (/^reports\/registry\/[\w-]+\.(json|csv)$/.test(key)) allowed = mayUpload(scope, 'registry')
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

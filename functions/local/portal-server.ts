import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { DEFAULT_UPLOAD_LIMITS, portalContentSecurityPolicy } from '../../schemas/settings.ts'
import { EVIDENCE_MAX_BYTES } from '../core/rectification/evidence.ts'
import { checkPresignedGet, checkPresignedPost, s3Presigner } from '../adapters/s3-presigner.ts'
import { portalDeps } from '../composition/wiring.ts'
import { createPortalApiHandler } from '../handlers/portal-api.ts'
import type { ObjectStore } from '../use-cases/ports.ts'
import type { PortalDeps } from '../use-cases/portal-api.ts'
import { planProvince } from '../demo/generate.ts'
import { readParquetRows } from '../adapters/parquet-read.ts'
import { httpApiEvent, localContext } from './aws-events.ts'
import { LOCAL_NAMES } from './emulators.ts'
import { startLocalPipeline, type LocalPipeline } from './local-pipeline.ts'
import { aggregateFunction, localAppraisalDeps, localObservability } from './local-runtime.ts'
import { LOCAL_TOKEN_SECONDS, localSigningSecret, localTokenIssuer, type LocalTokenIssuer } from './local-tokens.ts'
import { buildPortal, PORTAL_DIST } from '../portal/build-portal.ts'

/**
 * `va serve`: the local pipeline as a long-lived process with the portal on 127.0.0.1. One
 * node:http server answers
 *   /api/…        the portal API's Lambda handler (the same code as on AWS), with the event API
 *                 Gateway's JWT authorizer would pass, built from a locally issued token;
 *   /api/local/…  the local accounts and sign-in (local only: on AWS the issuer signs people in);
 *   /s3/…         the presigned POSTs and GETs the API hands out, checked as S3 checks them
 *                 (signature, expiry, every policy condition) and then put to or read from the S3
 *                 emulator through the S3 API: s3rver takes POST uploads but ignores their
 *                 policies, so it cannot stand in for S3's checks itself;
 *   anything else the portal page's static files (functions/portal/dist), or a placeholder.
 */

export const DEFAULT_STATIC_DIR = PORTAL_DIST
const LOCAL_REGION = 'us-east-1'
const LOCAL_SIGNING_KEY_ID = 'va-local-portal'

export interface LocalAccount {
  account: string
  role: 'clerk' | 'city' | 'province'
  name: string
  county?: string
  city?: string
  province?: string
  admin: boolean
}

interface Place { code: string; name: string; level: string; parent: string }

/** The places of the local registry (curated/org_units/…), or of the demo's default plan without one. */
async function localPlaces(store: ObjectStore): Promise<Place[]> {
  const places: Place[] = []
  for (const object of await store.list(LOCAL_NAMES.lakeBucket, 'curated/org_units/')) {
    const bytes = await store.getBytes(LOCAL_NAMES.lakeBucket, object.key)
    if (!bytes) continue
    for (const r of await readParquetRows(bytes, ['code', 'name', 'level', 'parent_code', 'active'])) {
      if (r['active'] === false) continue
      places.push({ code: String(r['code']), name: String(r['name'] ?? ''), level: String(r['level']), parent: String(r['parent_code'] ?? '') })
    }
  }
  if (places.length) return places
  const plan = planProvince({ seed: 2024, province: '52', townshipsPerCounty: 1, villagesPerTownship: 1 })
  return [
    { code: plan.province.code, name: plan.province.name, level: 'province', parent: '' },
    ...plan.cities.map((c) => ({ code: c.code, name: c.name, level: 'city', parent: plan.province.code })),
    ...plan.counties.map((c) => ({ code: c.code, name: c.name, level: 'county', parent: c.city })),
  ]
}

/** One clerk per county, one official of the first city, one admin of the first province (portal.md, "Locally"). */
export async function localAccounts(store: ObjectStore): Promise<LocalAccount[]> {
  const places = (await localPlaces(store)).sort((a, b) => a.code.localeCompare(b.code))
  const province = places.find((p) => p.level === 'province') ?? { code: places.find((p) => p.level === 'county')?.code.slice(0, 2) ?? '52', name: '' }
  const city = places.find((p) => p.level === 'city' && p.code.startsWith(province.code))
  const counties = places.filter((p) => p.level === 'county' && p.code.startsWith(province.code))
  return [
    ...counties.map((c) => ({ account: `clerk-${c.code}`, role: 'clerk' as const, name: `${c.name}填报员 (local)`, county: c.code, admin: false })),
    ...(city ? [{ account: `city-${city.code}`, role: 'city' as const, name: `${city.name}审核员 (local)`, city: city.code, admin: false }] : []),
    { account: `admin-${province.code}`, role: 'province', name: `${province.name}管理员 (local)`, province: province.code, admin: true },
  ]
}

function accountClaims(a: LocalAccount): Record<string, string | boolean> {
  return { sub: a.account, name: a.name, ...(a.county ? { county: a.county } : {}), ...(a.city ? { city: a.city } : {}), ...(a.province ? { province: a.province } : {}), ...(a.admin ? { admin: true } : {}) }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
  '.csv': 'text/csv; charset=utf-8', '.pdf': 'application/pdf', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', '.map': 'application/json',
}

const PLACEHOLDER = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>村级考核门户 village-appraisal portal</title></head>
<body><h1>村级考核门户 village-appraisal portal</h1><p>本地服务已启动，但门户页面尚未构建（functions/portal/dist 不存在）。</p>
<p>The local server is running; the portal page is not built (functions/portal/dist is absent). The API answers under <code>/api/</code>: <code>GET /api/local/accounts</code>, <code>POST /api/local/sign-in</code>.</p></body></html>`

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

const refusal = (status: number, code: string, zh: string, en: string) => ({ status, body: { error: { code, message: { zh, en } } } })

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

export interface LocalPortalOptions {
  home: string
  /** 0 (default) for any free port. */
  port?: number
  staticDir?: string
  /** A pipeline already started on this state (the demo's); else one is started and closed with the portal. */
  pipeline?: LocalPipeline
  inMemoryDynamo?: boolean
  maxUploadBytes?: number
}

export interface LocalPortal {
  url: string
  /** The S3 emulator, for any S3 client (path-style, access key S3RVER). */
  s3Endpoint: string
  accounts: LocalAccount[]
  pipeline: LocalPipeline
  deps: PortalDeps
  issuer: LocalTokenIssuer
  close(): Promise<void>
}

/** Starts the local pipeline (unless given) and the portal's server on 127.0.0.1. */
export async function startLocalPortal(options: LocalPortalOptions): Promise<LocalPortal> {
  const pipeline = options.pipeline ?? await startLocalPipeline({ home: options.home, ...(options.inMemoryDynamo ? { inMemoryDynamo: true } : {}) })
  const owned = !options.pipeline
  const issuer = await localTokenIssuer(options.home)
  const secret = await localSigningSecret(options.home)
  const staticDir = options.staticDir ?? DEFAULT_STATIC_DIR
  // The page is built on demand (esbuild, a few seconds) when `npm run portal:build` has not run.
  if (staticDir === DEFAULT_STATIC_DIR && !existsSync(join(staticDir, 'index.html'))) await buildPortal({ outDir: staticDir })
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_UPLOAD_LIMITS.maxBytes
  const server = createServer()
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, '127.0.0.1', () => ok())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const target = { region: LOCAL_REGION, pathStyleBase: `${url}/s3` }

  // One appraisal at a time, as the aggregate function's reserved concurrency of 1 on AWS.
  let running: Promise<unknown> = Promise.resolve()
  const aggregate: PortalDeps['aggregate'] = (event) => {
    const work = running.then(async () => {
      const deps = await localAppraisalDeps({ home: options.home, s3: pipeline.s3.client, dynamo: pipeline.dynamo.client })
      try {
        const r = await aggregateFunction(deps)(event)
        return { status: 'done' as const, counties: r.counties, run_id: r.run_id, missing_counties: r.missing_counties, published: r.published }
      } finally {
        await deps.engine.close()
      }
    })
    running = work.catch(() => undefined)
    return work
  }
  const deps = portalDeps({
    s3: pipeline.s3.client,
    dynamo: pipeline.dynamo.client,
    names: LOCAL_NAMES,
    presigner: s3Presigner(async () => ({ accessKeyId: LOCAL_SIGNING_KEY_ID, secretAccessKey: secret }), target),
    maxUploadBytes,
    aggregate,
  })
  const api = createPortalApiHandler({ deps: () => deps, ...localObservability('portal-api') })
  // Read again whenever asked: a registry uploaded while serving gives its counties their clerks.
  let accounts = await localAccounts(pipeline.deps.store)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reqUrl = new URL(req.url ?? '/', url)
    const method = (req.method ?? 'GET').toUpperCase()
    const path = reqUrl.pathname
    if (path === '/api/local/accounts' && method === 'GET') {
      accounts = await localAccounts(pipeline.deps.store)
      return sendJson(res, 200, accounts)
    }
    if (path === '/api/local/sign-in' && method === 'POST') {
      accounts = await localAccounts(pipeline.deps.store)
      const body = await readBody(req, 4096)
      let account: unknown
      try {
        account = (JSON.parse(body?.toString('utf8') ?? '') as { account?: unknown }).account
      } catch {
        account = undefined
      }
      const found = accounts.find((a) => a.account === account)
      if (!found) {
        const r = refusal(400, 'unknown_account', '没有这个本地账号', 'No such local account')
        return sendJson(res, r.status, r.body)
      }
      const now = new Date()
      return sendJson(res, 200, { token: issuer.issue(accountClaims(found), now), expires_at: new Date(now.getTime() + LOCAL_TOKEN_SECONDS * 1000).toISOString() })
    }
    if (path.startsWith('/api/')) {
      const auth = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
      const verified = auth ? issuer.verify(auth, new Date()) : { refused: 'no token' }
      if ('refused' in verified) {
        // What API Gateway's JWT authorizer does before the function: 401, the function never runs.
        const r = refusal(401, 'unauthenticated', '请先登录', 'Sign in first')
        return sendJson(res, r.status, r.body)
      }
      const body = await readBody(req, 10 * 1024 * 1024)
      if (!body) {
        const r = refusal(400, 'too_large', '请求过大', 'The request is over 10 MB (API Gateway\'s limit)')
        return sendJson(res, r.status, r.body)
      }
      const result = await api(httpApiEvent({ method, url: reqUrl, body, claims: verified.claims }), localContext('portal-api'))
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>)
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : result.body)
      return
    }
    if (path.startsWith('/s3/')) return s3Door(req, res, reqUrl, method)
    return staticFile(res, path)
  }

  /** The presigned requests the API handed out, checked as S3 checks them, then done through the S3 API. */
  async function s3Door(req: IncomingMessage, res: ServerResponse, reqUrl: URL, method: string): Promise<void> {
    const now = new Date()
    if (method === 'POST') {
      const bucket = reqUrl.pathname.slice('/s3/'.length).replace(/\/$/, '')
      // What the API's role may put (infra/portal.ts): uploads to the ingest bucket, evidence to the lake's rectification/.
      if (bucket !== LOCAL_NAMES.ingestBucket && bucket !== LOCAL_NAMES.lakeBucket) return sendJson(res, 403, refusal(403, 'AccessDenied', '只能上传到接收桶或整改佐证目录', 'Uploads go to the ingest bucket or the lake\'s rectification/ only').body)
      const body = await readBody(req, (bucket === LOCAL_NAMES.lakeBucket ? EVIDENCE_MAX_BYTES : maxUploadBytes) + 1024 * 1024)
      if (!body) return sendJson(res, 400, refusal(400, 'EntityTooLarge', '文件过大', 'Your proposed upload exceeds the maximum allowed size').body)
      let form: FormData
      try {
        form = await new Response(body, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData()
      } catch {
        return sendJson(res, 400, refusal(400, 'MalformedPOSTRequest', '表单格式错误', 'The body of your POST request is not well-formed multipart/form-data').body)
      }
      const file = form.get('file')
      if (!(file instanceof Blob)) return sendJson(res, 400, refusal(400, 'InvalidArgument', '缺少文件', 'POST requires exactly one file upload per request').body)
      const fields: Record<string, string> = {}
      for (const [k, v] of form.entries()) if (typeof v === 'string') fields[k] = v
      const checked = checkPresignedPost(bucket, fields, file.size, secret, LOCAL_REGION, now)
      if ('refused' in checked) return sendJson(res, 403, refusal(403, 'AccessDenied', '上传凭证无效或已过期', `Invalid according to Policy: ${checked.refused}`).body)
      if (bucket === LOCAL_NAMES.lakeBucket && !checked.key.startsWith('rectification/')) return sendJson(res, 403, refusal(403, 'AccessDenied', '只能上传到整改佐证目录', 'The lake takes evidence under rectification/ only').body)
      const contentType = Object.entries(fields).find(([k]) => k.toLowerCase() === 'content-type')?.[1]
      const metadata = Object.keys(checked.metadata).length ? { Metadata: checked.metadata } : {}
      await pipeline.s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: checked.key, Body: new Uint8Array(await file.arrayBuffer()), ...(contentType ? { ContentType: contentType } : {}), ...metadata }))
      res.writeHead(204, { location: `${url}/s3/${bucket}/${encodeURI(checked.key)}` })
      res.end()
      return
    }
    if (method !== 'GET') return sendJson(res, 405, refusal(405, 'MethodNotAllowed', '不支持的方法', 'Method not allowed').body)
    const checked = checkPresignedGet(reqUrl, secret, target, now)
    if ('refused' in checked) return sendJson(res, 403, refusal(403, 'AccessDenied', '下载链接无效或已过期', `Request has expired or the signature does not match: ${checked.refused}`).body)
    const object = await pipeline.s3.client.send(new GetObjectCommand({ Bucket: checked.bucket, Key: checked.key })).catch(() => undefined)
    if (!object?.Body) return sendJson(res, 404, refusal(404, 'NoSuchKey', '文件不存在', 'The specified key does not exist').body)
    const ext = extname(checked.key)
    const fileName = checked.key.split('/').pop()!
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      // Evidence files keep their Chinese names: an ASCII fallback and the UTF-8 name (RFC 6266).
      'content-disposition': `${ext === '.html' ? 'inline' : 'attachment'}; filename="${fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      'cache-control': 'no-store',
      ...(ext === '.html' ? { 'content-security-policy': portalContentSecurityPolicy() } : {}),
    })
    res.end(Buffer.from(await object.Body.transformToByteArray()))
  }

  async function staticFile(res: ServerResponse, path: string): Promise<void> {
    const headers = { 'content-security-policy': portalContentSecurityPolicy(), 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }
    const root = resolve(staticDir)
    let file = normalize(join(root, decodeURIComponent(path)))
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(404, headers)
      res.end()
      return
    }
    if (!existsSync(join(root, 'index.html'))) {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' })
      res.end(PLACEHOLDER)
      return
    }
    const found = await stat(file).catch(() => undefined)
    if (found?.isDirectory()) file = join(file, 'index.html')
    // The page routes in the browser: an unknown path without an extension is the page itself.
    else if (!found) file = extname(file) ? '' : join(root, 'index.html')
    const bytes = file ? await readFile(file).catch(() => undefined) : undefined
    if (!bytes) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
      res.end('not found')
      return
    }
    res.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' })
    res.end(bytes)
  }

  server.on('request', (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A failure of ours, as API Gateway shows a function error: 500, the details in the server's log.
      process.stderr.write(`va serve: ${(error as Error).stack ?? String(error)}\n`)
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: { zh: '服务器内部错误', en: 'Internal server error' } } })
      else res.end()
    })
  })

  return {
    url,
    s3Endpoint: pipeline.s3.endpoint,
    accounts,
    pipeline,
    deps,
    issuer,
    close: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()))
      server.closeAllConnections()
      await closed
      await running.catch(() => undefined)
      if (owned) await pipeline.close()
    },
  }
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { Presigner, PresignedPost } from '../use-cases/ports.ts'

/**
 * Presigned S3 requests (Signature Version 4) with node:crypto: a POST Object form whose policy
 * fixes the key, the bucket and the exact content length, and a query-signed GET. Written here
 * rather than taken from @aws-sdk/s3-presigned-post and s3-request-presigner to keep the
 * function's bundle and the lock file small; the algorithm is AWS's ("Authenticating Requests:
 * Browser-Based Uploads Using POST", "Query String Authentication"). Locally the same code signs
 * with a local key and the local server checks the signatures it handed out (`checkPresigned*`).
 */

export interface SigningCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** Where the bucket is addressed: AWS's virtual-hosted names, or a path-style base URL (the local server). */
export type PresignTarget = { region: string; pathStyleBase?: string }

const ALGORITHM = 'AWS4-HMAC-SHA256'

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest()

function signingKey(secret: string, date: string, region: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request')
}

function stamps(now: Date): { amzDate: string; date: string } {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  return { amzDate, date: amzDate.slice(0, 8) }
}

function bucketUrl(target: PresignTarget, bucket: string): { origin: string; basePath: string; host: string } {
  if (target.pathStyleBase) {
    const u = new URL(target.pathStyleBase)
    return { origin: u.origin, basePath: `${u.pathname.replace(/\/$/, '')}/${bucket}`, host: u.host }
  }
  const host = `${bucket}.s3.${target.region}.amazonaws.com`
  return { origin: `https://${host}`, basePath: '', host }
}

function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params).sort().map((k) => `${rfc3986(k)}=${rfc3986(params[k]!)}`).join('&')
}

function getSignature(secret: string, region: string, method: string, path: string, host: string, params: Record<string, string>): string {
  const canonical = [method, path, canonicalQuery(params), `host:${host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n')
  const date = params['X-Amz-Date']!.slice(0, 8)
  const toSign = [ALGORITHM, params['X-Amz-Date'], `${date}/${region}/s3/aws4_request`, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n')
  return hmac(signingKey(secret, date, region), toSign).toString('hex')
}

/** User metadata as POST form fields: `x-amz-meta-<name>`. */
function metadataFields(metadata: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [`x-amz-meta-${k}`, v]))
}

function postPolicy(bucket: string, key: string, contentLength: number | readonly [number, number], contentType: string | undefined, expiration: Date, credential: string, amzDate: string, sessionToken?: string, metadata: Record<string, string> = {}): string {
  const [min, max] = typeof contentLength === 'number' ? [contentLength, contentLength] : contentLength
  return Buffer.from(JSON.stringify({
    expiration: expiration.toISOString(),
    conditions: [
      { bucket },
      { key },
      ['content-length-range', min, max],
      ...(contentType ? [{ 'Content-Type': contentType }] : []),
      { 'x-amz-algorithm': ALGORITHM },
      { 'x-amz-credential': credential },
      { 'x-amz-date': amzDate },
      ...(sessionToken ? [{ 'x-amz-security-token': sessionToken }] : []),
      ...Object.entries(metadata).map(([k, v]) => ({ [k]: v })),
    ],
  }), 'utf8').toString('base64')
}

export function s3Presigner(credentials: () => Promise<SigningCredentials>, target: PresignTarget): Presigner {
  return {
    async post(bucket, key, { contentLength, contentType, expiresInSeconds, now, metadata }): Promise<PresignedPost> {
      const creds = await credentials()
      const { amzDate, date } = stamps(now)
      const credential = `${creds.accessKeyId}/${date}/${target.region}/s3/aws4_request`
      const meta = metadataFields(metadata)
      const policy = postPolicy(bucket, key, contentLength, contentType, new Date(now.getTime() + expiresInSeconds * 1000), credential, amzDate, creds.sessionToken, meta)
      const { origin, basePath } = bucketUrl(target, bucket)
      return {
        url: `${origin}${basePath}/`,
        fields: {
          key,
          ...(contentType ? { 'Content-Type': contentType } : {}),
          ...meta,
          'X-Amz-Algorithm': ALGORITHM,
          'X-Amz-Credential': credential,
          'X-Amz-Date': amzDate,
          ...(creds.sessionToken ? { 'X-Amz-Security-Token': creds.sessionToken } : {}),
          Policy: policy,
          'X-Amz-Signature': hmac(signingKey(creds.secretAccessKey, date, target.region), policy).toString('hex'),
        },
      }
    },
    async get(bucket, key, { expiresInSeconds, now }): Promise<string> {
      const creds = await credentials()
      const { amzDate, date } = stamps(now)
      const { origin, basePath, host } = bucketUrl(target, bucket)
      const path = `${basePath}/${key.split('/').map(rfc3986).join('/')}`
      const params: Record<string, string> = {
        'X-Amz-Algorithm': ALGORITHM,
        'X-Amz-Credential': `${creds.accessKeyId}/${date}/${target.region}/s3/aws4_request`,
        'X-Amz-Date': amzDate,
        'X-Amz-Expires': String(expiresInSeconds),
        'X-Amz-SignedHeaders': 'host',
        ...(creds.sessionToken ? { 'X-Amz-Security-Token': creds.sessionToken } : {}),
      }
      const signature = getSignature(creds.secretAccessKey, target.region, 'GET', path, host, params)
      return `${origin}${path}?${canonicalQuery(params)}&X-Amz-Signature=${signature}`
    },
  }
}

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/** Parses `amzDate` (yyyymmddThhmmssZ). */
function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN
}

/**
 * Checks a GET signed by `s3Presigner` (the local server, standing in for S3): the signature,
 * the expiry. Returns the bucket and key, or why not.
 */
export function checkPresignedGet(url: URL, secret: string, target: PresignTarget, now: Date): { bucket: string; key: string } | { refused: string } {
  const params = Object.fromEntries(url.searchParams.entries())
  const signature = params['X-Amz-Signature'] ?? ''
  delete params['X-Amz-Signature']
  const { pathStyleBase } = target
  if (!pathStyleBase) return { refused: 'not a path-style target' }
  const base = new URL(pathStyleBase).pathname.replace(/\/$/, '')
  if (!url.pathname.startsWith(`${base}/`)) return { refused: 'not under the signed base' }
  const [bucket, ...rest] = url.pathname.slice(base.length + 1).split('/')
  if (!bucket || rest.length === 0) return { refused: 'no key' }
  const expected = getSignature(secret, target.region, 'GET', url.pathname, url.host, params)
  if (!sameHex(signature, expected)) return { refused: 'signature does not match' }
  const signedAt = parseAmzDate(params['X-Amz-Date'] ?? '')
  if (!(now.getTime() <= signedAt + Number(params['X-Amz-Expires']) * 1000)) return { refused: 'expired' }
  try {
    return { bucket, key: rest.map((s) => decodeURIComponent(s)).join('/') }
  } catch {
    return { refused: 'bad key encoding' }
  }
}

/**
 * Checks a POST form signed by `s3Presigner` as S3 does: the policy's signature, its expiry, and
 * every condition against the form and the file's length. Returns the key, or why not.
 */
export function checkPresignedPost(bucket: string, fields: Record<string, string>, fileLength: number, secret: string, region: string, now: Date): { key: string; metadata: Record<string, string> } | { refused: string } {
  const policy = fields['Policy'] ?? fields['policy'] ?? ''
  const date = (fields['X-Amz-Date'] ?? '').slice(0, 8)
  const expected = hmac(signingKey(secret, date, region), policy).toString('hex')
  if (!sameHex(fields['X-Amz-Signature'] ?? '', expected)) return { refused: 'signature does not match' }
  let doc: { expiration: string; conditions: (Record<string, string> | [string, ...unknown[]])[] }
  try {
    doc = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof doc
  } catch {
    return { refused: 'policy is not JSON' }
  }
  if (!(now.getTime() <= Date.parse(doc.expiration))) return { refused: 'policy expired' }
  const field = (name: string) => Object.entries(fields).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
  // As S3: every form field but these must be named by a condition.
  const named = new Set(doc.conditions.flatMap((c) => (Array.isArray(c) ? [String(c[1]).replace(/^\$/, '')] : Object.keys(c))).map((n) => n.toLowerCase()))
  const unnamed = Object.keys(fields).filter((k) => !['policy', 'x-amz-signature', 'file'].includes(k.toLowerCase()) && !k.toLowerCase().startsWith('x-ignore-') && !named.has(k.toLowerCase()))
  if (unnamed.length) return { refused: `fields without a condition: ${unnamed.join(', ')}` }
  for (const condition of doc.conditions) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition
      if (op === 'content-length-range') {
        if (!(fileLength >= Number(a) && fileLength <= Number(b))) return { refused: `content length ${fileLength} outside ${String(a)}–${String(b)}` }
      } else if (op === 'eq' || op === 'starts-with') {
        const value = String(a).startsWith('$') ? String(a) === '$bucket' ? bucket : field(String(a).slice(1)) : undefined
        if (value === undefined || (op === 'eq' ? value !== b : !value.startsWith(String(b)))) return { refused: `condition ${op} ${String(a)} not met` }
      } else return { refused: `unknown condition ${String(op)}` }
    } else {
      for (const [name, value] of Object.entries(condition)) {
        const actual = name === 'bucket' ? bucket : field(name)
        if (actual !== value) return { refused: `condition ${name} not met` }
      }
    }
  }
  const key = field('key')
  // Every field was named by a condition above, so the metadata is what the policy fixed.
  const metadata = Object.fromEntries(Object.entries(fields).filter(([k]) => k.toLowerCase().startsWith('x-amz-meta-')).map(([k, v]) => [k.slice('x-amz-meta-'.length).toLowerCase(), v]))
  return key ? { key, metadata } : { refused: 'no key' }
}

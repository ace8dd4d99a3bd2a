import { expect } from 'vitest'

/**
 * A parsed JSON body, read freely in assertions: a wrong path fails the assertion that reads it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's documents are asserted on, not typed
type Body = any

/** A client of the portal's HTTP API as the page uses it: sign in as a local account, then call with the token. */
export function portalClient(base: string) {
  const tokens = new Map<string, string>()
  async function signIn(account: string): Promise<string> {
    const cached = tokens.get(account)
    if (cached) return cached
    const r = await fetch(`${base}/api/local/sign-in`, { method: 'POST', body: JSON.stringify({ account }) })
    expect(r.status).toBe(200)
    const { token } = (await r.json()) as { token: string }
    tokens.set(account, token)
    return token
  }
  async function call(account: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; json: Body; bytes: Uint8Array; headers: Headers }> {
    const headers: Record<string, string> = {}
    if (account) headers['authorization'] = `Bearer ${await signIn(account)}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const r = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
    const bytes = new Uint8Array(await r.arrayBuffer())
    let json: Body
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'))
    } catch {
      json = undefined
    }
    return { status: r.status, json, bytes, headers: r.headers }
  }
  /** Sends a file through a presigned POST as a browser form does: the fields, then the file last. */
  async function postForm(slot: { url: string; fields: Record<string, string> }, file: Uint8Array | string, fieldOverrides: Record<string, string> = {}): Promise<Response> {
    const form = new FormData()
    for (const [k, v] of Object.entries({ ...slot.fields, ...fieldOverrides })) form.append(k, v)
    form.append('file', new Blob([typeof file === 'string' ? Buffer.from(file, 'utf8') : file]), 'upload')
    return fetch(slot.url, { method: 'POST', body: form })
  }
  return { signIn, call, get: (account: string | undefined, path: string) => call(account, 'GET', path), post: (account: string, path: string, body?: unknown) => call(account, 'POST', path, body), postForm }
}

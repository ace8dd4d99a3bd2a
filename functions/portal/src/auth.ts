/**
 * Sign-in. Locally: a picker of the local accounts (`va serve` prints them), whose token is kept
 * in sessionStorage. On AWS: the OpenID Connect issuer's hosted sign-in, authorization code with
 * PKCE (no client secret in a page), configured by /config.json served beside the page.
 */
export interface PortalConfig {
  /** The OIDC issuer; absent locally. */
  issuer?: string
  client_id?: string
  /** Where the API is; '' (same origin) by default. */
  api_base: string
}

const TOKEN = 'va-token'
const PKCE = 'va-pkce'

export async function loadConfig(): Promise<PortalConfig> {
  try {
    const res = await fetch('config.json', { cache: 'no-store' })
    if (res.ok) {
      const c = await res.json() as Partial<PortalConfig>
      const config: PortalConfig = { api_base: (c.api_base ?? '').replace(/\/$/, '') }
      if (c.issuer) config.issuer = c.issuer.replace(/\/$/, '')
      if (c.client_id) config.client_id = c.client_id
      return config
    }
  } catch {
    // No config: the local portal, same origin.
  }
  return { api_base: '' }
}

export function token(): string | undefined {
  return sessionStorage.getItem(TOKEN) ?? undefined
}

export function keepToken(value: string): void {
  sessionStorage.setItem(TOKEN, value)
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN)
}

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

interface Discovery {
  authorization_endpoint: string
  token_endpoint: string
  end_session_endpoint?: string
}

async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`)
  if (!res.ok) throw new Error(`OIDC discovery failed: HTTP ${res.status}`)
  return await res.json() as Discovery
}

function redirectUri(): string {
  return location.origin + location.pathname
}

/** Goes to the issuer's sign-in page (authorization code + PKCE, S256). */
export async function startOidcSignIn(config: PortalConfig): Promise<void> {
  if (!config.issuer || !config.client_id) throw new Error('config.json names no issuer and client_id')
  const { authorization_endpoint } = await discover(config.issuer)
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)))
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)))
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))))
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, hash: location.hash }))
  const url = new URL(authorization_endpoint)
  url.search = new URLSearchParams({
    response_type: 'code', client_id: config.client_id, redirect_uri: redirectUri(), scope: 'openid profile email',
    code_challenge: challenge, code_challenge_method: 'S256', state,
  }).toString()
  location.assign(url.toString())
}

/**
 * Back from the issuer with `?code=&state=`: trades the code for tokens and keeps the ID token
 * (it carries the county, city, province and admin claims the API's JWT authorizer reads).
 * Returns false when the URL holds no answer of the issuer.
 */
export async function finishOidcSignIn(config: PortalConfig): Promise<boolean> {
  const params = new URLSearchParams(location.search)
  const code = params.get('code')
  if (!code || !config.issuer || !config.client_id) return false
  const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? 'null') as { verifier: string; state: string; hash: string } | null
  sessionStorage.removeItem(PKCE)
  if (!saved || saved.state !== params.get('state')) throw new Error('the sign-in answer does not match the request (state)')
  const { token_endpoint } = await discover(config.issuer)
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), client_id: config.client_id, code_verifier: saved.verifier }),
  })
  if (!res.ok) throw new Error(`the token exchange failed: HTTP ${res.status}`)
  const tokens = await res.json() as { id_token?: string; access_token?: string }
  const value = tokens.id_token ?? tokens.access_token
  if (!value) throw new Error('the issuer returned no token')
  keepToken(value)
  history.replaceState(null, '', redirectUri() + saved.hash)
  return true
}

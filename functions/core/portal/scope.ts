import type { ActorClaims } from '../rectification/rectification-item.ts'

/**
 * Who may see and do what in the portal (contract/portal.md, "Who signs in"), decided from the
 * signed-in identity's claims only: nothing a request carries widens it. Claims arrive as the
 * issuer wrote them: `county` or Cognito's `custom:county`, and API Gateway's JWT authorizer
 * passes every claim on as a string (`"true"` for a boolean).
 */

export type Scope =
  | { role: 'clerk'; county: string }
  | { role: 'city'; city: string }
  | { role: 'province'; province: string; admin: boolean }

export interface Identity {
  subject: string
  name?: string
  email?: string
  scope: Scope
}

export type ScopeRefusal = { refused: 'no_subject' | 'no_scope' | 'ambiguous_scope' | 'bad_claim' }

const PATTERNS = { county: /^\d{6}$/, city: /^\d{4}$/, province: /^\d{2}$/ } as const

function claim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name] ?? claims[`custom:${name}`]
  if (value === undefined || value === null || value === '') return undefined
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '\u0000'
}

/**
 * The caller's scope. The most specific place claim wins when the others contain it (a clerk's
 * token may carry its city and province too); places that disagree, a malformed code, or
 * `admin` on anything but a province are refused rather than guessed at.
 */
export function identityFromClaims(claims: Record<string, unknown>): Identity | ScopeRefusal {
  const subject = claim(claims, 'sub')
  if (!subject || subject === '\u0000') return { refused: 'no_subject' }
  const places = { county: claim(claims, 'county'), city: claim(claims, 'city'), province: claim(claims, 'province') }
  for (const [kind, value] of Object.entries(places)) {
    if (value !== undefined && !PATTERNS[kind as keyof typeof PATTERNS].test(value)) return { refused: 'bad_claim' }
  }
  const adminText = claim(claims, 'admin')
  if (adminText !== undefined && adminText !== 'true' && adminText !== 'false') return { refused: 'bad_claim' }
  const admin = adminText === 'true'
  const { county, city, province } = places
  if (city && county && !county.startsWith(city)) return { refused: 'ambiguous_scope' }
  if (province && (county ?? city) && !(county ?? city)!.startsWith(province)) return { refused: 'ambiguous_scope' }
  let scope: Scope
  if (county) scope = { role: 'clerk', county }
  else if (city) scope = { role: 'city', city }
  else if (province) scope = { role: 'province', province, admin }
  else return { refused: 'no_scope' }
  if (admin && scope.role !== 'province') return { refused: 'ambiguous_scope' }
  const name = claim(claims, 'name')
  const email = claim(claims, 'email')
  return { subject, ...(name && name !== '\u0000' ? { name } : {}), ...(email && email !== '\u0000' ? { email } : {}), scope }
}

/** The place code a scope covers: every code that starts with it is inside. */
export function scopePrefix(scope: Scope): string {
  return scope.role === 'clerk' ? scope.county : scope.role === 'city' ? scope.city : scope.province
}

/** A county (6 digits) the caller may see. */
export function countyInScope(scope: Scope, county: string): boolean {
  return PATTERNS.county.test(county) && county.startsWith(scopePrefix(scope))
}

/**
 * A region roll-up (2, 4 or 9 digits: province, city, township) the caller may see: one inside
 * its scope. A clerk sees its county's townships; a city its city and townships; a province all.
 */
export function regionInScope(scope: Scope, code: string): boolean {
  return /^(\d{2}|\d{4}|\d{9})$/.test(code) && code.startsWith(scopePrefix(scope))
}

/** A city (4 digits) that overlaps the caller's scope: its own, or the one its county is in. */
export function cityOverlapsScope(scope: Scope, city: string): boolean {
  if (!PATTERNS.city.test(city)) return false
  const prefix = scopePrefix(scope)
  return city.startsWith(prefix) || prefix.startsWith(city)
}

export type UploadKind = 'upload' | 'registry' | 'targets'

/**
 * Who may ask for an upload slot: a clerk for its own county's files, a province admin for the
 * registry, a city official or a province admin for targets (portal.md).
 */
export function mayUpload(scope: Scope, kind: UploadKind, county?: string): boolean {
  switch (kind) {
    case 'upload':
      return scope.role === 'clerk' && county === scope.county
    case 'registry':
      return scope.role === 'province' && scope.admin
    case 'targets':
      return scope.role === 'city' || (scope.role === 'province' && scope.admin)
  }
}

/** Run, publish and unlock an appraisal: the province admin only. */
export function mayAdminister(scope: Scope): boolean {
  return scope.role === 'province' && scope.admin
}

/**
 * The name a lock history records: the signed-in identity as the issuer names it, with its
 * subject so that two people of one name stay apart. Never a name typed into the page.
 */
export function recordedName(identity: Identity): string {
  const shown = identity.name ?? identity.email
  return shown ? `${shown} (${identity.subject})` : identity.subject
}

/**
 * The claims the rectification rules read (core/rectification), from the verified scope: who
 * acts is the signed-in identity as the lock history names it, never a name a request carries.
 */
export function rectificationActor(identity: Identity): ActorClaims {
  const s = identity.scope
  const subject = recordedName(identity)
  if (s.role === 'clerk') return { subject, county: s.county, admin: false }
  if (s.role === 'city') return { subject, city: s.city, admin: false }
  return { subject, province: s.province, admin: s.admin }
}

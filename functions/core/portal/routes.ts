import { PORTAL_ROUTES } from '../../../schemas/portal-routes.ts'

/**
 * The portal's HTTP API routes (contract/portal.md), matched on method and path. Pure: the
 * Lambda handler (API Gateway HTTP API) and the local server match the same table.
 */

export const ROUTES = PORTAL_ROUTES

export type RouteName = keyof typeof ROUTES

export interface RouteMatch {
  route: RouteName
  params: Record<string, string>
}

const compiled = Object.entries(ROUTES).map(([route, [method, pattern]]) => {
  const names: string[] = []
  const source = pattern.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name)
    return '([^/]+)'
  })
  return { route: route as RouteName, method, re: new RegExp(`^${source}/?$`), names }
})

/** The route of a request, its path parameters decoded; `undefined` when none matches (404). */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const r of compiled) {
    if (r.method !== method.toUpperCase()) continue
    const m = r.re.exec(path)
    if (!m) continue
    try {
      return { route: r.route, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) }
    } catch {
      return undefined
    }
  }
  return undefined
}

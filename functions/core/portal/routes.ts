/**
 * The portal's HTTP API routes (contract/portal.md), matched on method and path. Pure: the
 * Lambda handler (API Gateway HTTP API) and the local server match the same table.
 */

export const ROUTES = {
  me: ['GET', '/api/me'],
  uploadSlot: ['POST', '/api/uploads'],
  submissions: ['GET', '/api/submissions'],
  submissionReport: ['GET', '/api/submissions/report'],
  file: ['GET', '/api/files'],
  appraisal: ['GET', '/api/appraisals/{period}'],
  countyHistory: ['GET', '/api/appraisals'],
  region: ['GET', '/api/regions/{code}/{period}'],
  lock: ['GET', '/api/appraisals/{period}/lock'],
  run: ['POST', '/api/appraisals/{period}/run'],
  publish: ['POST', '/api/appraisals/{period}/publish'],
  unlock: ['POST', '/api/appraisals/{period}/unlock'],
  template: ['GET', '/api/templates/{dataset}'],
} as const satisfies Record<string, readonly [string, string]>

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

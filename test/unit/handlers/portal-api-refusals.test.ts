import { Logger } from '@aws-lambda-powertools/logger'
import { describe, expect, it, vi } from 'vitest'
import type { RectificationItem } from '../../../functions/core/rectification/rectification-item.ts'
import { createPortalApiHandler } from '../../../functions/handlers/portal-api.ts'
import { httpApiEvent, localContext } from '../../../functions/local/aws-events.ts'
import type { PortalDeps } from '../../../functions/use-cases/portal-api.ts'
import { MemoryFiles, MemoryObjectStore, MemoryRectifications } from '../../support/fake-ports.ts'

// The portal API's refusals on the rectification routes, at the Lambda handler: the status and
// the core's code in the body, and a 403 logged with the route, the role and the code only —
// never the subject, the name, or anything the request carried.

const ID = '511921-0123456789ab'
const closed: RectificationItem = {
  item_id: ID, county: '511921', source: 'inspection', problem: 'inspection', opened_in: '2024Q2', title: '危房', due: '2024-09-30', status: 'closed', recurring: false,
  history: [{ at: '2024-05-01T00:00:00.000Z', by: 'x', action: 'opened' }],
}

async function handlerWith() {
  const rectifications = new MemoryRectifications()
  await rectifications.put(closed)
  const deps = { rectifications, store: new MemoryObjectStore(new MemoryFiles()), buckets: { ingest: 'ingest', lake: 'lake' } } as unknown as PortalDeps
  const logger = new Logger({ serviceName: 'portal-api', logLevel: 'SILENT' })
  const warn = vi.spyOn(logger, 'warn')
  const handler = createPortalApiHandler({ deps: () => deps, logger, now: () => new Date('2024-08-01T00:00:00Z') })
  const call = async (path: string, claims: Record<string, string>, body: unknown) =>
    (await handler(httpApiEvent({ method: 'POST', url: new URL(`http://api${path}`), body: Buffer.from(JSON.stringify(body)), claims }), localContext('portal-api')))
  return { call, warn }
}

describe('the portal API refusing a rectification change', () => {
  it.each([
    ['a clerk of another county responding', `/api/rectification/items/${ID}/respond`, { sub: 'clerk-511922', name: '张三', county: '511922' }, 403, 'out_of_scope', 'rectificationRespond', 'clerk'],
    ['an official of another city verifying', `/api/rectification/items/${ID}/verify`, { sub: 'city-5120', name: '张三', city: '5120' }, 403, 'out_of_scope', 'rectificationVerify', 'city'],
    ['the county\'s clerk verifying', `/api/rectification/items/${ID}/verify`, { sub: 'clerk-511921', name: '张三', county: '511921' }, 403, 'not_allowed', 'rectificationVerify', 'clerk'],
    ['an official closing a closed item', `/api/rectification/items/${ID}/verify`, { sub: 'city-5119', name: '张三', city: '5119' }, 409, 'wrong_status', undefined, undefined],
  ] as const)('%s: answers %s with the code, logs a 403 without who asked', async (_who, path, claims, status, code, route, role) => {
    const { call, warn } = await handlerWith()
    const r = await call(path, claims, { action: 'close', text: '已改', by: '李四' })
    expect(r.statusCode).toBe(status)
    expect(JSON.parse(r.body!)).toEqual({ error: { code, message: { zh: expect.any(String), en: expect.any(String) } } })
    if (status === 403) {
      expect(warn.mock.calls).toEqual([['request refused', { route, role, code }]])
      expect(JSON.stringify(warn.mock.calls)).not.toMatch(/张三|李四|clerk-|city-/)
    } else expect(warn).not.toHaveBeenCalled()
  })
})

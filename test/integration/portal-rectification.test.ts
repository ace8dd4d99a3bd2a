import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planProvince, registryCsv, type ProvincePlan } from '../../functions/demo/generate.ts'
import { LOCAL_NAMES } from '../../functions/local/emulators.ts'
import { startLocalPortal, type LocalPortal } from '../../functions/local/portal-server.ts'
import { portalClient } from '../support/portal-client.ts'

/**
 * The rectification routes of the portal's API (contract/rectification.md, portal.md page 4)
 * against the real emulators, through the local server and locally issued tokens: an official
 * opens an inspection, the county's clerk responds with an evidence file sent by presigned POST,
 * the official closes and reopens; every refusal is the role's or the status's.
 */

let home: string
let portal: LocalPortal
let api: ReturnType<typeof portalClient>
let plan: ProvincePlan
let cityA: string
let cityB: string
let countyA1: string
let countyB: string
let itemId: string

const PDF = '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n'
const clerkA1 = () => `clerk-${countyA1}`
const clerkB = () => `clerk-${countyB}`
const cityOfficial = () => `city-${cityA}`
const admin = 'admin-52'

/** A signed-in official of the other city: not a local account, a token the local issuer signs as the IdP would. */
async function asOtherCity(method: string, path: string, body?: unknown) {
  const token = portal.issuer.issue({ sub: `city-${cityB}`, name: '另一市审核员', city: cityB }, new Date())
  const r = await fetch(`${portal.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })
  return { status: r.status, json: await r.json() as { error: { code: string; message: { zh: string; en: string } } } }
}

async function recordedNameOf(account: string): Promise<string> {
  const me = await api.get(account, '/api/me')
  return `${me.json.name as string} (${account})`
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'va-portal-rect-'))
  plan = planProvince({ seed: 7, province: '52', townshipsPerCounty: 1, villagesPerTownship: 1 })
  ;[cityA, cityB] = plan.cities.map((c) => c.code).sort() as [string, string]
  countyA1 = plan.counties.filter((c) => c.city === cityA).map((c) => c.code).sort()[0]!
  countyB = plan.counties.find((c) => c.city === cityB)!.code
  portal = await startLocalPortal({ home, inMemoryDynamo: true, staticDir: join(home, 'no-page') })
  const verdict = portal.pipeline.verdictFor('registry/org_units/registry.csv')
  await portal.pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: 'registry/org_units/registry.csv', Body: registryCsv(plan) }))
  expect((await verdict).report.status).toBe('accepted')
  api = portalClient(portal.url)
}, 120_000)

afterAll(async () => {
  await portal?.close()
  await rm(home, { recursive: true, force: true })
})

describe('opening an inspection item', () => {
  it('is for city and province officials, for counties in their scope; the clerk of the county then sees it', async () => {
    const refusedClerk = await api.post(clerkA1(), '/api/rectification/items', { county: countyA1, title: '自查' })
    expect([refusedClerk.status, refusedClerk.json.error.code]).toEqual([403, 'not_allowed'])
    expect((await api.post(cityOfficial(), '/api/rectification/items', { county: countyB, title: '越权' })).json.error.code).toBe('out_of_scope')
    expect((await api.post(cityOfficial(), '/api/rectification/items', { county: countyA1, title: ' ' })).json.error.code).toBe('text_required')

    const opened = await api.post(cityOfficial(), '/api/rectification/items', { county: countyA1, title: '走访发现危房未改造', detail: '两户', due: '2031-03-31', by: '张三' })
    expect(opened.status).toBe(200)
    itemId = opened.json.item_id
    expect(itemId).toMatch(new RegExp(`^${countyA1}-[0-9a-f]{12}$`))
    expect(opened.json).toMatchObject({ county: countyA1, source: 'inspection', problem: 'inspection', title: '走访发现危房未改造', detail: '两户', due: '2031-03-31', status: 'open', recurring: false, overdue: false })
    expect(opened.json.history).toEqual([{ at: expect.any(String), by: await recordedNameOf(cityOfficial()), action: 'opened', text: '两户' }])

    const withDefault = await api.post(admin, '/api/rectification/items', { county: countyB, title: '热线投诉' })
    expect(withDefault.status).toBe(200)
    expect(withDefault.json.due).toMatch(/^\d{4}-(03-31|06-30|09-30|12-31)$/)

    const mine = await api.get(clerkA1(), '/api/rectification/items')
    expect(mine.status).toBe(200)
    expect(mine.json.items.map((i: { item_id: string }) => i.item_id)).toEqual([itemId])
    const city = await api.get(cityOfficial(), '/api/rectification/items')
    expect(city.json.items.map((i: { county: string }) => i.county)).toEqual([countyA1])
    const province = await api.get(admin, '/api/rectification/items?status=open')
    expect(province.json.items.map((i: { county: string }) => i.county).sort()).toEqual([countyA1, countyB].sort())
    const byQuarter = await api.get(admin, `/api/rectification/items?period=${opened.json.opened_in as string}&city=${cityB}`)
    expect(byQuarter.json.items.map((i: { county: string }) => i.county)).toEqual([countyB])
  })

  it('is out of reach of another county\'s clerk: the list, the item and a list by county answer 403', async () => {
    expect((await api.get(clerkB(), `/api/rectification/items/${itemId}`)).status).toBe(403)
    expect((await api.get(clerkB(), `/api/rectification/items?county=${countyA1}`)).status).toBe(403)
    expect((await api.get(clerkB(), `/api/rectification/items?city=${cityA}`)).status).toBe(403)
    expect((await api.get(clerkB(), '/api/rectification/items')).json.items.map((i: { county: string }) => i.county)).toEqual([countyB])
    expect((await api.get(clerkA1(), '/api/rectification/items?status=nothing')).status).toBe(400)
    expect((await api.get(clerkA1(), `/api/rectification/items/${countyA1}-000000000000`)).status).toBe(404)
  })
})

describe('responding', () => {
  it('is refused to a clerk of another county, to an official of another city and to the county\'s own city official', async () => {
    const otherClerk = await api.post(clerkB(), `/api/rectification/items/${itemId}/respond`, { text: '已整改' })
    expect([otherClerk.status, otherClerk.json.error.code]).toEqual([403, 'out_of_scope'])
    const otherCity = await asOtherCity('POST', `/api/rectification/items/${itemId}/respond`, { text: '已整改' })
    expect([otherCity.status, otherCity.json.error.code]).toEqual([403, 'out_of_scope'])
    const ownCity = await api.post(cityOfficial(), `/api/rectification/items/${itemId}/respond`, { text: '已整改' })
    expect(ownCity.status).toBe(403)
    expect(ownCity.json).toEqual({ error: { code: 'not_allowed', message: { zh: expect.stringContaining('县级填报员'), en: `only a clerk of county ${countyA1} responds to its items` } } })
    expect((await api.post(clerkB(), `/api/rectification/items/${itemId}/evidence`, { file_name: 'a.pdf', size: 10, content_type: 'application/pdf' })).status).toBe(403)
    expect((await api.get(clerkA1(), `/api/rectification/items/${itemId}`)).json.status).toBe('open')
  })

  it('takes the clerk\'s text and a PDF sent by presigned POST, and the history names the signed-in account, not the name the body sends', async () => {
    expect((await api.post(clerkA1(), `/api/rectification/items/${itemId}/evidence`, { file_name: 'a.exe', size: 10, content_type: 'application/x-msdownload' })).status).toBe(400)
    expect((await api.post(clerkA1(), `/api/rectification/items/${itemId}/evidence`, { file_name: 'a.pdf', size: 20 * 1024 * 1024 + 1, content_type: 'application/pdf' })).json.error.code).toBe('file_too_large')

    const slot = await api.post(clerkA1(), `/api/rectification/items/${itemId}/evidence`, { file_name: '整改照片.pdf', size: PDF.length, content_type: 'application/pdf' })
    expect(slot.status).toBe(200)
    expect(slot.json.key).toBe(`rectification/${countyA1}/${itemId}/整改照片.pdf`)
    const policy = JSON.parse(Buffer.from(slot.json.fields.Policy as string, 'base64').toString('utf8')) as { conditions: unknown[] }
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 20 * 1024 * 1024])
    expect(policy.conditions).toContainEqual({ 'Content-Type': 'application/pdf' })
    // The slot's policy holds: another content type or another key is refused.
    expect((await api.postForm(slot.json, PDF, { 'Content-Type': 'text/html' })).status).toBe(403)
    expect((await api.postForm(slot.json, PDF, { key: `rectification/${countyB}/${itemId}/x.pdf` })).status).toBe(403)
    expect((await api.postForm(slot.json, PDF)).status).toBe(204)

    expect((await api.post(clerkA1(), `/api/rectification/items/${itemId}/respond`, { text: '已整改', file: `rectification/${countyA1}/${itemId}/none.pdf` })).json.error.code).toBe('evidence_missing')
    expect((await api.post(clerkA1(), `/api/rectification/items/${itemId}/respond`, { text: '已整改', file: `reports/x.pdf` })).json.error.code).toBe('evidence_not_here')
    const responded = await api.post(clerkA1(), `/api/rectification/items/${itemId}/respond`, { text: '两户已完成改造', file: slot.json.key, by: '李四' })
    expect(responded.status).toBe(200)
    expect(responded.json.status).toBe('responded')
    expect(responded.json.history.at(-1)).toEqual({ at: expect.any(String), by: await recordedNameOf(clerkA1()), action: 'responded', text: '两户已完成改造', file: slot.json.key })

    // Anyone who sees the item downloads the evidence by a presigned GET; another county's clerk does not.
    const link = await api.get(cityOfficial(), `/api/files?key=${encodeURIComponent(slot.json.key as string)}`)
    expect(link.status).toBe(200)
    const download = await fetch(link.json.url)
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer()).toString('latin1')).toBe(PDF)
    expect((await api.get(clerkB(), `/api/files?key=${encodeURIComponent(slot.json.key as string)}`)).status).toBe(403)
  })
})

describe('verifying', () => {
  it('is refused to the clerk; the official closes once (again is 409) and reopens with a reason only', async () => {
    const byClerk = await api.post(clerkA1(), `/api/rectification/items/${itemId}/verify`, { action: 'close' })
    expect([byClerk.status, byClerk.json.error.code]).toEqual([403, 'not_allowed'])
    expect((await asOtherCity('POST', `/api/rectification/items/${itemId}/verify`, { action: 'close' })).status).toBe(403)

    const closed = await api.post(cityOfficial(), `/api/rectification/items/${itemId}/verify`, { action: 'close', by: '王五' })
    expect(closed.status).toBe(200)
    expect(closed.json.status).toBe('closed')
    const again = await api.post(admin, `/api/rectification/items/${itemId}/verify`, { action: 'close' })
    expect(again.status).toBe(409)
    expect(again.json).toEqual({ error: { code: 'wrong_status', message: { zh: expect.any(String), en: `item ${itemId} is closed: only a responded item can be closed` } } })

    expect((await api.post(admin, `/api/rectification/items/${itemId}/verify`, { action: 'reopen', reason: '  ' })).json.error.code).toBe('reason_required')
    const reopened = await api.post(admin, `/api/rectification/items/${itemId}/verify`, { action: 'reopen', reason: '回头看发现仍有一户未改' })
    expect(reopened.status).toBe(200)
    const item = await api.get(clerkA1(), `/api/rectification/items/${itemId}`)
    expect(item.json.status).toBe('open')
    expect(item.json.history.map((h: { action: string; by: string; reason?: string }) => [h.action, h.by, h.reason])).toEqual([
      ['opened', await recordedNameOf(cityOfficial()), undefined],
      ['responded', await recordedNameOf(clerkA1()), undefined],
      ['closed', await recordedNameOf(cityOfficial()), undefined],
      ['reopened', await recordedNameOf(admin), '回头看发现仍有一户未改'],
    ])
    expect((await api.get(cityOfficial(), '/api/rectification/items?status=closed')).json.items).toEqual([])
  })
})

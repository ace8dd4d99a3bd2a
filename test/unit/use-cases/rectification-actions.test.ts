import { describe, expect, it } from 'vitest'
import type { ActorClaims, RectificationItem } from '../../../functions/core/rectification/rectification-item.ts'
import type { Presigner } from '../../../functions/use-cases/ports.ts'
import {
  actOnItem, evidenceSlot, listItems, openItem, respondWithFile, respondWithKey,
} from '../../../functions/use-cases/rectification-actions.ts'
import { MemoryFiles, MemoryObjectStore, MemoryRectifications } from '../../support/fake-ports.ts'

// The orchestration behind `va rectification` and the portal API, over in-memory ports: reads by
// place and quarter, writes at the version read, evidence slots only for who may respond now.

const AT = new Date('2024-05-10T02:00:00Z')
const clerk: ActorClaims = { subject: 'clerk-511921', county: '511921', admin: false }
const otherClerk: ActorClaims = { subject: 'clerk-511922', county: '511922', admin: false }
const city: ActorClaims = { subject: '市级 (city-5119)', city: '5119', admin: false }

function item(id: string, over: Partial<RectificationItem> = {}): RectificationItem {
  return {
    item_id: id, county: id.slice(0, 6), source: 'inspection', problem: 'inspection', opened_in: '2024Q1', title: 't', due: '2024-06-30',
    status: 'open', recurring: false, history: [{ at: '2024-01-10T00:00:00.000Z', by: 'x', action: 'opened' }], ...over,
  }
}

async function seeded() {
  const items = new MemoryRectifications()
  for (const i of [item('511921-000000000001'), item('511921-000000000002', { status: 'closed' }), item('511922-000000000003', { opened_in: '2024Q2' }), item('520102-000000000004')]) {
    await items.put(i)
  }
  return items
}

function recordingPresigner() {
  const calls: unknown[] = []
  const presigner: Presigner = {
    async post(bucket, key, options) {
      calls.push({ bucket, key, options })
      return { url: `http://s3/${bucket}/`, fields: { key } }
    },
    async get(bucket, key) {
      return `http://s3/${bucket}/${key}`
    },
  }
  return { presigner, calls }
}

describe('listItems', () => {
  it.each([
    ['a county', { county: '511921' }, {}, ['511921-000000000001', '511921-000000000002']],
    ['a city', { region: '5119' }, {}, ['511921-000000000001', '511921-000000000002', '511922-000000000003']],
    ['a province, open only', { region: '51' }, { status: 'open' as const }, ['511921-000000000001', '511922-000000000003']],
    ['a city by quarter', { region: '5119' }, { period: '2024Q2' }, ['511922-000000000003']],
    ['a county by quarter', { county: '511921' }, { period: '2024Q2' }, []],
  ])('reads %s', async (_what, scope, filter, ids) => {
    expect((await listItems(await seeded(), scope, filter, AT)).map((i) => i.item_id)).toEqual(ids)
  })

  it('marks overdue from the day after due (Asia/Shanghai) and drops the storage version', async () => {
    const [listed] = await listItems(await seeded(), { county: '511921' }, { status: 'open' }, new Date('2024-06-30T16:00:00Z'))
    expect(listed).toEqual({ ...item('511921-000000000001'), overdue: true })
    expect((await listItems(await seeded(), { county: '511921' }, { status: 'open' }, new Date('2024-06-30T15:59:59Z')))[0]!.overdue).toBe(false)
  })
})

describe('actOnItem', () => {
  it('reads again and keeps both history entries when another writer came in between', async () => {
    const items = await seeded()
    const id = '511921-000000000001'
    const original = items.put.bind(items)
    let raced = false
    items.put = async (next, version) => {
      if (!raced && version !== undefined) {
        raced = true
        const current = (await items.get(id))!
        const { version: v, ...rest } = current
        await original({ ...rest, history: [...rest.history, { at: AT.toISOString(), by: 'other', action: 'responded', text: 'first' }], status: 'responded' }, v)
      }
      return original(next, version)
    }
    const outcome = await actOnItem(items, id, { kind: 'respond', text: 'second' }, () => clerk, AT)
    expect(outcome.ok).toBe(true)
    expect((await items.get(id))!.history.map((h) => [h.by, h.text])).toEqual([['x', undefined], ['other', 'first'], ['clerk-511921', 'second']])
  })

  it('answers not_found for an unknown item and the core\'s refusal for the wrong role', async () => {
    expect(await actOnItem(await seeded(), '511921-0000000000ff', { kind: 'close' }, () => city, AT)).toEqual({ ok: false, code: 'not_found', reason: 'no item 511921-0000000000ff' })
    expect(await actOnItem(await seeded(), '511921-000000000001', { kind: 'close' }, () => clerk, AT)).toMatchObject({ ok: false, code: 'not_allowed' })
  })
})

describe('openItem', () => {
  it('stores the inspection an official opens, named by the actor', async () => {
    const items = new MemoryRectifications()
    const outcome = await openItem(items, { county: '511921', title: '危房' }, city, AT)
    if (!outcome.ok) throw new Error(outcome.reason)
    expect(outcome.item).toMatchObject({ county: '511921', opened_in: '2024Q2', due: '2024-09-30', history: [{ by: '市级 (city-5119)', action: 'opened' }] })
    expect(await items.get(outcome.item.item_id)).toEqual({ ...outcome.item, version: 1 })
    expect(await openItem(items, { county: '511921', title: '危房' }, clerk, AT)).toMatchObject({ ok: false, code: 'not_allowed' })
  })
})

describe('evidence', () => {
  const deps = async () => ({ items: await seeded(), store: new MemoryObjectStore(new MemoryFiles()), lakeBucket: 'lake' })
  const request = { fileName: 'a/b\\整改.pdf', contentType: 'application/pdf', maxBytes: 20 * 1024 * 1024, expiresInSeconds: 900 }

  it('signs a slot under the item\'s prefix, 1 byte to the limit, with the content type fixed, for the county\'s clerk only', async () => {
    const { presigner, calls } = recordingPresigner()
    const d = { ...(await deps()), presigner }
    const slot = await evidenceSlot(d, '511921-000000000001', request, clerk, AT)
    expect(slot).toEqual({ ok: true, key: 'rectification/511921/511921-000000000001/整改.pdf', post: { url: 'http://s3/lake/', fields: { key: 'rectification/511921/511921-000000000001/整改.pdf' } } })
    expect(calls).toEqual([{ bucket: 'lake', key: 'rectification/511921/511921-000000000001/整改.pdf', options: { contentLength: [1, 20 * 1024 * 1024], contentType: 'application/pdf', expiresInSeconds: 900, now: AT } }])
    expect(await evidenceSlot(d, '511921-000000000001', request, otherClerk, AT)).toMatchObject({ ok: false, code: 'not_allowed' })
    expect(await evidenceSlot(d, '511921-000000000002', request, clerk, AT)).toMatchObject({ ok: false, code: 'wrong_status' })
    expect(calls).toHaveLength(1)
  })

  it('takes a response naming only an uploaded key under the item\'s own prefix', async () => {
    const d = await deps()
    const id = '511921-000000000001'
    expect(await respondWithKey(d, id, '已改', `rectification/511922/${id}/a.pdf`, clerk, AT)).toMatchObject({ ok: false, code: 'evidence_not_here' })
    expect(await respondWithKey(d, id, '已改', `rectification/511921/${id}/x/a.pdf`, clerk, AT)).toMatchObject({ ok: false, code: 'evidence_not_here' })
    expect(await respondWithKey(d, id, '已改', `rectification/511921/${id}/a.pdf`, clerk, AT)).toMatchObject({ ok: false, code: 'evidence_missing' })
    await d.store.put('lake', `rectification/511921/${id}/a.pdf`, '%PDF-')
    const outcome = await respondWithKey(d, id, '已改', `rectification/511921/${id}/a.pdf`, clerk, AT)
    expect(outcome).toMatchObject({ ok: true, item: { status: 'responded' } })
    expect((await d.items.get(id))!.history.at(-1)).toEqual({ at: AT.toISOString(), by: 'clerk-511921', action: 'responded', text: '已改', file: `rectification/511921/${id}/a.pdf` })
  })

  it('puts the CLI\'s file before the response that names it', async () => {
    const d = await deps()
    const id = '511921-000000000001'
    const outcome = await respondWithFile(d, id, '已改', { name: '照片.png', bytes: new Uint8Array([0x89, 0x50]), contentType: 'image/png' }, () => clerk, AT)
    expect(outcome).toMatchObject({ ok: true })
    expect(await d.store.exists('lake', `rectification/511921/${id}/照片.png`)).toBe(true)
  })
})

import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoAppraisalStore } from '../../../functions/adapters/dynamo-appraisal-store.ts'
import { DynamoRectificationStore } from '../../../functions/adapters/dynamo-rectification-store.ts'
import { documentClient } from '../../../functions/adapters/dynamo-submission-ledger.ts'
import type { RectificationItem } from '../../../functions/core/rectification/rectification-item.ts'
import { LOCAL_NAMES, startDynamoEmulator, type DynamoEmulator } from '../../../functions/local/emulators.ts'
import type { RectificationStore } from '../../../functions/use-cases/ports.ts'
import { MemoryRectifications } from '../../support/fake-ports.ts'

let dynamo: DynamoEmulator
let dynamoStore: DynamoRectificationStore

beforeAll(async () => {
  dynamo = await startDynamoEmulator()
  dynamoStore = new DynamoRectificationStore(documentClient(dynamo.client), LOCAL_NAMES.appraisalsTable)
})
afterAll(async () => {
  await dynamo.close()
})

const item = (county: string, id: string, opened_in: string, extra: Partial<RectificationItem> = {}): RectificationItem => ({
  item_id: `${county}-${id}`, county, source: 'data_quality', problem: 'late', opened_in, due: '2024-09-30', status: 'open', recurring: false,
  history: [{ at: '2024-07-15T00:00:00.000Z', by: 'alice', action: 'opened' }], ...extra,
})

// The DynamoDB adapter on the emulator and the tests' memory fake keep the same promises.
describe.each([
  ['DynamoDB (emulator)', () => dynamoStore],
  ['memory fake', () => new MemoryRectifications()],
] as const)('RectificationStore: %s', (_name, make) => {
  let store: RectificationStore
  beforeAll(() => {
    store = make()
  })

  it('creates once: a second create of the same id is a conflict', async () => {
    expect(await store.put(item('522226', 'a1', '2024Q2'))).toBe('written')
    expect(await store.put(item('522226', 'a1', '2024Q2', { status: 'withdrawn' }))).toBe('conflict')
    expect(await store.get('522226-a1')).toEqual({ ...item('522226', 'a1', '2024Q2'), version: 1 })
  })

  it('replaces only the version read, so two writers cannot lose a history entry', async () => {
    const read = (await store.get('522226-a1'))!
    const { version, ...first } = read
    const mine = { ...first, status: 'responded' as const, history: [...first.history, { at: '2024-08-01T00:00:00.000Z', by: 'clerk', action: 'responded' as const, text: 'done' }] }
    const theirs = { ...first, status: 'withdrawn' as const, history: [...first.history, { at: '2024-08-01T00:00:01.000Z', by: 'bob', action: 'withdrawn' as const }] }
    expect(await store.put(mine, version)).toBe('written')
    expect(await store.put(theirs, version)).toBe('conflict')
    expect(await store.get('522226-a1')).toEqual({ ...mine, version: 2 })
  })

  it('reads by county and by the quarter that opened the items', async () => {
    await store.put(item('522226', 'b2', '2024Q3'))
    await store.put(item('522227', 'c3', '2024Q2', { villages: ['522227100001'], indicator: 'dropouts', source: 'red_flag', problem: 'red_flag' }))
    expect((await store.byCounty('522226')).map((i) => [i.item_id, i.version])).toEqual([['522226-a1', 2], ['522226-b2', 1]])
    expect((await store.byQuarter('2024Q2')).map((i) => i.item_id)).toEqual(['522226-a1', '522227-c3'])
    expect(await store.byQuarter('2024Q2')).toContainEqual({ ...item('522227', 'c3', '2024Q2', { villages: ['522227100001'], indicator: 'dropouts', source: 'red_flag', problem: 'red_flag' }), version: 1 })
    expect(await store.byQuarter('2023Q4')).toEqual([])
    expect((await store.byRegion('52')).map((i) => i.item_id)).toEqual(['522226-a1', '522226-b2', '522227-c3'])
    expect((await store.byRegion('5222')).map((i) => i.item_id)).toEqual(['522226-a1', '522226-b2', '522227-c3'])
    await store.put(item('520621', 'd4', '2024Q2'))
    expect((await store.byRegion('5206')).map((i) => i.item_id)).toEqual(['520621-d4'])
    expect((await store.byRegion('53')).map((i) => i.item_id)).toEqual([])
    expect(await store.get('522299-zz')).toBeUndefined()
    expect(await store.get('not-an-id')).toBeUndefined()
  })
})

describe('DynamoRectificationStore in the appraisals table', () => {
  it('stays out of the appraisals\' by-county index', async () => {
    expect(await new DynamoAppraisalStore(documentClient(dynamo.client), LOCAL_NAMES.appraisalsTable).byCounty('522226')).toEqual([])
    const r = await documentClient(dynamo.client).send(new QueryCommand({ TableName: LOCAL_NAMES.appraisalsTable, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'RECT#522226' } }))
    expect(r.Items?.map((i) => [i['sk'], i['version'], i['county']])).toEqual([['522226-a1', 2, undefined], ['522226-b2', 1, undefined]])
  })
})

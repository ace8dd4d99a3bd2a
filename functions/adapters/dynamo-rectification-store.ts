import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { countyOf, type RectificationItem } from '../core/rectification/rectification-item.ts'
import { StorageError } from '../core/errors.ts'
import type { RectificationStore, StoredRectificationItem } from '../use-cases/ports.ts'

/**
 * Rectification items in the `appraisals` table, without a new index: one partition per county
 * (`RECT#<county>`, sort key the item id) holds the items, and one partition per quarter
 * (`RECTQ#<opened_in>`, sort key the item id) holds a pointer to each item the quarter opened,
 * so both reads are Queries. An item's id begins with its county, so a pointer is all it takes
 * to find the item; so does one partition per province (`RECTP#<province>`), whose sort keys
 * begin with the county, so a city's items are a `begins_with` Query. Pointers are written
 * before the item, idempotently: a crash between leaves a pointer to nothing, which reads skip
 * and the next write completes.
 *
 * The item lives under the attribute `body`, never as top-level `county` or `period`, which
 * would put it into the appraisals' `by-county` index.
 */
export class DynamoRectificationStore implements RectificationStore {
  constructor(private readonly db: DynamoDBDocumentClient, private readonly table: string) {}

  async put(item: RectificationItem, expectedVersion?: number): Promise<'written' | 'conflict'> {
    await this.send('Put', new PutCommand({ TableName: this.table, Item: { pk: `RECTQ#${item.opened_in}`, sk: item.item_id, kind: 'rectification-pointer' } }))
    await this.send('Put', new PutCommand({ TableName: this.table, Item: { pk: `RECTP#${item.county.slice(0, 2)}`, sk: item.item_id, kind: 'rectification-pointer' } }))
    const version = (expectedVersion ?? 0) + 1
    try {
      await this.send('Put', new PutCommand({
        TableName: this.table,
        Item: { pk: `RECT#${item.county}`, sk: item.item_id, kind: 'rectification', version, body: item },
        ...(expectedVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
      }))
      return 'written'
    } catch (e) {
      if (e instanceof StorageError && e.cause instanceof ConditionalCheckFailedException) return 'conflict'
      throw e
    }
  }

  async get(itemId: string): Promise<StoredRectificationItem | undefined> {
    const county = countyOf(itemId)
    if (!county) return undefined
    const r = (await this.send('Get', new GetCommand({ TableName: this.table, Key: { pk: `RECT#${county}`, sk: itemId }, ConsistentRead: true }))) as { Item?: Record<string, unknown> }
    return r.Item ? stored(r.Item) : undefined
  }

  async byCounty(county: string): Promise<StoredRectificationItem[]> {
    return (await this.queryAll(`RECT#${county}`)).map(stored)
  }

  async byQuarter(period: string): Promise<StoredRectificationItem[]> {
    return this.pointed(await this.queryAll(`RECTQ#${period}`))
  }

  async byRegion(code: string): Promise<StoredRectificationItem[]> {
    return this.pointed(await this.queryAll(`RECTP#${code.slice(0, 2)}`, code))
  }

  /** The items the pointers name, by id; a pointer to nothing (a crash between writes) is skipped. */
  private async pointed(pointers: Record<string, unknown>[]): Promise<StoredRectificationItem[]> {
    const keys = pointers.map((p) => String(p['sk'])).flatMap((id) => {
      const county = countyOf(id)
      return county ? [{ pk: `RECT#${county}`, sk: id }] : []
    })
    // GetItem, 16 at a time: the aggregate function's role has no BatchGetItem, and a quarter
    // opens a few items per county.
    const out: StoredRectificationItem[] = []
    for (let i = 0; i < keys.length; i += 16) {
      const got = await Promise.all(keys.slice(i, i + 16).map((Key) => this.send('Get', new GetCommand({ TableName: this.table, Key, ConsistentRead: true }))))
      for (const r of got as { Item?: Record<string, unknown> }[]) if (r.Item) out.push(stored(r.Item))
    }
    return out.sort((a, b) => (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0))
  }

  private async queryAll(pk: string, skPrefix?: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = []
    let start: Record<string, unknown> | undefined
    const condition = skPrefix === undefined
      ? { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }
      : { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix } }
    do {
      const r = (await this.send('Query', new QueryCommand({ TableName: this.table, ...condition, ConsistentRead: true, ExclusiveStartKey: start }))) as QueryOutput
      out.push(...(r.Items ?? []))
      start = r.LastEvaluatedKey
    } while (start)
    return out
  }

  /** Every call names its operation, table and key when it fails; the SDK's error is the cause. */
  private async send(operation: string, command: { input: object }): Promise<unknown> {
    try {
      return await this.db.send(command as never)
    } catch (cause) {
      const input = command.input as { Item?: Record<string, unknown>; Key?: Record<string, unknown>; ExpressionAttributeValues?: Record<string, unknown> }
      const key = input.Item ?? input.Key
      const where = key ? `${String(key['pk'])} ${String(key['sk'])}` : String(input.ExpressionAttributeValues?.[':pk'] ?? '')
      throw new StorageError(`DynamoDB ${operation} on ${this.table} (${where}) failed`, { cause })
    }
  }
}

interface QueryOutput { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }

function stored(row: Record<string, unknown>): StoredRectificationItem {
  return { ...(row['body'] as RectificationItem), version: Number(row['version']) }
}

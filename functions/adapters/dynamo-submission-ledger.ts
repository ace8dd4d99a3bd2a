import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { DatasetName } from '../../schemas/findings.ts'
import { StorageError } from '../core/errors.ts'
import type { CurrentPointer, PeriodLock, SubmissionLedger, SubmissionRecord } from '../use-cases/ports.ts'

/**
 * The `submissions` table. One partition per county and quarter holds its submissions
 * (`S#<submission_id>`, ids sort by time received) and the current pointer of each dataset
 * (`CURRENT#<dataset>`), so `va status` is one Query. Pointers are also indexed by county and
 * dataset (GSI `by-county-dataset`) for the quarter-over-quarter look-back. Only conditional
 * writes, no transactions: it runs on the embedded emulator as on AWS.
 */
export const SUBMISSIONS_GSI = 'by-county-dataset'

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })
}

const partition = (county: string, period: string) => `SUB#${county}#${period}`

export class DynamoSubmissionLedger implements SubmissionLedger {
  constructor(private readonly db: DynamoDBDocumentClient, private readonly table: string) {}

  async record(sub: SubmissionRecord): Promise<'created' | 'exists'> {
    try {
      await this.send('Put', new PutCommand({
        TableName: this.table,
        Item: { pk: partition(sub.county, sub.period), sk: `S#${sub.submission_id}`, kind: 'submission', ...sub },
        ConditionExpression: 'attribute_not_exists(pk)',
      }))
      return 'created'
    } catch (e) {
      if (conditionFailed(e)) return 'exists'
      throw e
    }
  }

  async get(county: string, period: string, submissionId: string): Promise<SubmissionRecord | undefined> {
    const r = await this.send('Get', new GetCommand({ TableName: this.table, Key: { pk: partition(county, period), sk: `S#${submissionId}` }, ConsistentRead: true }))
    return r.Item ? toSubmission(r.Item) : undefined
  }

  async claimCurrent(sub: SubmissionRecord): Promise<{ current: boolean; replaced?: string }> {
    try {
      const r = await this.send('Update', new UpdateCommand({
        TableName: this.table,
        Key: { pk: partition(sub.county, sub.period), sk: `CURRENT#${sub.dataset}` },
        UpdateExpression: 'SET submission_id = :id, order_key = :ok, staged_keys = :staged, gsi1pk = :g1, gsi1sk = :g1s, kind = :kind',
        // Later uploads win whatever order their events arrive in (interfaces.md, `va status`).
        ConditionExpression: 'attribute_not_exists(pk) OR order_key < :ok OR submission_id = :id',
        ExpressionAttributeValues: {
          ':id': sub.submission_id, ':ok': sub.order_key, ':staged': sub.staged_keys,
          ':g1': `CUR#${sub.county}#${sub.dataset}`, ':g1s': sub.period, ':kind': 'current',
        },
        ReturnValues: 'ALL_OLD',
      }))
      const old = r.Attributes?.['submission_id'] as string | undefined
      return old && old !== sub.submission_id ? { current: true, replaced: old } : { current: true }
    } catch (e) {
      if (conditionFailed(e)) return { current: false }
      throw e
    }
  }

  async current(county: string, period: string, dataset: DatasetName): Promise<CurrentPointer | undefined> {
    const r = await this.send('Get', new GetCommand({ TableName: this.table, Key: { pk: partition(county, period), sk: `CURRENT#${dataset}` }, ConsistentRead: true }))
    return r.Item ? toPointer(r.Item) : undefined
  }

  async markSuperseded(county: string, period: string, submissionId: string): Promise<void> {
    try {
      await this.send('Update', new UpdateCommand({
        TableName: this.table,
        Key: { pk: partition(county, period), sk: `S#${submissionId}` },
        UpdateExpression: 'SET #s = :sup',
        ConditionExpression: '#s = :acc',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':sup': 'superseded', ':acc': 'accepted' },
      }))
    } catch (e) {
      // Already superseded (a retry), or not recorded yet: nothing to change.
      if (!conditionFailed(e)) throw e
    }
  }

  async list(county: string, period: string): Promise<{ submissions: SubmissionRecord[]; current: Partial<Record<DatasetName, string>> }> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partition(county, period) } })
    const submissions = items.filter((i) => i['kind'] === 'submission').map(toSubmission).sort((a, b) => (a.order_key < b.order_key ? -1 : a.order_key > b.order_key ? 1 : 0))
    const current: Partial<Record<DatasetName, string>> = {}
    for (const i of items) if (i['kind'] === 'current') current[String(i['sk']).slice('CURRENT#'.length) as DatasetName] = String(i['submission_id'])
    return { submissions, current }
  }

  async currentPeriods(county: string, dataset: DatasetName): Promise<{ period: string; pointer: CurrentPointer }[]> {
    const items = await this.queryAll({
      IndexName: SUBMISSIONS_GSI,
      KeyConditionExpression: 'gsi1pk = :g',
      ExpressionAttributeValues: { ':g': `CUR#${county}#${dataset}` },
    })
    return items.map((i) => ({ period: String(i['gsi1sk']), pointer: toPointer(i) }))
  }

  async clear(county: string, period: string): Promise<number> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partition(county, period) } })
    for (const i of items) await this.send('Delete', new DeleteCommand({ TableName: this.table, Key: { pk: i['pk'], sk: i['sk'] } }))
    return items.length
  }

  async getLock(period: string): Promise<PeriodLock | undefined> {
    const r = await this.send('Get', new GetCommand({ TableName: this.table, Key: { pk: `LOCK#${period}`, sk: 'LOCK' }, ConsistentRead: true }))
    return r.Item ? toLock(r.Item) : undefined
  }

  async setLock(period: string, locked: boolean, by: string, at: string, reason?: string): Promise<PeriodLock> {
    const entry = { action: locked ? 'lock' : 'unlock', by, at, ...(reason ? { reason } : {}) }
    const r = await this.send('Update', new UpdateCommand({
      TableName: this.table,
      Key: { pk: `LOCK#${period}`, sk: 'LOCK' },
      UpdateExpression: 'SET period_code = :p, locked = :l, locked_by = :by, locked_at = :at, reason = :r, history = list_append(if_not_exists(history, :empty), :entry), kind = :kind',
      ExpressionAttributeValues: { ':p': period, ':l': locked, ':by': by, ':at': at, ':r': reason ?? '', ':empty': [], ':entry': [entry], ':kind': 'lock' },
      ReturnValues: 'ALL_NEW',
    }))
    return toLock(r.Attributes ?? {})
  }

  async markNotified(county: string, period: string, submissionId: string): Promise<void> {
    await this.send('Update', new UpdateCommand({
      TableName: this.table,
      Key: { pk: partition(county, period), sk: `S#${submissionId}` },
      UpdateExpression: 'SET notified = :t',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':t': true },
    }))
  }

  /** Every call names its operation, table and key when it fails; the SDK's error is the cause. */
  private async send(operation: string, command: { input: object }): Promise<DocumentOutput> {
    try {
      return (await this.db.send(command as never)) as DocumentOutput
    } catch (cause) {
      const key = (command.input as { Key?: Record<string, unknown>; ExpressionAttributeValues?: Record<string, unknown> })
      const where = key.Key ? `${String(key.Key['pk'])} ${String(key.Key['sk'])}` : String(key.ExpressionAttributeValues?.[':pk'] ?? key.ExpressionAttributeValues?.[':g'] ?? '')
      throw new StorageError(`DynamoDB ${operation} on ${this.table} (${where}) failed`, { cause })
    }
  }

  private async queryAll(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = []
    let start: Record<string, unknown> | undefined
    do {
      const r = await this.send('Query', new QueryCommand({ TableName: this.table, ...input, ExclusiveStartKey: start }))
      out.push(...(r.Items ?? []))
      start = r.LastEvaluatedKey
    } while (start)
    return out
  }
}

type Item = Record<string, unknown>
interface DocumentOutput { Item?: Item; Items?: Item[]; Attributes?: Item; LastEvaluatedKey?: Item }

const conditionFailed = (e: unknown) => e instanceof StorageError && e.cause instanceof ConditionalCheckFailedException

function toSubmission(item: Record<string, unknown>): SubmissionRecord {
  const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item
  return rest as unknown as SubmissionRecord
}

function toPointer(item: Record<string, unknown>): CurrentPointer {
  return { submission_id: String(item['submission_id']), order_key: String(item['order_key']), staged_keys: (item['staged_keys'] as string[] | undefined) ?? [] }
}

function toLock(item: Record<string, unknown>): PeriodLock {
  const lock: PeriodLock = {
    period: String(item['period_code']),
    locked: item['locked'] === true,
    by: String(item['locked_by'] ?? ''),
    at: String(item['locked_at'] ?? ''),
    history: (item['history'] as PeriodLock['history'] | undefined) ?? [],
  }
  if (item['reason']) lock.reason = String(item['reason'])
  return lock
}

import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Appraisal, CountyAppraisal } from '../core/appraisal/score.ts'
import type { AppraisalStore, RegionIndicators, StoredCountyAppraisal } from '../use-cases/ports.ts'

/**
 * The `appraisals` table. A quarter's counties share a partition (`APPRAISAL#<period>`, one
 * item per county), so the quarter's ranking is one Query; GSI `by-county` gives a county's
 * history and GSI `by-city` a city's ranking in a quarter, sorted by rank. A re-run moves the
 * replaced items to `HISTORY#<period>` (sort key `<county>#<run id>`) before writing the new
 * ones, so the prior run is kept as a previous version. The quarter's roll-ups share another
 * partition (`REGION#<period>`, one item per township, city and province, sort key the code).
 */
export class DynamoAppraisalStore implements AppraisalStore {
  constructor(private readonly db: DynamoDBDocumentClient, private readonly table: string) {}

  async save(appraisal: Appraisal, meta: { run_id: string; computed_at: string }): Promise<void> {
    const previous = await this.byPeriod(appraisal.period)
    const history = previous.map((p) => ({ ...p, pk: `HISTORY#${appraisal.period}`, sk: `${p.county}#${p.run_id}`, city_period: undefined, rank_key: undefined, county: undefined, period: undefined, history_of: p.county }))
    await this.batch(history.map((Item) => ({ PutRequest: { Item: strip(Item) } })))
    const current = new Set(appraisal.counties.map((c) => c.county))
    await this.batch(previous.filter((p) => !current.has(p.county)).map((p) => ({ DeleteRequest: { Key: { pk: `APPRAISAL#${appraisal.period}`, sk: p.county } } })))
    await this.batch(appraisal.counties.map((c) => ({ PutRequest: { Item: strip(itemOf(appraisal, c, meta)) } })))
  }

  async saveRegions(period: string, regions: readonly RegionIndicators[], meta: { run_id: string; computed_at: string }): Promise<void> {
    const pk = `REGION#${period}`
    const codes = new Set(regions.map((r) => r.code))
    const previous = await this.regions(period)
    await this.batch(previous.filter((r) => !codes.has(r.code)).map((r) => ({ DeleteRequest: { Key: { pk, sk: r.code } } })))
    await this.batch(regions.map((r) => ({ PutRequest: { Item: strip({ ...r, pk, sk: r.code, period, run_id: meta.run_id, computed_at: meta.computed_at }) } })))
  }

  async regions(period: string, code?: string): Promise<RegionIndicators[]> {
    const rows = await this.query(code === undefined
      ? { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `REGION#${period}` } }
      : { KeyConditionExpression: 'pk = :p AND sk = :c', ExpressionAttributeValues: { ':p': `REGION#${period}`, ':c': code } })
    return rows as unknown as RegionIndicators[]
  }

  async byPeriod(period: string): Promise<StoredCountyAppraisal[]> {
    return this.query({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `APPRAISAL#${period}` } })
  }

  async byCity(period: string, city: string): Promise<StoredCountyAppraisal[]> {
    return this.query({ IndexName: 'by-city', KeyConditionExpression: 'city_period = :c', ExpressionAttributeValues: { ':c': `${city}#${period}` } })
  }

  async byCounty(county: string): Promise<StoredCountyAppraisal[]> {
    return this.query({ IndexName: 'by-county', KeyConditionExpression: 'county = :c', ExpressionAttributeValues: { ':c': county } })
  }

  private async query(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<StoredCountyAppraisal[]> {
    const out: StoredCountyAppraisal[] = []
    let start: Record<string, unknown> | undefined
    do {
      const r = await this.db.send(new QueryCommand({ TableName: this.table, ...input, ExclusiveStartKey: start }))
      for (const item of r.Items ?? []) {
        const { pk: _pk, sk: _sk, city_period: _cp, rank_key: _rk, ...rest } = item
        out.push(rest as StoredCountyAppraisal)
      }
      start = r.LastEvaluatedKey
    } while (start)
    return out
  }

  private async batch(requests: object[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending: Record<string, object[]> | undefined = { [this.table]: requests.slice(i, i + 25) }
      for (let attempt = 0; pending && Object.keys(pending).length; attempt++) {
        const r: { UnprocessedItems?: Record<string, object[]> | undefined } = await this.db.send(new BatchWriteCommand({ RequestItems: pending }))
        pending = r.UnprocessedItems && Object.keys(r.UnprocessedItems).length ? r.UnprocessedItems : undefined
        if (pending && attempt > 8) throw new Error('DynamoDB kept items unprocessed after retries')
        if (pending) await new Promise((res) => setTimeout(res, 50 * 2 ** attempt))
      }
    }
  }
}

function itemOf(appraisal: Appraisal, c: CountyAppraisal, meta: { run_id: string; computed_at: string }): Record<string, unknown> {
  return {
    pk: `APPRAISAL#${appraisal.period}`,
    sk: c.county,
    period: appraisal.period,
    city_period: `${c.city}#${appraisal.period}`,
    rank_key: `${String(c.rank_in_city).padStart(5, '0')}#${c.county}`,
    ...c,
    config: appraisal.config,
    run_id: meta.run_id,
    computed_at: meta.computed_at,
    // The quarter's lists travel with each county's item, so one Query answers va appraisal --json.
    missing_counties: appraisal.missing_counties,
    not_appraisable: appraisal.not_appraisable,
    ...(appraisal.targets_used ? { targets_used: appraisal.targets_used } : {}),
  }
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined))
}

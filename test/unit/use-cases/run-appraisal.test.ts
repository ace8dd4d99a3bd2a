import { describe, expect, it } from 'vitest'
import { scoringConfig } from '../../../functions/composition/wiring.ts'
import type { QueryEngine } from '../../../functions/use-cases/ports.ts'
import { PeriodLockedError, runAppraisal, type AppraisalDeps } from '../../../functions/use-cases/run-appraisal.ts'
import type { AppraisalAnnouncement } from '../../../functions/core/appraisal/appraisal-summary.ts'
import { MemoryAppraisals, MemoryFiles, MemoryLedger, MemoryObjectStore, MemoryRectifications, memoryScratch, readJsonTable } from '../../support/fake-ports.ts'

// runAppraisal on in-memory ports: the engine answers the named queries from a table of rows.

const COUNTY = { county_code: '520621', county_name: '江口县', city_code: '5206', province_code: '52' }

function setup() {
  const files = new MemoryFiles()
  const store = new MemoryObjectStore(files)
  const ledger = new MemoryLedger()
  const appraisals = new MemoryAppraisals()
  const asked: string[] = []
  const params_: Record<string, unknown[][]> = {}
  const rows: Record<string, Record<string, string | number | null>[]> = {
    'county-names': [COUNTY],
    'missing-counties': [{ county_code: '520622', name: '石阡县' }],
    'region-indicators': [{ level: 'city', code: '5206', villages_reported: 3, fund_spending_rate: 0.5 }],
  }
  const engine: QueryEngine = {
    name: 'duckdb',
    query: async () => { throw new Error('runAppraisal runs named queries only') },
    named: async (name, params) => {
      asked.push(name)
      params_[name] = [...(params_[name] ?? []), [...(params ?? [])]]
      return rows[name] ?? []
    },
  }
  const announced: AppraisalAnnouncement[] = []
  const deps: AppraisalDeps = {
    engine, store, ledger, appraisals, lakeBucket: 'lake', scoring: scoringConfig(), scratch: memoryScratch(files), readTable: readJsonTable,
    announce: async (s) => void announced.push(s),
  }
  return { deps, store, ledger, appraisals, asked, announced, rows, params: params_ }
}

describe('runAppraisal on in-memory ports', () => {
  it('runs the named queries, writes the table and the report, saves the items; publishing locks and announces', async () => {
    const { deps, store, ledger, appraisals, asked, announced } = setup()
    const run = await runAppraisal(deps, { period: '2024Q2', now: new Date('2024-07-15T02:00:00.000Z'), publish: true, by: 'province' })
    expect(run).toMatchObject({ missing_counties: [{ county: '520622', name: '石阡县' }], run_id: '20240715T020000000Z', published: true })
    expect([...new Set(asked)].sort()).toEqual(['county-income-year-earlier', 'county-indicators', 'county-names', 'median-days-to-eliminate', 'missing-counties', 'red-flag-villages', 'villages-expected', 'county-earlier-denominators', 'region-indicators'].concat('late-counties').sort())
    expect(store.keys('lake')).toEqual(['analytics/county_appraisals/year=2024/quarter=2/data.parquet', 'analytics/region_indicators/year=2024/quarter=2/data.parquet', 'reports/appraisals/2024Q2/index.html'])
    expect(await readJsonTable((await store.getBytes('lake', 'analytics/county_appraisals/year=2024/quarter=2/data.parquet'))!)).toEqual([])
    const [region] = await readJsonTable((await store.getBytes('lake', 'analytics/region_indicators/year=2024/quarter=2/data.parquet'))!)
    expect(region).toMatchObject({ level: 'city', code: '5206', name: null, villages_reported: 3, fund_spending_rate: 0.5, risk_elimination_rate: null })
    expect(appraisals.saved).toEqual([{ counties: 0, run_id: '20240715T020000000Z', missing_counties: [{ county: '520622', name: '石阡县' }] }])
    expect(await appraisals.regions('2024Q2', '5206')).toEqual([region])
    expect(announced[0]!.missing_counties).toEqual([{ county: '520622', name: '石阡县' }])
    expect(await ledger.getLock('2024Q2')).toMatchObject({ locked: true, by: 'province', at: '2024-07-15T02:00:00.000Z' })
    expect(announced.map((a) => a.period)).toEqual(['2024Q2'])
  })

  it("counts a region's collective-income villages at its own province's threshold when a province overrides it", async () => {
    const { deps, appraisals, params } = setup()
    const overridden = { ...deps, scoring: scoringConfig(JSON.stringify({ '53': { collective_income_threshold: { 1: 25000, 2: 80000, 3: 75000, 4: 100000 } } })) }
    const byThreshold = new Map<number, number>([[50000, 10], [80000, 4]])
    overridden.engine = {
      ...deps.engine,
      named: async (name, p) => {
        await deps.engine.named(name, p)
        if (name !== 'region-indicators') return []
        const villages = byThreshold.get(Number(p?.[2]))!
        return [{ level: 'province', code: '52', collective_income_villages: villages }, { level: 'province', code: '53', collective_income_villages: villages }]
      },
    }
    await runAppraisal(overridden, { period: '2024Q2', now: new Date('2024-07-15T02:00:00.000Z') })
    expect(params['region-indicators']!.map((x) => x[2])).toEqual([50000, 80000])
    expect((await appraisals.regions('2024Q2')).map((r) => [r.code, r['collective_income_villages']])).toEqual([['52', 10], ['53', 4]])
  })

  it('refuses a published quarter until it is unlocked, and rebuilds it for a replay', async () => {
    const { deps, ledger } = setup()
    await ledger.setLock('2024Q2', true, 'province', '2024-07-15T02:00:00.000Z')
    await expect(runAppraisal(deps, { period: '2024Q2', now: new Date() })).rejects.toBeInstanceOf(PeriodLockedError)
    await expect(runAppraisal(deps, { period: '2024Q2', now: new Date(), rebuild: true })).resolves.toMatchObject({ published: false })
  })
})

describe('runAppraisal with rectification items', () => {
  it('publishing opens the automatic items before the lock; one that fails on the way leaves the quarter unlocked to publish again', async () => {
    const { deps, ledger, asked, announced, store } = setup()
    const rectifications = new MemoryRectifications()
    rectifications.failOnPut = 1
    const withItems = { ...deps, rectifications }
    const now = new Date('2024-07-15T02:00:00.000Z')
    await expect(runAppraisal(withItems, { period: '2024Q2', now, publish: true, by: 'province' })).rejects.toThrow(/injected failure/)
    expect(await ledger.getLock('2024Q2')).toBeUndefined()
    // The quarter before opened no red flag: the look-back reads no village.
    expect(asked).not.toContain('look-back-villages')
    const run = await runAppraisal(withItems, { period: '2024Q2', now, publish: true, by: 'province' })
    expect(run.rectification?.opened.map((i) => [i.county, i.problem, i.due])).toEqual([['520622', 'missing', '2024-09-30']])
    expect([...rectifications.items.values()].map((i) => [i.county, i.problem, i.status])).toEqual([['520622', 'missing', 'open']])
    expect(await ledger.getLock('2024Q2')).toMatchObject({ locked: true })
    const [item] = rectifications.items.values()
    expect(announced.map((a) => a.rectification)).toEqual([{ opened: [{ item_id: item!.item_id, county: '520622', problem: 'missing', due: '2024-09-30' }], withdrawn: [], closed: [], recurring: [] }])
    // The items as they stood at publication, for the Athena table `rectifications`.
    const rows = await readJsonTable((await store.getBytes('lake', 'analytics/rectifications/year=2024/quarter=2/data.parquet'))!)
    expect(rows).toEqual([{
      item_id: item!.item_id, county: '520622', city: '5206', province: '52', source: 'data_quality', problem: 'missing', opened_in: '2024Q2',
      indicator: null, villages: null, title: null, due: '2024-09-30', status: 'open', recurring: false, overdue: false,
      opened_at: '2024-07-15T02:00:00.000Z', last_change_at: '2024-07-15T02:00:00.000Z', last_action: 'opened', history_entries: 1,
    }])
  })

  it('a run that does not publish opens nothing', async () => {
    const { deps } = setup()
    const rectifications = new MemoryRectifications()
    const run = await runAppraisal({ ...deps, rectifications }, { period: '2024Q2', now: new Date('2024-07-15T02:00:00.000Z') })
    expect(run.rectification).toBeUndefined()
    expect(rectifications.items.size).toBe(0)
    expect(await deps.store.getBytes('lake', 'analytics/rectifications/year=2024/quarter=2/data.parquet')).toBeUndefined()
  })
})

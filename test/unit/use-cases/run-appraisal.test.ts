import { describe, expect, it } from 'vitest'
import { scoringConfig } from '../../../functions/composition/wiring.ts'
import type { QueryEngine } from '../../../functions/use-cases/ports.ts'
import { PeriodLockedError, runAppraisal, type AppraisalDeps } from '../../../functions/use-cases/run-appraisal.ts'
import type { AppraisalAnnouncement } from '../../../functions/core/appraisal/appraisal-summary.ts'
import { MemoryAppraisals, MemoryFiles, MemoryLedger, MemoryObjectStore, memoryScratch, readJsonTable } from '../../support/fake-ports.ts'

// runAppraisal on in-memory ports: the engine answers the named queries from a table of rows.

const COUNTY = { county_code: '520621', county_name: '江口县', city_code: '5206', province_code: '52' }

function setup() {
  const files = new MemoryFiles()
  const store = new MemoryObjectStore(files)
  const ledger = new MemoryLedger()
  const appraisals = new MemoryAppraisals()
  const asked: string[] = []
  const rows: Record<string, Record<string, string | number | null>[]> = {
    'county-names': [COUNTY],
    'missing-counties': [{ county_code: '520622' }],
    'region-indicators': [{ level: 'city', code: '5206', villages_reported: 3, fund_spending_rate: 0.5 }],
  }
  const engine: QueryEngine = {
    name: 'duckdb',
    query: async () => { throw new Error('runAppraisal runs named queries only') },
    named: async (name) => {
      asked.push(name)
      return rows[name] ?? []
    },
  }
  const announced: AppraisalAnnouncement[] = []
  const deps: AppraisalDeps = {
    engine, store, ledger, appraisals, lakeBucket: 'lake', scoring: scoringConfig(), scratch: memoryScratch(files),
    announce: async (s) => void announced.push(s),
  }
  return { deps, store, ledger, appraisals, asked, announced }
}

describe('runAppraisal on in-memory ports', () => {
  it('runs the named queries, writes the table and the report, saves the items; publishing locks and announces', async () => {
    const { deps, store, ledger, appraisals, asked, announced } = setup()
    const run = await runAppraisal(deps, { period: '2024Q2', now: new Date('2024-07-15T02:00:00.000Z'), publish: true, by: 'province' })
    expect(run).toMatchObject({ missing_counties: ['520622'], run_id: '20240715T020000000Z', published: true })
    expect([...new Set(asked)].sort()).toEqual(['county-income-year-earlier', 'county-indicators', 'county-names', 'median-days-to-eliminate', 'missing-counties', 'red-flag-villages', 'villages-expected', 'county-earlier-denominators', 'region-indicators'].concat('late-counties').sort())
    expect(store.keys('lake')).toEqual(['analytics/county_appraisals/year=2024/quarter=2/data.parquet', 'analytics/region_indicators/year=2024/quarter=2/data.parquet', 'reports/appraisals/2024Q2/index.html'])
    expect(await readJsonTable((await store.getBytes('lake', 'analytics/county_appraisals/year=2024/quarter=2/data.parquet'))!)).toEqual([])
    const [region] = await readJsonTable((await store.getBytes('lake', 'analytics/region_indicators/year=2024/quarter=2/data.parquet'))!)
    expect(region).toMatchObject({ level: 'city', code: '5206', name: null, villages_reported: 3, fund_spending_rate: 0.5, risk_elimination_rate: null })
    expect(appraisals.saved).toEqual([{ counties: 0, run_id: '20240715T020000000Z', missing_counties: ['520622'] }])
    expect(await ledger.getLock('2024Q2')).toMatchObject({ locked: true, by: 'province', at: '2024-07-15T02:00:00.000Z' })
    expect(announced.map((a) => a.period)).toEqual(['2024Q2'])
  })

  it('refuses a published quarter until it is unlocked, and rebuilds it for a replay', async () => {
    const { deps, ledger } = setup()
    await ledger.setLock('2024Q2', true, 'province', '2024-07-15T02:00:00.000Z')
    await expect(runAppraisal(deps, { period: '2024Q2', now: new Date() })).rejects.toBeInstanceOf(PeriodLockedError)
    await expect(runAppraisal(deps, { period: '2024Q2', now: new Date(), rebuild: true })).resolves.toMatchObject({ published: false })
  })
})

import { describe, expect, it } from 'vitest'
import { buildAppraisalReport, gatherAppraisalReportInput, sqlTimestamp } from '../../../functions/use-cases/build-appraisal-report.ts'
import type { AppraisalReportDeps } from '../../../functions/use-cases/build-appraisal-report.ts'
import type { ObjectStore, QueryEngine, SqlRow, SqlValue } from '../../../functions/use-cases/ports.ts'
import type { AppraisalStore, StoredCountyAppraisal } from '../../../functions/use-cases/ports.ts'
import type { Appraisal } from '../../../functions/core/appraisal/score.ts'
import { sampleReportInput } from './sample-report.ts'
import { MemoryRectifications } from '../../support/fake-ports.ts'

const sample = sampleReportInput()

function stored(period: string, counties = sample.counties, run_id = `run-${period}`): StoredCountyAppraisal[] {
  return counties.map((c) => ({ ...c, period, config: sample.config!, run_id, computed_at: '2024-07-15T01:59:30.000Z' }))
}

function fakes(byPeriod: Record<string, StoredCountyAppraisal[]>, rows: Record<string, SqlRow[]> = {}) {
  const periodsRead: string[] = []
  const queries: { name: string; params: readonly SqlValue[] }[] = []
  const puts: { bucket: string; key: string; body: string; contentType?: string }[] = []
  const appraisals: AppraisalStore = {
    save: async () => { throw new Error('not in this test') },
    saveRegions: async () => { throw new Error('not in this test') },
    regions: async () => [],
    byPeriod: async (period) => {
      periodsRead.push(period)
      return byPeriod[period] ?? []
    },
    byCity: async () => { throw new Error('not in this test') },
    byCounty: async () => { throw new Error('not in this test') },
  }
  const engine: QueryEngine = {
    name: 'duckdb',
    query: async () => { throw new Error('the report runs named queries only') },
    named: async (name, params = []) => {
      queries.push({ name, params: [...params] })
      return rows[name] ?? []
    },
  }
  // The report only puts: any other call fails the test.
  const put: ObjectStore['put'] = async (bucket, key, body, options) => {
    puts.push({ bucket, key, body: String(body), ...(options?.contentType ? { contentType: options.contentType } : {}) })
    return {}
  }
  const store = { put } as Partial<ObjectStore> as ObjectStore
  let synced = 0
  const deps: AppraisalReportDeps = { appraisals, engine, store, lakeBucket: 'lake', beforeQuery: async () => { synced++ } }
  return { deps, periodsRead, queries, puts, synced: () => synced }
}

const NOW = new Date('2024-07-15T02:00:00.000Z')

describe('buildAppraisalReport', () => {
  it('reads the quarter and 8 earlier ones, the missing and late counties, and writes the report to the lake', async () => {
    const f = fakes(
      { '2024Q2': stored('2024Q2'), '2024Q1': stored('2024Q1', sample.counties.slice(0, 2)), '2022Q2': stored('2022Q2', sample.counties.slice(0, 1)), '2022Q1': stored('2022Q1') },
      {
        'missing-counties': [{ county_code: '522325', name: null, city_code: '5223', province_code: '52' }, { county_code: '522327', name: '册亨县', city_code: '5223', province_code: '52' }],
        'late-counties': [{ county_code: '522224', submitted_at: '2024-07-12T03:20:00.000Z' }],
      },
    )
    const html = await buildAppraisalReport(f.deps, { period: '2024Q2', now: NOW })
    expect(f.periodsRead).toEqual(['2024Q2', '2024Q1', '2023Q4', '2023Q3', '2023Q2', '2023Q1', '2022Q4', '2022Q3', '2022Q2'])
    // 2024Q2's deadline: 2024-07-11T00:00+08:00.
    expect(f.queries).toEqual([
      { name: 'missing-counties', params: [2024, 2] },
      { name: 'late-counties', params: [2024, 2, '2024-07-10 16:00:00'] },
    ])
    expect(f.synced()).toBe(1)
    expect(f.puts).toEqual([{ bucket: 'lake', key: 'reports/appraisals/2024Q2/index.html', body: html, contentType: 'text/html; charset=utf-8' }])
    expect(html).toContain('<li data-county="522327"><span class="county">册亨县</span> <code>522327</code></li>')
    expect(html).toContain('<code>run-2024Q2</code>')
    expect(html).toContain('最近 3 个季度')
  })

  it('gathers exactly what the renderer needs', async () => {
    const f = fakes({ '2024Q2': stored('2024Q2'), '2023Q3': stored('2023Q3', sample.counties.slice(0, 1)) }, {
      'late-counties': [{ county_code: '522224', submitted_at: '2024-07-12T03:20:00.000Z' }],
    })
    const input = await gatherAppraisalReportInput({ ...f.deps, deadlineDays: 5 }, { period: '2024Q2', now: NOW })
    const first = sample.counties[0]!
    expect(input).toEqual({
      period: '2024Q2',
      config: sample.config,
      generatedAt: '2024-07-15T02:00:00.000Z',
      run: { runId: 'run-2024Q2', computedAt: '2024-07-15T01:59:30.000Z' },
      counties: stored('2024Q2'),
      notAppraisable: [],
      regions: [],
      history: [{ period: '2023Q3', county: first.county, score: first.score, grade: first.grade }],
      missingCounties: [],
      lateCounties: [{ county: '522224', submittedAt: '2024-07-12T03:20:00.000Z' }],
      deadline: '2024-07-05T16:00:00.000Z',
    })
    expect(f.queries[1]).toEqual({ name: 'late-counties', params: [2024, 2, '2024-07-05 16:00:00'] })
  })

  it('uses the appraisal just computed instead of reading it back', async () => {
    const f = fakes({ '2024Q2': stored('2024Q2', [], 'stale') })
    const appraisal: Appraisal = { period: '2024Q2', config: sample.config!, counties: [...sample.counties], missing_counties: [], not_appraisable: [] }
    const input = await gatherAppraisalReportInput(f.deps, { period: '2024Q2', now: NOW, current: { appraisal, run_id: 'fresh', computed_at: '2024-07-15T02:00:00.000Z', regions: [CITY, TOWNSHIP] } })
    expect(f.periodsRead).not.toContain('2024Q2')
    expect(input.counties).toEqual(sample.counties)
    expect(input.run).toEqual({ runId: 'fresh', computedAt: '2024-07-15T02:00:00.000Z' })
    // Provinces and cities in the report; townships stay in the table and the portal.
    expect(input.regions).toEqual([CITY])
    await expect(gatherAppraisalReportInput(f.deps, { period: '2024Q1', now: NOW, current: { appraisal, run_id: 'x', computed_at: 'x', regions: [] } })).rejects.toThrow('of 2024Q2, not 2024Q1')
  })

  it("sums each province's rectification items per county for the report's section", async () => {
    const f = fakes({ '2024Q2': stored('2024Q2') })
    const rectifications = new MemoryRectifications()
    const county = sample.counties[0]!.county
    await rectifications.put({
      item_id: `${county}-000000000001`, county, source: 'inspection', problem: 'inspection', opened_in: '2024Q1', title: '项目公示不全',
      due: '2024-06-30', status: 'open', recurring: false, history: [{ at: '2024-04-20T02:00:00Z', by: 'city', action: 'opened' }],
    })
    const input = await gatherAppraisalReportInput({ ...f.deps, rectifications }, { period: '2024Q2', now: NOW })
    expect(input.rectification).toEqual([{ county, open: 1, overdue: 1, recurring: 0, closed_this_quarter: 0 }])
    expect((await gatherAppraisalReportInput(f.deps, { period: '2024Q2', now: NOW })).rectification).toBeUndefined()
  })

  it('reports a quarter nobody was appraised in without failing', async () => {
    const f = fakes({})
    const html = await buildAppraisalReport(f.deps, { period: '2024Q2', now: NOW })
    expect(html).toContain('本季度无参评县')
    expect(f.puts).toHaveLength(1)
  })

  it('refuses a period that is not a quarter', async () => {
    await expect(buildAppraisalReport(fakes({}).deps, { period: '2024Q5', now: NOW })).rejects.toThrow('Not a quarter: 2024Q5')
  })
})

const CITY = { level: 'city', code: '5222', name: '铜仁市', villages_reported: 10, fund_spending_rate: 0.5 } as const
const TOWNSHIP = { level: 'township', code: '522201001', name: '甲镇', villages_reported: 3, fund_spending_rate: 0.25 } as const

describe('sqlTimestamp', () => {
  it.each([
    ['2024-07-10T16:00:00.000Z', '2024-07-10 16:00:00'],
    ['2025-01-10T16:00:00.999Z', '2025-01-10 16:00:00'],
  ])('%s → %s', (iso, text) => {
    expect(sqlTimestamp(new Date(iso))).toBe(text)
  })
})

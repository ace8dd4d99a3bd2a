import { describe, expect, it } from 'vitest'
import type { Appraisal, CountyAppraisal } from '../../../functions/core/appraisal/score.ts'
import { automaticItemId } from '../../../functions/core/rectification/rectification-item.ts'
import type { QueryEngine, SqlRow, SubmissionRecord } from '../../../functions/use-cases/ports.ts'
import { lateCounties, overdueItemCounts, rectifyOnPublish } from '../../../functions/use-cases/publish-rectification.ts'
import { MemoryLedger, MemoryRectifications } from '../../support/fake-ports.ts'

function county(code: string, extra: Partial<CountyAppraisal> = {}): CountyAppraisal {
  return {
    county: code, name: null, city: code.slice(0, 4), province: code.slice(0, 2), indicators: {} as CountyAppraisal['indicators'],
    score: 80, grade: 'good', rank_in_city: 1, rank_in_province: 1, red_flags: [], breakdown: [], points: 80, deductions: 0, penalties: [], no_data: [], ...extra,
  }
}

const appraisal = (period: string, counties: CountyAppraisal[]): Appraisal => ({
  period, config: { version: '2024.2', sha256: 'x' }, counties, missing_counties: [{ county: '522229', name: '松桃苗族自治县' }], not_appraisable: [],
})

const Q2 = appraisal('2024Q2', [
  county('522226', { red_flags: [{ indicator: 'dropouts', value: 2, villages: ['522226100001', '522226100002'] }], no_data: ['fund_spending_rate', 'income_growth_yoy'] }),
  county('522227', { red_flags: [{ indicator: 'unsafe_houses', value: 1, villages: ['522227100001'] }] }),
])

const zero = { dropouts: 0, zero_employment_households: 0, unsafe_houses: 0, unsafe_water_households: 0 }

/**
 * The engine answers look-back-villages.sql for each quarter from these rows, for the counties
 * listed in its third parameter, and notes what it was asked (`2024Q3 ,522226,`).
 */
function engineWith(villages: Record<string, SqlRow[]>): QueryEngine & { asked: string[] } {
  const asked: string[] = []
  return {
    name: 'duckdb',
    asked,
    query: async () => { throw new Error('named queries only') },
    named: async (name, params) => {
      if (name !== 'look-back-villages') throw new Error(`unexpected query ${name}`)
      const [year, quarter, counties] = (params ?? []).map(String)
      asked.push(`${year}Q${quarter} ${counties}`)
      return (villages[`${year}Q${quarter}`] ?? []).filter((r) => counties!.includes(`,${String(r['county_code'])},`))
    },
  }
}

const engine = engineWith({
  '2024Q3': [
    { county_code: '522226', village_code: '522226100001', ...zero },
    { county_code: '522226', village_code: '522226100002', ...zero },
    { county_code: '522227', village_code: '522227100001', ...zero, unsafe_houses: 1 },
  ],
})
const AT = new Date('2024-07-15T02:00:00Z')

describe('rectifyOnPublish', () => {
  it('opens the quarter\'s automatic items; publishing again writes nothing', async () => {
    const rectifications = new MemoryRectifications()
    const first = await rectifyOnPublish({ engine, rectifications }, { appraisal: Q2, late: ['522227'], at: AT, by: 'alice' })
    expect(first.opened.map((i) => [i.county, i.problem, i.indicator ?? null])).toEqual([
      ['522226', 'red_flag', 'dropouts'], ['522226', 'no_data', 'fund_spending_rate'], ['522227', 'red_flag', 'unsafe_houses'], ['522229', 'missing', null], ['522227', 'late', null],
    ])
    const puts = rectifications.puts
    expect(puts).toBe(5)
    const again = await rectifyOnPublish({ engine, rectifications }, { appraisal: Q2, late: ['522227'], at: new Date('2024-07-20T00:00:00Z'), by: 'bob' })
    expect(again).toEqual({ opened: [], withdrawn: [], closed: [], recurring: [] })
    expect(rectifications.puts).toBe(puts)
    expect(rectifications.items.size).toBe(5)
  })

  it.each([1, 2, 3, 4, 5])('a publication that fails at write %i, published again, ends as one that never failed', async (n) => {
    const clean = new MemoryRectifications()
    await rectifyOnPublish({ engine, rectifications: clean }, { appraisal: Q2, late: ['522227'], at: AT, by: 'alice' })
    const crashed = new MemoryRectifications()
    crashed.failOnPut = n
    await expect(rectifyOnPublish({ engine, rectifications: crashed }, { appraisal: Q2, late: ['522227'], at: AT, by: 'alice' })).rejects.toThrow(/injected failure/)
    expect(crashed.items.size).toBe(n - 1)
    await rectifyOnPublish({ engine, rectifications: crashed }, { appraisal: Q2, late: ['522227'], at: AT, by: 'alice' })
    expect(crashed.items).toEqual(clean.items)
  })

  it('publishing the next quarter looks back on exact village lists: closes what is fixed, marks the rest recurring', async () => {
    const rectifications = new MemoryRectifications()
    await rectifyOnPublish({ engine, rectifications }, { appraisal: Q2, late: [], at: AT, by: 'alice' })
    const q3 = appraisal('2024Q3', [county('522226'), county('522227', { red_flags: [{ indicator: 'unsafe_houses', value: 1, villages: ['522227100001'] }] })])
    const at3 = new Date('2024-10-15T02:00:00Z')
    const out = await rectifyOnPublish({ engine, rectifications }, { appraisal: q3, late: [], at: at3, by: 'bob' })
    expect(out.closed.map((i) => i.item_id)).toEqual([automaticItemId('522226', '2024Q2', 'red_flag', 'dropouts')])
    expect(out.recurring.map((i) => i.item_id)).toEqual([automaticItemId('522227', '2024Q2', 'red_flag', 'unsafe_houses')])
    expect(await rectifications.get(automaticItemId('522227', '2024Q2', 'red_flag', 'unsafe_houses'))).toMatchObject({ status: 'open', recurring: true, version: 2 })
    expect(await rectifications.get(automaticItemId('522226', '2024Q2', 'red_flag', 'dropouts'))).toMatchObject({ status: 'closed', recurring: false, version: 2 })
    // The quarter's own red flag is a new item of 2024Q3; the data-quality items of 2024Q2 are untouched.
    expect(out.opened.map((i) => [i.item_id, i.opened_in])).toEqual([[automaticItemId('522227', '2024Q3', 'red_flag', 'unsafe_houses'), '2024Q3'], [automaticItemId('522229', '2024Q3', 'missing'), '2024Q3']])
    expect(await rectifications.get(automaticItemId('522226', '2024Q2', 'no_data', 'fund_spending_rate'))).toMatchObject({ status: 'open', version: 1 })
    // And again: nothing changes.
    const puts = rectifications.puts
    await rectifyOnPublish({ engine, rectifications }, { appraisal: q3, late: [], at: at3, by: 'bob' })
    expect(rectifications.puts).toBe(puts)
  })

  it('the look-back reads the villages of the counties with red flags to judge only, and none when there are none', async () => {
    const rectifications = new MemoryRectifications()
    const looking = engineWith({ '2024Q3': [
      { county_code: '522226', village_code: '522226100001', ...zero },
      { county_code: '522227', village_code: '522227100001', ...zero, unsafe_houses: 1 },
      { county_code: '522228', village_code: '522228100001', ...zero },
    ] })
    // 2024Q1 opened nothing: publishing 2024Q2 reads no village.
    await rectifyOnPublish({ engine: looking, rectifications }, { appraisal: Q2, late: ['522227'], at: AT, by: 'alice' })
    expect(looking.asked).toEqual([])
    const q3 = appraisal('2024Q3', [county('522226'), county('522227'), county('522228')])
    await rectifyOnPublish({ engine: looking, rectifications }, { appraisal: q3, late: [], at: new Date('2024-10-15T02:00:00Z'), by: 'bob' })
    expect(looking.asked).toEqual(['2024Q3 ,522226,522227,'])
  })

  it('a clerk\'s response written between the plan and the write is kept: the publication reads again', async () => {
    const rectifications = new MemoryRectifications()
    await rectifyOnPublish({ engine, rectifications }, { appraisal: Q2, late: ['522227'], at: AT, by: 'alice' })
    const lateId = automaticItemId('522227', '2024Q2', 'late')
    // A store whose first read of the quarter is followed at once by the clerk's response.
    let raced = false
    const racing = Object.assign(Object.create(rectifications) as MemoryRectifications, {
      byQuarter: async (period: string) => {
        const items = await rectifications.byQuarter(period)
        if (!raced && period === '2024Q2') {
          raced = true
          const { version, ...item } = (await rectifications.get(lateId))!
          await rectifications.put({ ...item, status: 'responded', history: [...item.history, { at: '2024-07-16T00:00:00.000Z', by: 'clerk', action: 'responded', text: '已说明' }] }, version)
        }
        return items
      },
    })
    // The new figures: 522227 was not late after all, so its item is withdrawn, after the response.
    await rectifyOnPublish({ engine, rectifications: racing }, { appraisal: Q2, late: [], at: new Date('2024-07-20T00:00:00Z'), by: 'bob' })
    expect((await rectifications.get(lateId))!.history.map((h) => [h.by, h.action])).toEqual([['alice', 'opened'], ['clerk', 'responded'], ['bob', 'withdrawn']])
  })
})

describe('lateCounties', () => {
  it('names the counties whose current village report carries late_submission, not an earlier late one', async () => {
    const ledger = new MemoryLedger()
    const sub = (county: string, id: string, order: string, counts: Record<string, number>, dataset: SubmissionRecord['dataset'] = 'village_report') => ({
      submission_id: id, county, period: '2024Q2', dataset, status: 'accepted', received_at: order, order_key: order, object_key: `uploads/${county}/2024Q2/x.csv`,
      version_id: '', sequencer: '', uploaded_by: '', size: 1, sha256: '', rows: { total: 1, accepted: 1, rejected: 0 }, counts, report_key: '', raw_key: '', staged_keys: [],
    } satisfies SubmissionRecord)
    const all = [
      sub('522201', 'a', '1', { late_submission: 1 }),
      sub('522202', 'b', '1', { late_submission: 1 }), sub('522202', 'c', '2', {}),
      sub('522203', 'd', '1', {}), sub('522203', 'e', '2', { late_submission: 1, outlier: 2 }),
      sub('522204', 'f', '1', { late_submission: 1 }, 'monitored_households'),
    ]
    for (const s of all) {
      await ledger.record(s)
      await ledger.claimCurrent(s)
    }
    expect(await lateCounties(ledger, '2024Q2', ['522204', '522203', '522202', '522201', '522205'])).toEqual(['522201', '522203'])
  })
})

describe('overdueItemCounts', () => {
  it('counts items due by the quarter\'s last day still open after its look-back, per county', async () => {
    const rectifications = new MemoryRectifications()
    const q2 = appraisal('2024Q2', [county('522226', { red_flags: [{ indicator: 'dropouts', value: 2, villages: ['522226100001'] }] }), county('522227')])
    // Opened with 2024Q2: due 2024-09-30, so they count for 2024Q3's penalty, not 2024Q2's.
    await rectifyOnPublish({ engine, rectifications }, { appraisal: q2, late: ['522226', '522227'], at: AT, by: 'alice' })
    const pub = (period: string) => ({ period, at: new Date('2024-10-15T00:00:00Z'), by: 'bob' })
    expect(await overdueItemCounts({ engine, rectifications }, { year: 2024, quarter: 2 }, ['522226', '522227'], pub('2024Q2'))).toEqual(new Map())
    // 2024Q3's look-back closes 522226's red flag (its village is at 0 in 2024Q3); the late items stay.
    expect(await overdueItemCounts({ engine, rectifications }, { year: 2024, quarter: 3 }, ['522226', '522227', '522228'], pub('2024Q3'))).toEqual(new Map([['522226', 1], ['522227', 1]]))
    // Nothing was written: the look-back is only applied in the count.
    expect([...rectifications.items.values()].every((i) => i.version === 1)).toBe(true)
  })
})

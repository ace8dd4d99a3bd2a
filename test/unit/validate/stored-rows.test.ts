/**
 * The row each dataset stores, exactly, from cells as a county writes them: the contract's
 * normal forms (periods as 2024Q2, numbers without separators, dates as day numbers, enums and
 * lists as English keys, defaults for empty optional cells, the ID number as its hash only)
 * and the derived columns (village_report.md, monitored_households.md, org_units.md).
 */
import { describe, expect, it } from 'vitest'
import type { CuratedRecord } from '../../../functions/core/validate/validate-file.ts'
import { PERIOD, VILLAGE, rosterCsv, rosterRow, utf8, villageCsv, villageRow } from '../../support/village-rows.ts'
import { ON_TIME, validateBytes } from './harness.ts'

/** The hash the harness context would store, spelled out so the test sees what was hashed. */
const hashId = (id: string) => `hmac(${id})`

async function stored(bytes: Uint8Array, overrides: Parameters<typeof validateBytes>[1] = {}): Promise<CuratedRecord[]> {
  const records: CuratedRecord[] = []
  const { report } = await validateBytes(bytes, { hashId, ...overrides }, 'upload.csv', { write: (r) => void records.push(r) })
  expect(report.findings).toEqual([])
  return records
}

const derived = {
  county_code: '522226', city_code: '5222', province_code: '52', township_code: '522226101',
  submission_id: 'test-submission', submitted_at: ON_TIME.getTime(),
}

describe('the stored row', () => {
  it('village report: normal forms, the default of an empty optional cell, the derived codes', async () => {
    const row = villageRow({ period: '2024年第2季度', relocation_site: '', households: '1,300', population: '3,562', alleviated_income_per_capita: '8000.5' })
    const [record] = await stored(utf8(villageCsv([row])))
    expect(record).toEqual({
      period: PERIOD, village_code: VILLAGE, village_name: '坪坝村', township_name: '木黄镇', key_assisted: true, relocation_site: false,
      households: 1300, population: 3562, alleviated_households: 100, alleviated_persons: 350, relocated_households: 20, relocated_persons: 70,
      monitored_unstable_households: 5, monitored_unstable_persons: 15, monitored_marginal_households: 4, monitored_marginal_persons: 12,
      monitored_hardship_households: 2, monitored_hardship_persons: 6, monitored_new_households: 3, risk_eliminated_households: 6, risk_eliminated_persons: 18,
      alleviated_income_per_capita: 8000.5, persons_below_monitoring_line: 10, alleviated_labor: 200, alleviated_labor_employed: 150, public_welfare_posts: 5,
      relocated_zero_employment_households: 0, dropouts: 0, medical_insured_persons: 360, unsafe_houses: 0, unsafe_water_households: 0,
      collective_operating_income: 50000, linkage_funds_allocated: 100, linkage_funds_spent: 60, projects_planned: 4, projects_completed: 2,
      ...derived,
    })
  })

  it('roster: category and lists as English keys, dates as day numbers, days monitored to the period end', async () => {
    const [record] = await stored(utf8(rosterCsv([rosterRow()])))
    expect(record).toEqual({
      period: PERIOD, village_code: VILLAGE, household_id: 'H-0001', head_id_hash: 'hmac(522226198001011233)', category: 'unstable',
      household_size: 3, risk_causes: 'illness,education', income_per_capita: 6500,
      // 2023-05-10 is day 19,487 since 1970-01-01; 2024-06-30, the end of 2024Q2, day 19,904.
      identified_on: 19487, risk_eliminated: false, eliminated_on: null, assistance: 'industry,employment',
      ...derived, days_monitored: 19904 - 19487,
    })
  })

  it('roster: an ID number is hashed in its normal form (a lower-case x is X), an empty one stores nothing', async () => {
    const records = await stored(utf8(rosterCsv([
      rosterRow({ household_id: 'H-1', head_id_number: '11010519491231002x' }),
      rosterRow({ household_id: 'H-2', head_id_number: ' 11010519491231002X ' }),
      rosterRow({ household_id: 'H-3', head_id_number: '' }),
    ])))
    expect(records.map((r) => r['head_id_hash'])).toEqual(['hmac(11010519491231002X)', 'hmac(11010519491231002X)', null])
    expect(records.every((r) => !('head_id_number' in r))).toBe(true)
  })

  it('registry: levels as English keys, no parent for a province, active by default, the province derived', async () => {
    const text = '代码,名称,级别,上级代码,是否有效\r\n52,贵州省,省,,\r\n5222,铜仁市,市,52,否\r\n'
    const records = await stored(utf8(text), { county: null, period: null, dataset: 'org_units', candidates: ['org_units'] })
    expect(records).toEqual([
      { code: '52', name: '贵州省', level: 'province', parent_code: null, active: true, province_code: '52' },
      { code: '5222', name: '铜仁市', level: 'city', parent_code: '52', active: false, province_code: '52' },
    ])
  })
})

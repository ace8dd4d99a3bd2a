import {
  writeCountyAppraisals,
  writeMonitoredHouseholds,
  writeOrgUnits,
  writeVillageReports,
} from '../../support/lake-fixtures.ts'

/**
 * The hand-made lake of the SQL integration tests. Appraised quarter: 2024Q2 (default
 * collective-income threshold 50 000 yuan).
 *
 * - 522201 and 522202 in city 5222, 522301 in city 5223: province 52, which has a registry
 *   (522201: 4 active villages + 1 inactive; 522302 has no report: missing; 522303 inactive).
 * - 522201 also reported 2023Q2 (the year-earlier quarter) and 2023Q3 (not it).
 * - 522202 has red-line villages (dropouts in two villages, unsafe houses in one).
 * - 522301 has no monitored persons (null risk_elimination_rate) and no labour (null rate).
 * - 530101 and 530102: province 53, no registry. 530101 reported 2023Q4 and 2024Q1
 *   (3 distinct villages) and 2024Q3 (later: ignored); 530102 only this quarter.
 * - Rosters: 522201 has 3 households eliminated in Q2 (odd), one eliminated in Q1, one still
 *   monitored; 522202 has 4 eliminated in Q2 (even) and one still monitored; a 2024Q1 roster
 *   of 522201 must not leak into Q2.
 */
export const YEAR = 2024
export const QUARTER = 2

export const V522201 = {
  a: {
    village_code: '522201001001', population: 500, alleviated_persons: 100, alleviated_income_per_capita: 12000,
    monitored_unstable_households: 3, monitored_unstable_persons: 10, monitored_marginal_households: 2, monitored_marginal_persons: 6,
    monitored_hardship_households: 1, monitored_hardship_persons: 4, risk_eliminated_persons: 12, persons_below_monitoring_line: 5,
    alleviated_labor: 60, alleviated_labor_employed: 50, medical_insured_persons: 108, collective_operating_income: 60000,
    linkage_funds_allocated: 100, linkage_funds_spent: 40.5, projects_planned: 4, projects_completed: 2,
  },
  b: {
    village_code: '522201001002', population: 300, alleviated_persons: 50, alleviated_income_per_capita: 10000,
    monitored_unstable_households: 1, monitored_unstable_persons: 3, monitored_marginal_households: 1, monitored_marginal_persons: 2,
    risk_eliminated_persons: 2, persons_below_monitoring_line: 10, alleviated_labor: 30, alleviated_labor_employed: 20,
    medical_insured_persons: 50, collective_operating_income: 50000, linkage_funds_allocated: 50, linkage_funds_spent: 30.25,
    projects_planned: 2, projects_completed: 1,
  },
  c: { village_code: '522201002001', population: 200, collective_operating_income: 49999.5 },
}

export const V522202 = [
  // Written out of order on purpose: the queries sort.
  { village_code: '522202001003', dropouts: 3, alleviated_persons: 10, alleviated_income_per_capita: 7000, collective_operating_income: 80000 },
  {
    village_code: '522202001001', dropouts: 1, alleviated_persons: 20, alleviated_income_per_capita: 9000,
    monitored_marginal_households: 1, monitored_marginal_persons: 4, risk_eliminated_persons: 4, medical_insured_persons: 24,
    alleviated_labor: 8, alleviated_labor_employed: 8,
  },
  { village_code: '522202001002', unsafe_houses: 2, population: 600, persons_below_monitoring_line: 6 },
]

export const V522301 = [
  { village_code: '522301001001', alleviated_persons: 10, alleviated_income_per_capita: 8000, medical_insured_persons: 10,
    linkage_funds_allocated: 20, linkage_funds_spent: 20, projects_planned: 1, projects_completed: 1, collective_operating_income: 50000 },
]

export async function buildAppraisalLake(lakeDir: string): Promise<void> {
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '522201', rows: [V522201.a, V522201.b, V522201.c] })
  await writeVillageReports(lakeDir, {
    year: 2023, quarter: 2, county: '522201',
    rows: [{ village_code: '522201001001', alleviated_persons: 80, alleviated_income_per_capita: 10000 }],
  })
  await writeVillageReports(lakeDir, {
    year: 2023, quarter: 3, county: '522201',
    rows: [{ village_code: '522201001001', alleviated_persons: 80, alleviated_income_per_capita: 99999 }],
  })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '522202', rows: V522202 })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '522301', rows: V522301 })

  await writeVillageReports(lakeDir, { year: 2023, quarter: 4, county: '530101', rows: [{ village_code: '530101001001' }, { village_code: '530101001003' }] })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 1, county: '530101', rows: [{ village_code: '530101001001' }, { village_code: '530101001002' }] })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '530101', rows: [{ village_code: '530101001001' }, { village_code: '530101001002' }] })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 3, county: '530101', rows: [{ village_code: '530101001004' }] })
  await writeVillageReports(lakeDir, { year: 2024, quarter: 2, county: '530102', rows: [{ village_code: '530102001001' }] })

  await writeOrgUnits(lakeDir, '52', [
    { code: '52', name: '贵州省' },
    { code: '5222', name: '铜仁市' },
    { code: '5223', name: '黔西南州' },
    { code: '522201', name: '碧江区' },
    { code: '522201001', name: '甲镇' },
    { code: '522201002', name: '乙镇' },
    { code: '522201001001', name: '一村' },
    { code: '522201001002', name: '二村' },
    { code: '522201002001', name: '三村' },
    { code: '522201002002', name: '四村' },
    { code: '522201002003', name: '并入村', active: false },
    { code: '522202', name: '万山区' },
    { code: '522202001001', name: '五村' },
    { code: '522202001002', name: '六村' },
    { code: '522202001003', name: '七村' },
    { code: '522301', name: '兴义市' },
    { code: '522301001001', name: '八村' },
    { code: '522302', name: '兴仁市' },
    { code: '522302001001', name: '九村' },
    { code: '522303', name: '撤并县', active: false },
  ])

  await writeMonitoredHouseholds(lakeDir, {
    year: 2024, quarter: 2, county: '522201',
    rows: [
      { village_code: '522201001001', household_id: 'H1', identified_on: '2024-03-02', eliminated_on: '2024-04-01' }, // 30 days
      { village_code: '522201001001', household_id: 'H2', identified_on: '2024-05-01', eliminated_on: '2024-06-20' }, // 50
      { village_code: '522201001002', household_id: 'H3', identified_on: '2024-03-22', eliminated_on: '2024-06-20' }, // 90
      { village_code: '522201001002', household_id: 'H4', identified_on: '2024-03-10', eliminated_on: '2024-03-20' }, // 10, in Q1
      { village_code: '522201002001', household_id: 'H5', identified_on: '2024-01-01', category: 'hardship', household_size: 5, risk_causes: 'illness,disaster', assistance: 'health,finance' }, // 181, stuck
    ],
  })
  await writeMonitoredHouseholds(lakeDir, {
    year: 2024, quarter: 1, county: '522201',
    rows: [
      { village_code: '522201001001', household_id: 'H0', identified_on: '2023-12-01', eliminated_on: '2024-02-01' },
      { village_code: '522201001001', household_id: 'H9', identified_on: '2023-01-01' },
    ],
  })
  await writeMonitoredHouseholds(lakeDir, {
    year: 2024, quarter: 2, county: '522202',
    rows: [
      { village_code: '522202001001', household_id: 'K1', identified_on: '2024-06-10', eliminated_on: '2024-06-30' }, // 20
      { village_code: '522202001001', household_id: 'K2', identified_on: '2024-05-20', eliminated_on: '2024-06-30' }, // 41
      { village_code: '522202001002', household_id: 'K3', identified_on: '2024-05-01', eliminated_on: '2024-06-30' }, // 60
      { village_code: '522202001002', household_id: 'K4', identified_on: '2024-03-22', eliminated_on: '2024-06-30' }, // 100
      { village_code: '522202001003', household_id: 'K5', identified_on: '2024-02-01', assistance: null }, // 150, stuck
    ],
  })
}

/** county_appraisals for 2023Q3 to 2024Q2 (the saved queries read them). */
export async function buildAppraisalHistory(lakeDir: string): Promise<void> {
  const row = (county: string, name: string, score: number, rankCity: number, rankProvince: number, fund: number | null, grade: string, redFlags = 0) => ({
    county, name, city: county.slice(0, 4), province: county.slice(0, 2), score, grade,
    rank_in_city: rankCity, rank_in_province: rankProvince, red_flag_count: redFlags,
    config_version: '2024.1', config_sha256: 'c0ffee', run_id: 'run-1', computed_at: '2024-07-15 02:00:00',
    fund_spending_rate: fund, villages_reported: 1,
  })
  await writeCountyAppraisals(lakeDir, 2024, 2, [
    row('522202', '万山区', 70.25, 2, 2, 0.5, 'fair', 2),
    row('522201', '碧江区', 85.5, 1, 1, 0.45, 'good'),
    row('530101', '530101', 75, 1, 1, null, 'fair'),
    row('522301', '兴义市', 60, 1, 3, 0.2, 'fair'),
  ])
  await writeCountyAppraisals(lakeDir, 2024, 1, [
    row('522201', '碧江区', 80, 1, 1, 0.2, 'good'),
    row('522202', '万山区', 72.5, 2, 2, 0.3, 'fair'),
    row('530101', '530101', 70, 1, 1, 0.1, 'fair'),
  ])
  await writeCountyAppraisals(lakeDir, 2023, 4, [row('522201', '碧江区', 78, 1, 1, 0.9, 'fair')])
  await writeCountyAppraisals(lakeDir, 2023, 3, [row('522201', '碧江区', 77, 1, 1, 0.7, 'fair')])
}

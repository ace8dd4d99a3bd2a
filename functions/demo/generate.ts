import { readFileSync } from 'node:fs'
import { VILLAGE_REPORT, MONITORED_HOUSEHOLDS } from '../../schemas/datasets.ts'
import { idCheckCharacter } from '../core/resident-id.ts'
import { formatPeriod, isoDate, parsePeriod, quarterLastDay, dayNumber, type Quarter } from '../core/period.ts'

/**
 * A seeded generator of believable sample data: real province, city and county codes
 * (places.csv), generated townships and villages, and figures shaped by published reports
 * (shared/data/README.md): 3–4 people a household, formerly-poor households 10–20% of a village,
 * monitored households a few per thousand people with risk elimination rising through the
 * year, income of the formerly poor growing 10–15% a year, fund spending lagging in Q1.
 */

export interface Place { code: string; name: string; level: string; parent: string }

export function loadPlaces(): Place[] {
  const text = readFileSync(new URL('./places.csv', import.meta.url), 'utf8')
  return text.trim().split(/\r?\n/).slice(1).map((line) => {
    const [code, name, level, parent] = line.split(',') as [string, string, string, string]
    return { code, name, level, parent: parent ?? '' }
  })
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TOWN_HEADS = ['青', '石', '龙', '马', '桃', '花', '白', '黄', '金', '银', '凤', '鹤', '松', '柏', '云', '清', '长', '太', '平', '安', '新', '民', '兴', '和', '双', '三', '高', '杨', '李', '张']
const TOWN_TAILS = ['坪', '溪', '坝', '河', '山', '岭', '口', '场', '湾', '关', '桥', '塘', '峰', '江', '田']
const TOWN_KINDS = ['镇', '镇', '镇', '乡', '乡', '街道']
const VILLAGE_TAILS = ['村', '村', '村', '村', '村', '社区']

export interface VillageSeed {
  code: string
  name: string
  township: string
  townshipName: string
  households: number
  personsPerHousehold: number
  alleviatedShare: number
  relocatedShare: number
  monitoredRate: number
  income2023: number
  collectiveAnnual: number
  fundsAnnual: number
  projects: number
  keyAssisted: boolean
  /** How well the county works (0–1): drives elimination, spending, employment, insurance. */
  quality: number
}

export interface CountyPlan {
  code: string
  name: string
  city: string
  province: string
  villages: VillageSeed[]
}

export interface ProvincePlan {
  province: Place
  cities: Place[]
  counties: CountyPlan[]
}

/** Townships and villages under real counties, the same for the same seed. */
export function planProvince(options: { seed: number; province: string; townshipsPerCounty: number; villagesPerTownship: number; counties?: number }): ProvincePlan {
  const places = loadPlaces()
  const province = places.find((p) => p.code === options.province && p.level === 'province')
  if (!province) throw new Error(`places.csv has no province ${options.province}`)
  const cities = places.filter((p) => p.level === 'city' && p.parent === province.code)
  const counties = places.filter((p) => p.level === 'county' && cities.some((c) => c.code === p.parent)).slice(0, options.counties)
  const rand = rng(options.seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo)
  return {
    province,
    cities,
    counties: counties.map((county) => {
      const villages: VillageSeed[] = []
      // Counties differ: some eliminate risk and spend their funds on schedule, some lag.
      const quality = Math.min(1, Math.max(0, 0.55 + (rand() - 0.5) * 0.9))
      const townNames = new Set<string>()
      for (let t = 1; t <= options.townshipsPerCounty; t++) {
        let townName: string
        do townName = `${pick(TOWN_HEADS)}${pick(TOWN_TAILS)}${pick(TOWN_KINDS)}`
        while (townNames.has(townName))
        townNames.add(townName)
        const township = `${county.code}${String(100 + t).padStart(3, '0')}`
        const villageNames = new Set<string>()
        for (let v = 1; v <= options.villagesPerTownship; v++) {
          let name: string
          do name = `${pick(TOWN_HEADS)}${pick(TOWN_HEADS)}${pick(VILLAGE_TAILS)}`
          while (villageNames.has(name))
          villageNames.add(name)
          villages.push({
            code: `${township}${String(200 + v).padStart(3, '0')}`,
            name,
            township,
            townshipName: townName,
            households: Math.round(between(300, 1500)),
            personsPerHousehold: between(3, 4),
            alleviatedShare: between(0.1, 0.2),
            relocatedShare: between(0, 0.3),
            monitoredRate: between(0.002, 0.006),
            income2023: between(12_000, 17_000),
            collectiveAnnual: between(40_000, 600_000),
            fundsAnnual: between(60, 400),
            projects: Math.round(between(2, 8)),
            keyAssisted: rand() < 0.2,
            quality: Math.min(1, Math.max(0, quality + (rand() - 0.5) * 0.2)),
          })
        }
      }
      return { code: county.code, name: county.name, city: county.parent, province: province.code, villages }
    }),
  }
}

/** The registry (org_units) of a planned province as CSV rows. */
export function registryCsv(plan: ProvincePlan): string {
  const lines = ['代码,名称,级别,上级代码,是否有效']
  lines.push(`${plan.province.code},${plan.province.name},省,,是`)
  for (const c of plan.cities) lines.push(`${c.code},${c.name},市,${plan.province.code},是`)
  for (const county of plan.counties) {
    lines.push(`${county.code},${county.name},县,${county.city},是`)
    const towns = new Map(county.villages.map((v) => [v.township, v.townshipName]))
    for (const [code, name] of towns) lines.push(`${code},${name},乡,${county.code},是`)
    for (const v of county.villages) lines.push(`${v.code},${v.name},村,${v.township},是`)
  }
  return `${lines.join('\n')}\n`
}

export interface Household {
  household_id: string
  head_id_number: string
  category: 'unstable' | 'marginal' | 'hardship'
  household_size: number
  risk_causes: string
  income_per_capita: number
  identified_on: string
  risk_eliminated: boolean
  eliminated_on: string
  assistance: string
}

export interface VillageQuarter {
  values: Record<string, string | number | boolean>
  households: Household[]
}

const CATEGORY_ZH = { unstable: '脱贫不稳定户', marginal: '边缘易致贫户', hardship: '突发严重困难户' } as const
const CAUSES = ['因病', '因残', '因学', '因灾', '因意外事故', '因务工就业不稳', '因产业项目失败']
const MEASURES = ['产业帮扶', '就业帮扶', '金融帮扶', '公益岗位', '教育帮扶', '健康帮扶', '综合保障']

/** A synthetic resident ID number with a valid check digit (not a real person's). */
export function syntheticIdNumber(region: string, rand: () => number): string {
  const y = 1950 + Math.floor(rand() * 50)
  const birth = isoDate(dayNumber(y, 1, 1) + Math.floor(rand() * 365)).replace(/-/g, '')
  const body = `${region}${birth}${String(Math.floor(rand() * 1000)).padStart(3, '0')}`
  return body + idCheckCharacter(body)
}

/** Schedules through the year: what share of the year's figure is reached by each quarter's end. */
const FUNDS_ALLOCATED = [0, 0.45, 0.75, 0.92, 1]
const FUNDS_SPENT_OF_ALLOCATED = [0, 0.3, 0.6, 0.8, 0.97]
const ELIMINATED_SHARE = [0, 0.2, 0.42, 0.6, 0.75]

/** One village's figures for a quarter, consistent with every rule, with its roster behind them. */
export function villageQuarter(v: VillageSeed, q: Quarter, seed: number): VillageQuarter {
  const rand = rng(seed ^ Number(v.code.slice(-6)) ^ (q.year * 10 + q.quarter) * 7919)
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo)
  const drift = 1 + (q.year - 2023) * 0.004 + q.quarter * 0.001
  const households = Math.round(v.households * drift)
  const population = Math.round(households * v.personsPerHousehold)
  const alleviatedHouseholds = Math.round(households * v.alleviatedShare)
  const alleviatedPersons = Math.round(alleviatedHouseholds * v.personsPerHousehold)
  const relocatedHouseholds = Math.round(alleviatedHouseholds * v.relocatedShare)
  const relocatedPersons = Math.round(relocatedHouseholds * v.personsPerHousehold)
  const monitoredTotal = Math.max(1, Math.round((population * v.monitoredRate) / v.personsPerHousehold))
  const unstable = Math.min(alleviatedHouseholds, Math.round(monitoredTotal * 0.4))
  const hardship = Math.round(monitoredTotal * 0.15)
  const marginal = Math.max(0, monitoredTotal - unstable - hardship)
  const lastDay = quarterLastDay(q)
  const households_: Household[] = []
  let n = 0
  const eliminateShare = ELIMINATED_SHARE[q.quarter]! * (0.55 + 0.7 * v.quality)
  for (const [category, count] of [['unstable', unstable], ['marginal', marginal], ['hardship', hardship]] as const) {
    for (let i = 0; i < count; i++) {
      n++
      const size = Math.max(1, Math.min(8, Math.round(between(1.5, 5.5))))
      const identified = lastDay - Math.floor(between(30, 900))
      const eliminated = rand() < eliminateShare
      const elimDay = eliminated ? Math.min(lastDay, identified + Math.floor(between(60, 400))) : 0
      households_.push({
        household_id: `${v.code}-${String(n).padStart(3, '0')}`,
        head_id_number: syntheticIdNumber(v.code.slice(0, 6), rand),
        category,
        household_size: size,
        risk_causes: CAUSES[Math.floor(rand() * CAUSES.length)]!,
        income_per_capita: Math.round(between(5000, 12000)),
        identified_on: isoDate(Math.max(identified, dayNumber(2021, 1, 1))),
        risk_eliminated: eliminated,
        eliminated_on: eliminated ? isoDate(Math.max(elimDay, Math.max(identified, dayNumber(2021, 1, 1)))) : '',
        assistance: MEASURES[Math.floor(rand() * MEASURES.length)]!,
      })
    }
  }
  const kind = (c: Household['category']) => households_.filter((h) => h.category === c)
  const persons = (hs: Household[]) => hs.reduce((s, h) => s + h.household_size, 0)
  const eliminatedHs = households_.filter((h) => h.risk_eliminated)
  const marginalPersons = persons(kind('marginal'))
  const hardshipPersons = persons(kind('hardship'))
  const annualIncome = v.income2023 * Math.pow(1 + between(0.1, 0.15), q.year - 2023)
  const labor = Math.round(alleviatedPersons * between(0.55, 0.65))
  const employedShare = 0.62 + 0.3 * v.quality + between(-0.03, 0.03)
  const spentShare = FUNDS_SPENT_OF_ALLOCATED[q.quarter]! * (0.65 + 0.45 * v.quality)
  const allocated = v.fundsAnnual * FUNDS_ALLOCATED[q.quarter]!
  const projectsCompleted = Math.min(v.projects, Math.floor(v.projects * (q.quarter / 4) * between(0.7, 1)))
  const values: Record<string, string | number | boolean> = {
    period: formatPeriod(q),
    village_code: v.code,
    village_name: v.name,
    township_name: v.townshipName,
    key_assisted: v.keyAssisted,
    relocation_site: relocatedHouseholds > 40,
    households,
    population,
    alleviated_households: alleviatedHouseholds,
    alleviated_persons: alleviatedPersons,
    relocated_households: relocatedHouseholds,
    relocated_persons: relocatedPersons,
    monitored_unstable_households: kind('unstable').length,
    monitored_unstable_persons: persons(kind('unstable')),
    monitored_marginal_households: kind('marginal').length,
    monitored_marginal_persons: marginalPersons,
    monitored_hardship_households: kind('hardship').length,
    monitored_hardship_persons: hardshipPersons,
    monitored_new_households: households_.filter((h) => Date.parse(h.identified_on) / 86_400_000 > lastDay - 91).length,
    risk_eliminated_households: eliminatedHs.length,
    risk_eliminated_persons: persons(eliminatedHs),
    alleviated_income_per_capita: Math.round(annualIncome * (q.quarter / 4) * 10) / 10,
    persons_below_monitoring_line: Math.round(population * between(0, 0.004)),
    alleviated_labor: labor,
    alleviated_labor_employed: Math.min(labor, Math.round(labor * employedShare)),
    public_welfare_posts: Math.round(between(2, 20)),
    relocated_zero_employment_households: 0,
    dropouts: 0,
    medical_insured_persons: Math.round((alleviatedPersons + marginalPersons + hardshipPersons) * Math.min(1, 0.975 + 0.03 * v.quality)),
    unsafe_houses: 0,
    unsafe_water_households: 0,
    collective_operating_income: Math.round(v.collectiveAnnual * (0.5 + v.quality) * (q.quarter / 4)),
    linkage_funds_allocated: Math.round(allocated * 10) / 10,
    linkage_funds_spent: Math.round(allocated * spentShare * between(0.92, 1.05) * 10) / 10,
    projects_planned: v.projects,
    projects_completed: projectsCompleted,
  }
  if ((values['linkage_funds_spent'] as number) > (values['linkage_funds_allocated'] as number)) values['linkage_funds_spent'] = values['linkage_funds_allocated']!
  return { values, households: households_ }
}

const yesNo = (b: boolean) => (b ? '是' : '否')
const csvCell = (v: string | number | boolean | null | undefined) => {
  const s = typeof v === 'boolean' ? yesNo(v) : String(v ?? '')
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A village report as a county's Excel would save it: Chinese headers. */
export function villageReportCsv(rows: VillageQuarter[]): string {
  const cols = VILLAGE_REPORT.columns
  return `${[cols.map((c) => c.zh).join(','), ...rows.map((r) => cols.map((c) => csvCell(r.values[c.key])).join(','))].join('\n')}\n`
}

/** The roster of monitored households behind a county's village reports. */
export function rosterCsv(period: string, rows: VillageQuarter[]): string {
  const cols = MONITORED_HOUSEHOLDS.columns
  const lines = [cols.map((c) => c.zh).join(',')]
  for (const r of rows) {
    for (const h of r.households) {
      const rec: Record<string, string | number | boolean | null | undefined> = { ...h, period, village_code: r.values['village_code'], category: CATEGORY_ZH[h.category] }
      lines.push(cols.map((c) => csvCell(rec[c.key])).join(','))
    }
  }
  return `${lines.join('\n')}\n`
}

export function quartersBetween(from: string, to: string): Quarter[] {
  const a = parsePeriod(from)!
  const b = parsePeriod(to)!
  const out: Quarter[] = []
  for (let y = a.year, q = a.quarter; y < b.year || (y === b.year && q <= b.quarter); q === 4 ? (y++, (q = 1)) : q++) out.push({ year: y, quarter: q })
  return out
}

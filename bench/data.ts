/**
 * Bench data, all from the project's seeded generator (functions/demo/generate.ts), written
 * to files the way a county would upload them.
 *
 * A roster of millions of rows for one county cannot come from `villageQuarter` village by
 * village: a village has a handful of monitored households, so a million rows would be
 * ~275,000 villages in one county (real counties have a few hundred) and ~15 s of generation.
 * So the generator makes a pool of real-looking households (every field from
 * `villageQuarter`, serialised by `rosterCsv`), and the file deals them out over the
 * county's planned villages, each row under its village's code with a household number of
 * its own. Every row is valid and every key is distinct; the validator does exactly the
 * work it would do on a real roster.
 */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { MONITORED_HOUSEHOLDS } from '../schemas/datasets.ts'
import { planProvince, rosterCsv, villageQuarter, villageReportCsv, type CountyPlan, type VillageQuarter } from '../functions/demo/generate.ts'
import type { Quarter } from '../functions/core/period.ts'

export const BENCH_SEED = 20240711
export const BENCH_PERIOD = '2024Q2'
export const BENCH_QUARTER: Quarter = { year: 2024, quarter: 2 }
/** Villages of the bench county: 20 townships × 50 villages, a large real county. */
const TOWNSHIPS = 20
const VILLAGES_PER_TOWNSHIP = 50
/** Rounds of `villageQuarter` over the county's villages for the household pool. */
const POOL_ROUNDS = 4

export function benchCounty(seed = BENCH_SEED): CountyPlan {
  return planProvince({ seed, province: '52', townshipsPerCounty: TOWNSHIPS, villagesPerTownship: VILLAGES_PER_TOWNSHIP, counties: 1 }).counties[0]!
}

/** The 12 contract cells of a roster row, as `rosterCsv` writes them, without period, village and household number. */
interface PoolRow {
  /** The CSV text from the 4th cell on (head ID number … assistance). */
  tail: string
  /** The same cells split, for writers of other formats. */
  cells: string[]
}

function householdPool(county: CountyPlan, seed: number): PoolRow[] {
  const pool: PoolRow[] = []
  for (let round = 0; round < POOL_ROUNDS; round++) {
    const rows: VillageQuarter[] = county.villages.map((v) => villageQuarter(v, BENCH_QUARTER, seed + round))
    const lines = rosterCsv(BENCH_PERIOD, rows).split('\n').slice(1, -1)
    for (const line of lines) {
      // period, village_code, household_id, then the rest: none of the first three is quoted.
      let at = 0
      for (let i = 0; i < 3; i++) at = line.indexOf(',', at) + 1
      const tail = line.slice(at)
      pool.push({ tail, cells: tail.split(',') })
    }
  }
  return pool
}

export interface RosterSpec {
  rows: number
  seed?: number
}

/** Row i of a roster: village i mod V, household number i div V (distinct keys by construction). */
function* rosterRows(spec: RosterSpec): Generator<{ village: string; household: string; pool: PoolRow }> {
  const seed = spec.seed ?? BENCH_SEED
  const county = benchCounty(seed)
  const pool = householdPool(county, seed)
  const villages = county.villages.map((v) => v.code)
  const width = String(Math.ceil(spec.rows / villages.length)).length
  for (let i = 0; i < spec.rows; i++) {
    const village = villages[i % villages.length]!
    const n = Math.floor(i / villages.length) + 1
    yield { village, household: `${village}-${String(n).padStart(Math.max(3, width), '0')}`, pool: pool[i % pool.length]! }
  }
}

export function rosterHeader(): string[] {
  return MONITORED_HOUSEHOLDS.columns.map((c) => c.zh)
}

/** Writes a roster CSV of `rows` rows (UTF-8, Chinese headers, as `rosterCsv` writes it); returns its size in bytes. */
export async function writeRosterCsv(path: string, spec: RosterSpec): Promise<number> {
  const out = createWriteStream(path)
  let bytes = 0
  let buffer = `${rosterHeader().join(',')}\n`
  for (const r of rosterRows(spec)) {
    buffer += `${BENCH_PERIOD},${r.village},${r.household},${r.pool.tail}\n`
    if (buffer.length > 1 << 20) {
      bytes += Buffer.byteLength(buffer)
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }
  bytes += Buffer.byteLength(buffer)
  out.end(buffer)
  await once(out, 'finish')
  return bytes
}

/** The roster's rows as cells (header first), for the XLSX writer. */
export function* rosterCells(spec: RosterSpec): Generator<string[]> {
  yield rosterHeader()
  for (const r of rosterRows(spec)) yield [BENCH_PERIOD, r.village, r.household, ...r.pool.cells]
}

/** A village report of the county's first `villages` villages for a quarter. */
export function villageReportText(villages: number, quarter: Quarter, seed = BENCH_SEED): string {
  const county = planProvince({ seed, province: '52', townshipsPerCounty: Math.ceil(villages / VILLAGES_PER_TOWNSHIP), villagesPerTownship: VILLAGES_PER_TOWNSHIP, counties: 1 }).counties[0]!
  return villageReportCsv(county.villages.slice(0, villages).map((v) => villageQuarter(v, quarter, seed)))
}

/** Day number of `YYYY-MM-DD` → Excel 1900-system serial (what Excel stores in a date cell). */
function excelSerial(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / 86_400_000 + 25569
}

/**
 * The roster as a county's Excel would save it: text cells as shared strings, counts and money
 * as numbers, dates as date-formatted serials, yes/no as text.
 */
export async function writeRosterXlsx(path: string, spec: RosterSpec): Promise<number> {
  const { buildXlsx } = await import('../test/support/xlsx-builder.ts')
  const { writeFile } = await import('node:fs/promises')
  type Cell = string | number | null | { date: number }
  const rows: Cell[][] = []
  let first = true
  for (const cells of rosterCells(spec)) {
    if (first) {
      rows.push(cells)
      first = false
      continue
    }
    // period, village, household, head ID, category, size, causes, income, identified, eliminated?, eliminated on, assistance
    const [p, v, h, id, category, size, causes, income, identified, eliminated, eliminatedOn, assistance] = cells as [string, string, string, string, string, string, string, string, string, string, string, string]
    rows.push([p, v, h, id, category, Number(size), causes, Number(income), { date: excelSerial(identified) }, eliminated, eliminatedOn === '' ? null : { date: excelSerial(eliminatedOn) }, assistance])
  }
  const bytes = buildXlsx({ sheets: [{ name: '监测户名册', rows }] })
  await writeFile(path, bytes)
  return bytes.length
}

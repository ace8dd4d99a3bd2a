import { DuckDBInstance } from '@duckdb/node-api'
import type { DuckDBConnection } from '@duckdb/node-api'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { DERIVED_COLUMNS, HOUSEHOLD_DERIVED_COLUMNS, MONITORED_HOUSEHOLDS, ORG_UNITS, VILLAGE_REPORT } from '../../schemas/datasets.ts'
import { APPRAISAL_COLUMNS } from '../../functions/core/appraisal/appraisal-columns.ts'
import { SQL_TYPE, type ColumnStorage } from '../../functions/adapters/duckdb-query-engine.ts'

/**
 * Writes fixture Parquet into a temporary lake directory with the exact curated schemas
 * (contract column specs of schemas/datasets.ts, derived columns, appraisal columns): each
 * file is a DuckDB `COPY (SELECT …) TO … (FORMAT parquet)` with every column cast explicitly.
 */

type Cell = string | number | boolean | null
type Storage = Exclude<ColumnStorage, 'integer'>
interface FileColumn {
  key: string
  storage: Storage
}

export const VILLAGE_REPORT_FILE_COLUMNS: readonly FileColumn[] = [
  ...VILLAGE_REPORT.columns.map((c) => ({ key: c.key, storage: c.storage })),
  ...DERIVED_COLUMNS,
]
export const MONITORED_HOUSEHOLDS_FILE_COLUMNS: readonly FileColumn[] = [
  ...MONITORED_HOUSEHOLDS.columns.map((c) => ({ key: c.storedAs ?? c.key, storage: c.storage })),
  ...DERIVED_COLUMNS,
  ...HOUSEHOLD_DERIVED_COLUMNS,
]
export const ORG_UNITS_FILE_COLUMNS: readonly FileColumn[] = [
  ...ORG_UNITS.columns.map((c) => ({ key: c.key, storage: c.storage })),
  { key: 'province_code', storage: 'string' },
]
export const COUNTY_APPRAISALS_FILE_COLUMNS: readonly FileColumn[] = APPRAISAL_COLUMNS

let writer: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined

function connection(): Promise<DuckDBConnection> {
  writer ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      threads: '1',
    })
    return { instance, connection: await instance.connect() }
  })()
  return writer.then((w) => w.connection)
}

/** Closes the fixture writer's DuckDB (call in afterAll). */
export async function closeLakeFixtures(): Promise<void> {
  if (writer === undefined) return
  const { instance, connection: c } = await writer
  writer = undefined
  c.closeSync()
  instance.closeSync()
}

export async function createLakeDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'va-lake-'))
}

export async function removeLakeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

function sqlLiteral(value: Cell): string {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Fixture value is not finite: ${value}`)
    // Exact decimal text of the double, so that DuckDB reads back the same double.
    return String(value)
  }
  return `'${value.replaceAll("'", "''")}'`
}

/** Writes rows to a Parquet file with exactly `columns`, in order, each cast to its type. */
export async function writeParquet(file: string, columns: readonly FileColumn[], rows: readonly Readonly<Record<string, Cell | undefined>>[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const select = (row: Readonly<Record<string, Cell | undefined>> | undefined) =>
    columns.map((c) => `CAST(${row === undefined ? 'NULL' : sqlLiteral(row[c.key] ?? null)} AS ${SQL_TYPE[c.storage]}) AS "${c.key}"`).join(', ')
  for (const row of rows) {
    const unknown = Object.keys(row).filter((k) => !columns.some((c) => c.key === k))
    if (unknown.length > 0) throw new Error(`Fixture row has columns not in the file: ${unknown.join(', ')}`)
  }
  const body = rows.length === 0 ? `SELECT ${select(undefined)} WHERE false` : rows.map((row) => `SELECT ${select(row)}`).join('\nUNION ALL\n')
  const c = await connection()
  await c.run(`COPY (${body}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`)
}

export type VillageRow = Readonly<Record<string, Cell | undefined>> & { village_code: string }

/** Every column of a village row at a neutral value (households 100, population 400, other counts 0). */
export function villageDefaults(villageCode: string, period: string): Record<string, Cell> {
  const row: Record<string, Cell> = {}
  for (const c of VILLAGE_REPORT.columns) row[c.key] = c.storage === 'bigint' || c.storage === 'double' ? 0 : c.storage === 'boolean' ? false : null
  return {
    ...row,
    period,
    village_code: villageCode,
    village_name: `村${villageCode.slice(-3)}`,
    township_name: `乡${villageCode.slice(6, 9)}`,
    households: 100,
    population: 400,
  }
}

function derived(villageCode: string, submissionId: string, submittedAt: string): Record<string, Cell> {
  return {
    county_code: villageCode.slice(0, 6),
    city_code: villageCode.slice(0, 4),
    province_code: villageCode.slice(0, 2),
    township_code: villageCode.slice(0, 9),
    submission_id: submissionId,
    submitted_at: submittedAt,
  }
}

export interface CountyFile<Row> {
  year: number
  quarter: number
  county: string
  rows: readonly Row[]
  submissionId?: string
  /** UTC, `YYYY-MM-DD HH:MM:SS` (default: 10 days after the quarter). */
  submittedAt?: string
}

function quarterEnd(year: number, quarter: number): Date {
  return new Date(Date.UTC(year, quarter * 3, 0))
}

function defaultSubmittedAt(year: number, quarter: number): string {
  const d = quarterEnd(year, quarter)
  d.setUTCDate(d.getUTCDate() + 10)
  return `${d.toISOString().slice(0, 10)} 09:30:00`
}

/** `curated/village_report/year=/quarter=/<county>.parquet`; returns the file path. */
export async function writeVillageReports(lakeDir: string, file: CountyFile<VillageRow>): Promise<string> {
  const period = `${file.year}Q${file.quarter}`
  const submissionId = file.submissionId ?? `sub-${file.county}-${period}`
  const submittedAt = file.submittedAt ?? defaultSubmittedAt(file.year, file.quarter)
  const rows = file.rows.map((r) => ({ ...villageDefaults(r.village_code, period), ...derived(r.village_code, submissionId, submittedAt), ...r }))
  const path = join(lakeDir, 'curated/village_report', `year=${file.year}`, `quarter=${file.quarter}`, `${file.county}.parquet`)
  await writeParquet(path, VILLAGE_REPORT_FILE_COLUMNS, rows)
  return path
}

export type HouseholdRow = Readonly<Record<string, Cell | undefined>> & {
  village_code: string
  household_id: string
  identified_on: string
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/**
 * `curated/monitored_households/year=/quarter=/<county>.parquet`. `days_monitored` is computed
 * as the contract says (identified_on to eliminated_on, or to the quarter's last day) unless given.
 */
export async function writeMonitoredHouseholds(lakeDir: string, file: CountyFile<HouseholdRow>): Promise<string> {
  const period = `${file.year}Q${file.quarter}`
  const submissionId = file.submissionId ?? `sub-mh-${file.county}-${period}`
  const submittedAt = file.submittedAt ?? defaultSubmittedAt(file.year, file.quarter)
  const lastDay = quarterEnd(file.year, file.quarter).toISOString().slice(0, 10)
  const rows = file.rows.map((r) => {
    const eliminatedOn = typeof r.eliminated_on === 'string' ? r.eliminated_on : null
    return {
      period,
      head_id_hash: null,
      category: 'marginal',
      household_size: 3,
      risk_causes: 'illness',
      income_per_capita: 8000,
      risk_eliminated: eliminatedOn !== null,
      eliminated_on: eliminatedOn,
      assistance: 'industry',
      ...derived(r.village_code, submissionId, submittedAt),
      days_monitored: daysBetween(r.identified_on, eliminatedOn ?? lastDay),
      ...r,
    }
  })
  const path = join(lakeDir, 'curated/monitored_households', `year=${file.year}`, `quarter=${file.quarter}`, `${file.county}.parquet`)
  await writeParquet(path, MONITORED_HOUSEHOLDS_FILE_COLUMNS, rows)
  return path
}

export interface OrgUnitRow {
  code: string
  name: string
  active?: boolean
}

const LEVEL_OF_LENGTH: Record<number, string> = { 2: 'province', 4: 'city', 6: 'county', 9: 'township', 12: 'village' }
const PARENT_LENGTH: Record<number, number> = { 4: 2, 6: 4, 9: 6, 12: 9 }

/** `curated/org_units/<province>.parquet`: level and parent derived from the code's length. */
export async function writeOrgUnits(lakeDir: string, province: string, units: readonly OrgUnitRow[]): Promise<string> {
  const rows = units.map((u) => {
    const parentLength = PARENT_LENGTH[u.code.length]
    return {
      code: u.code,
      name: u.name,
      level: LEVEL_OF_LENGTH[u.code.length] ?? null,
      parent_code: parentLength === undefined ? null : u.code.slice(0, parentLength),
      active: u.active ?? true,
      province_code: u.code.slice(0, 2),
    }
  })
  const path = join(lakeDir, 'curated/org_units', `${province}.parquet`)
  await writeParquet(path, ORG_UNITS_FILE_COLUMNS, rows)
  return path
}

/** `analytics/county_appraisals/year=/quarter=/data.parquet`; missing columns are NULL. */
export async function writeCountyAppraisals(
  lakeDir: string,
  year: number,
  quarter: number,
  rows: readonly Readonly<Record<string, Cell | undefined>>[],
): Promise<string> {
  const path = join(lakeDir, 'analytics/county_appraisals', `year=${year}`, `quarter=${quarter}`, 'data.parquet')
  await writeParquet(path, COUNTY_APPRAISALS_FILE_COLUMNS, rows)
  return path
}

/**
 * The quarterly appraisal at national scale: 500,000 villages × 8 quarters of village reports
 * in the local lake, then `runAppraisal` (the project's SQL on DuckDB, scoring, the Parquet
 * table, the DynamoDB items in the local emulator, the HTML report), beside DuckDB's bare
 * GROUP BY of the same rows.
 *
 * The villages are planned by the generator (`planProvince` over every county of places.csv,
 * 63 counties); their figures come from `villageQuarter` for 64 villages of each county and
 * quarter, dealt out to the county's other villages under their own codes and names (the
 * generator makes ~20,000 village-quarters a second: 4M would take minutes). DuckDB writes
 * the lake files, one per county and quarter, with the curated schema.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { VILLAGE_REPORT } from '../schemas/datasets.ts'
import { curatedColumns } from '../functions/core/curated-columns.ts'
import { formatPeriod, type Quarter } from '../functions/core/period.ts'
import { loadPlaces, planProvince, villageQuarter, type VillageSeed } from '../functions/demo/generate.ts'
import { localAppraisalDeps } from '../functions/local/local-runtime.ts'
import { stateDirs } from '../functions/local/emulators.ts'
import { startLocalPipeline } from '../functions/local/local-pipeline.ts'
import { runAppraisal } from '../functions/use-cases/run-appraisal.ts'
import { BENCH_SEED } from './data.ts'

const TEMPLATES = 64
const QUARTERS: Quarter[] = [2023, 2024].flatMap((year) => ([1, 2, 3, 4] as const).map((quarter) => ({ year, quarter })))

const SQL_TYPE = { string: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP' } as const

function csvLine(cells: unknown[]): string {
  return `${cells.map((c) => (typeof c === 'boolean' ? (c ? 'true' : 'false') : String(c ?? ''))).join('\t')}\n`
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path)
  let buffer = ''
  for (const line of lines) {
    buffer += line
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }
  out.end(buffer)
  await once(out, 'finish')
}

/** Plans `villages` villages over every county of places.csv. */
function planVillages(villages: number): VillageSeed[][] {
  const provinces = loadPlaces().filter((p) => p.level === 'province')
  const countyCount = loadPlaces().filter((p) => p.level === 'county').length
  const perCounty = Math.ceil(villages / countyCount)
  const townships = Math.ceil(perCounty / 500)
  const out: VillageSeed[][] = []
  for (const province of provinces) {
    const plan = planProvince({ seed: BENCH_SEED, province: province.code, townshipsPerCounty: townships, villagesPerTownship: Math.ceil(perCounty / townships) })
    for (const county of plan.counties) out.push(county.villages.slice(0, perCounty))
  }
  let extra = out.reduce((s, c) => s + c.length, 0) - villages
  for (const county of out) {
    while (extra > 0 && county.length > 1) {
      county.pop()
      extra--
    }
  }
  return out
}

/** Writes the lake under `lakeDir`; returns the number of village-quarter rows. */
export async function buildLake(lakeDir: string, work: string, villages: number): Promise<number> {
  const counties = planVillages(villages)
  const keys = VILLAGE_REPORT.columns.map((c) => c.key).filter((k) => !['period', 'village_code', 'village_name', 'township_name'].includes(k))
  const villageLines = function* () {
    for (const county of counties) {
      for (let i = 0; i < county.length; i++) yield csvLine([county[i]!.code, county[i]!.name, county[i]!.townshipName, i % TEMPLATES])
    }
  }
  const templateLines = function* () {
    for (const county of counties) {
      for (const q of QUARTERS) {
        for (let t = 0; t < Math.min(TEMPLATES, county.length); t++) {
          const { values } = villageQuarter(county[t]!, q, BENCH_SEED)
          yield csvLine([county[t]!.code.slice(0, 6), t, q.year, q.quarter, formatPeriod(q), ...keys.map((k) => values[k])])
        }
      }
    }
  }
  await mkdir(work, { recursive: true })
  await writeLines(join(work, 'villages.tsv'), villageLines())
  await writeLines(join(work, 'templates.tsv'), templateLines())

  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '2' })
  const c = await instance.connect()
  const lit = (s: string) => `'${s.replaceAll("'", "''")}'`
  const storage = new Map(curatedColumns('village_report').map((col) => [col.name, col.storage]))
  await c.run(`CREATE TABLE villages AS SELECT * FROM read_csv(${lit(join(work, 'villages.tsv'))}, delim = '\t', header = false,
    columns = {'code': 'VARCHAR', 'name': 'VARCHAR', 'township_name': 'VARCHAR', 'idx': 'INTEGER'})`)
  const templateColumns = [`'county': 'VARCHAR'`, `'idx': 'INTEGER'`, `'year': 'INTEGER'`, `'quarter': 'INTEGER'`, `'period': 'VARCHAR'`,
    ...keys.map((k) => `'${k}': '${SQL_TYPE[storage.get(k)!]}'`)]
  await c.run(`CREATE TABLE templates AS SELECT * FROM read_csv(${lit(join(work, 'templates.tsv'))}, delim = '\t', header = false, columns = {${templateColumns.join(', ')}})`)
  const select = curatedColumns('village_report').map((col) => {
    const t = SQL_TYPE[col.storage]
    switch (col.name) {
      case 'village_code': return `CAST(v.code AS ${t}) AS village_code`
      case 'village_name': return `CAST(v.name AS ${t}) AS village_name`
      case 'township_name': return `CAST(v.township_name AS ${t}) AS township_name`
      case 'county_code': return `substr(v.code, 1, 6) AS county_code`
      case 'city_code': return `substr(v.code, 1, 4) AS city_code`
      case 'province_code': return `substr(v.code, 1, 2) AS province_code`
      case 'township_code': return `substr(v.code, 1, 9) AS township_code`
      case 'submission_id': return `'bench-' || substr(v.code, 1, 6) AS submission_id`
      case 'submitted_at': return `CAST(make_date(t.year, t.quarter * 3, 28) AS TIMESTAMP) AS submitted_at`
      default: return `CAST(t.${col.name} AS ${t}) AS ${col.name}`
    }
  })
  let rows = 0
  for (const q of QUARTERS) {
    const out = join(work, `q${q.year}${q.quarter}`)
    const reader = await c.runAndReadAll(`COPY (SELECT ${select.join(', ')} FROM villages v JOIN templates t ON t.county = substr(v.code, 1, 6) AND t.idx = v.idx
      WHERE t.year = ${q.year} AND t.quarter = ${q.quarter}) TO ${lit(out)} (FORMAT parquet, PARTITION_BY (county_code), WRITE_PARTITION_COLUMNS true)`)
    rows += Number(reader.getRows()[0]?.[0] ?? 0)
    const target = join(lakeDir, 'curated', 'village_report', `year=${q.year}`, `quarter=${q.quarter}`)
    await mkdir(target, { recursive: true })
    for (const part of await readdir(out)) {
      const county = part.replace('county_code=', '')
      const files = await readdir(join(out, part))
      await rename(join(out, part, files[0]!), join(target, `${county}.parquet`))
    }
    await rm(out, { recursive: true, force: true })
  }
  c.closeSync()
  instance.closeSync()
  return rows
}

export interface AggregateResult {
  rows: number
  counties: number
  seconds: number
  duckdb_group_by_seconds: number
  lake_build_seconds: number
}

/** Builds the lake in a fresh local pipeline's mirror and appraises 2024Q4. */
export async function benchAggregate(home: string, villages = 500_000): Promise<AggregateResult> {
  const pipeline = await startLocalPipeline({ home, inMemoryDynamo: true })
  try {
    const started = performance.now()
    const rows = await buildLake(stateDirs(home).lakeMirror, join(home, 'build'), villages)
    const lakeSeconds = (performance.now() - started) / 1000
    const deps = await localAppraisalDeps({ home: pipeline.home, s3: pipeline.s3.client, dynamo: pipeline.dynamo.client })
    try {
      const t0 = performance.now()
      const run = await runAppraisal(deps, { period: '2024Q4', now: new Date('2025-01-15T02:00:00+08:00') })
      const seconds = (performance.now() - t0) / 1000
      // The bare aggregate DuckDB does on the same rows: one GROUP BY, a few sums.
      const t1 = performance.now()
      await deps.engine.query(`SELECT county_code, year, quarter, count(*) AS villages, sum(population) AS population, sum(alleviated_persons) AS alleviated,
        sum(alleviated_income_per_capita * alleviated_persons) AS income, sum(linkage_funds_spent) AS spent FROM village_reports GROUP BY county_code, year, quarter`)
      const groupBy = (performance.now() - t1) / 1000
      return { rows, counties: run.appraisal.counties.length, seconds, duckdb_group_by_seconds: groupBy, lake_build_seconds: lakeSeconds }
    } finally {
      await deps.engine.close()
    }
  } finally {
    await pipeline.close()
  }
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`)
}

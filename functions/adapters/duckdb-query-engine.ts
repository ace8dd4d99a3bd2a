import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  StatementType,
} from '@duckdb/node-api'
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBValue } from '@duckdb/node-api'
import { join, resolve, sep } from 'node:path'
import { DERIVED_COLUMNS, HOUSEHOLD_DERIVED_COLUMNS, MONITORED_HOUSEHOLDS, ORG_UNITS, VILLAGE_REPORT } from '../../schemas/datasets.ts'
import type { StorageType } from '../../schemas/datasets.ts'
import { REGION_INDICATOR_COLUMNS } from '../../schemas/region-columns.ts'
import { RECTIFICATION_COLUMNS } from '../../schemas/rectification-columns.ts'
import { APPRAISAL_COLUMNS } from '../core/appraisal/appraisal-columns.ts'
import type { QueryEngine, SqlRow, SqlValue } from '../use-cases/ports.ts'
import { withNamedQueries } from './sql-files.ts'
import { PipelineError } from '../core/errors.ts'

/**
 * The local stand-in for Athena: an in-memory DuckDB whose views `village_reports`,
 * `monitored_households`, `county_appraisals` and `org_units` read the lake directory's
 * Parquet the way the Glue tables read the lake bucket (year and quarter from the hive path).
 */

export type ColumnStorage = StorageType | 'timestamp' | 'integer'

export interface LakeColumn {
  key: string
  storage: ColumnStorage
}

export interface LakeTable {
  name: string
  /** Glob under the lake directory. */
  glob: string
  hivePartitioned: boolean
  columns: readonly LakeColumn[]
}

const PARTITIONS: readonly LakeColumn[] = [
  { key: 'year', storage: 'integer' },
  { key: 'quarter', storage: 'integer' },
]

/** The lake tables and their columns, as the curated writers lay them down (interfaces.md). */
export const LAKE_TABLES: readonly LakeTable[] = [
  {
    name: 'village_reports',
    glob: 'curated/village_report/year=*/quarter=*/*.parquet',
    hivePartitioned: true,
    columns: [...VILLAGE_REPORT.columns.map((c) => ({ key: c.storedAs ?? c.key, storage: c.storage })), ...DERIVED_COLUMNS, ...PARTITIONS],
  },
  {
    name: 'monitored_households',
    glob: 'curated/monitored_households/year=*/quarter=*/*.parquet',
    hivePartitioned: true,
    columns: [
      ...MONITORED_HOUSEHOLDS.columns.map((c) => ({ key: c.storedAs ?? c.key, storage: c.storage })),
      ...DERIVED_COLUMNS,
      ...HOUSEHOLD_DERIVED_COLUMNS,
      ...PARTITIONS,
    ],
  },
  {
    name: 'county_appraisals',
    glob: 'analytics/county_appraisals/year=*/quarter=*/*.parquet',
    hivePartitioned: true,
    columns: [...APPRAISAL_COLUMNS, ...PARTITIONS],
  },
  {
    name: 'region_indicators',
    glob: 'analytics/region_indicators/year=*/quarter=*/*.parquet',
    hivePartitioned: true,
    columns: [...REGION_INDICATOR_COLUMNS, ...PARTITIONS],
  },
  {
    name: 'rectifications',
    glob: 'analytics/rectifications/year=*/quarter=*/*.parquet',
    hivePartitioned: true,
    columns: [...RECTIFICATION_COLUMNS, ...PARTITIONS],
  },
  {
    name: 'org_units',
    glob: 'curated/org_units/*.parquet',
    hivePartitioned: false,
    columns: [...ORG_UNITS.columns.map((c) => ({ key: c.key, storage: c.storage })), { key: 'province_code', storage: 'string' }],
  },
]

/** DuckDB's type for each storage type of a lake column. */
export const SQL_TYPE: Record<ColumnStorage, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  integer: 'INTEGER',
}

export interface DuckDbQueryEngineOptions {
  /** The local mirror of the lake bucket. */
  lakeDir: string
  /** DuckDB worker threads (default 2). */
  threads?: number
}

export interface DuckDbQueryEngine extends QueryEngine {
  readonly name: 'duckdb'
  /** Re-creates every view (queries already re-create a view when its files appear or vanish). */
  refresh(): Promise<void>
  close(): Promise<void>
}

export class DuckDbQueryError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'DuckDbQueryError'
  }
}

export async function createDuckDbQueryEngine(options: DuckDbQueryEngineOptions): Promise<DuckDbQueryEngine> {
  const instance = await DuckDBInstance.create(':memory:', {
    // httpfs and friends cannot be downloaded here, and the lake is local: never fetch extensions.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    threads: String(options.threads ?? 2),
  })
  const connection = await instance.connect()
  await sandbox(connection, options.lakeDir)
  /** Whether each view currently reads files (false: an empty typed view). */
  const viewReadsFiles = new Map<string, boolean>()
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false

  // One connection, one statement at a time: callers may run queries concurrently.
  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task)
    queue = run.catch(() => undefined)
    return run
  }

  async function syncViews(force: boolean): Promise<void> {
    const globs = LAKE_TABLES.map((t) => `(SELECT count(*) FROM glob(${literal(join(options.lakeDir, t.glob))})) > 0 AS ${t.name}`)
    const reader = await connection.runAndReadAll(`SELECT ${globs.join(', ')}`)
    const found = reader.getRowObjects()[0] ?? {}
    for (const table of LAKE_TABLES) {
      const hasFiles = found[table.name] === true
      if (!force && viewReadsFiles.get(table.name) === hasFiles) continue
      await connection.run(viewSql(table, options.lakeDir, hasFiles))
      viewReadsFiles.set(table.name, hasFiles)
    }
  }

  return withNamedQueries({
    name: 'duckdb',
    query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
      return serialized(async () => {
        if (closed) throw new DuckDbQueryError('The DuckDB query engine is closed')
        await syncViews(false)
        let prepared: DuckDBPreparedStatement
        try {
          prepared = await connection.prepare(sql)
        } catch (error) {
          throw new DuckDbQueryError(`DuckDB could not prepare the query: ${(error as Error).message}`, { cause: error })
        }
        try {
          if (!READING_STATEMENTS.has(prepared.statementType)) {
            throw new DuckDbQueryError('Only a query that reads runs here (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN): the lake is read-only')
          }
          if (prepared.parameterCount !== params.length) {
            throw new DuckDbQueryError(`The query has ${prepared.parameterCount} parameters but ${params.length} were given`)
          }
          params.forEach((value, i) => bindParam(prepared, i + 1, value))
          const reader = await prepared.runAndReadAll()
          return toRows(reader.columnNames(), reader.getRows())
        } finally {
          prepared.destroySync()
        }
      })
    },
    refresh(): Promise<void> {
      return serialized(() => syncViews(true))
    },
    close(): Promise<void> {
      return serialized(async () => {
        if (closed) return
        closed = true
        connection.closeSync()
        instance.closeSync()
      })
    },
  })
}

/** Statements that only read: DESCRIBE, SHOW, SUMMARIZE and PRAGMA table_info prepare as SELECT. */
const READING_STATEMENTS: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN])

/**
 * Shuts the engine in with the lake: files only under the lake directory, no extensions
 * installed or loaded, and the settings locked so a query cannot switch them back. Writing into
 * the lake (COPY, ATTACH, EXPORT) is refused by statement type in `query`, since
 * `allowed_directories` grants writes as well as reads. The views read through the same
 * allowance, so `syncViews` still re-creates them when files appear.
 */
async function sandbox(connection: DuckDBConnection, lakeDir: string): Promise<void> {
  const root = resolve(lakeDir)
  await connection.run(`SET allowed_directories = [${literal(root.endsWith(sep) ? root : root + sep)}]`)
  await connection.run('SET enable_external_access = false')
  await connection.run('SET lock_configuration = true')
}

/** The view of a lake table: its files with every column cast to its declared type, or no rows. */
export function viewSql(table: LakeTable, lakeDir: string, hasFiles: boolean): string {
  const columns = table.columns.map((c) => `CAST(${hasFiles ? quoteIdent(c.key) : 'NULL'} AS ${SQL_TYPE[c.storage]}) AS ${quoteIdent(c.key)}`)
  if (!hasFiles) {
    // A view over no files must still exist with the right columns (read_parquet fails on an empty glob).
    return `CREATE OR REPLACE VIEW ${table.name} AS SELECT ${columns.join(', ')} WHERE false`
  }
  const hive = table.hivePartitioned ? `hive_partitioning = true, hive_types = {'year': INTEGER, 'quarter': INTEGER}` : 'hive_partitioning = false'
  const source = `read_parquet(${literal(join(lakeDir, table.glob))}, ${hive}, union_by_name = true)`
  return `CREATE OR REPLACE VIEW ${table.name} AS SELECT ${columns.join(', ')} FROM ${source}`
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** JS values to DuckDB parameters: whole numbers as INTEGER (BIGINT beyond 32 bits), others DOUBLE. */
function bindParam(prepared: DuckDBPreparedStatement, index: number, value: SqlValue): void {
  if (value === null) prepared.bindNull(index)
  else if (typeof value === 'boolean') prepared.bindBoolean(index, value)
  else if (typeof value === 'string') prepared.bindVarchar(index, value)
  else if (Number.isInteger(value) && Math.abs(value) <= 2_147_483_647) prepared.bindInteger(index, value)
  else if (Number.isSafeInteger(value)) prepared.bindBigInt(index, BigInt(value))
  else if (Number.isFinite(value)) prepared.bindDouble(index, value)
  else throw new DuckDbQueryError(`Parameter ${index} is not a finite number: ${value}`)
}

function toRows(names: readonly string[], rows: readonly DuckDBValue[][]): SqlRow[] {
  return rows.map((row) => {
    const out: SqlRow = {}
    names.forEach((name, i) => {
      out[name] = toSqlValue(row[i] ?? null)
    })
    return out
  })
}

/**
 * DuckDB values to the port's: BIGINT/HUGEINT narrowed to number when safe (else the decimal
 * string), DECIMAL to number, DATE as `YYYY-MM-DD`, TIMESTAMP as an ISO string in UTC with
 * millisecond precision (as Athena returns them), anything else as its text.
 */
export function toSqlValue(value: DuckDBValue): SqlValue {
  if (value === null) return null
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') return value
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()
  }
  if (value instanceof DuckDBDecimalValue) return value.toDouble()
  if (value instanceof DuckDBDateValue) return value.toString()
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return isoFromMillis(floorDiv(value.micros, 1000n))
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoFromMillis(value.millis)
  if (value instanceof DuckDBTimestampSecondsValue) return isoFromMillis(value.seconds * 1000n)
  return value.toString()
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n ? q - 1n : q
}

function isoFromMillis(millis: bigint): string {
  return new Date(Number(millis)).toISOString()
}

import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena'
import type {
  ColumnInfo,
  GetQueryExecutionCommandOutput,
  GetQueryResultsCommandOutput,
  StartQueryExecutionCommandOutput,
} from '@aws-sdk/client-athena'
import type { QueryEngine, SqlRow, SqlValue } from '../use-cases/ports.ts'
import { withNamedQueries } from './sql-files.ts'
import { PipelineError } from '../core/errors.ts'

/**
 * QueryEngine on Athena: start the query with positional ExecutionParameters, poll with
 * exponential backoff until it settles, then page through the results and type them by the
 * result set's column types.
 */

export type AthenaCommand = StartQueryExecutionCommand | GetQueryExecutionCommand | GetQueryResultsCommand | StopQueryExecutionCommand

/** The part of AthenaClient this adapter uses (a test passes a scripted fake). */
export interface AthenaSender {
  send(command: AthenaCommand): Promise<unknown>
}

export interface AthenaQueryEngineOptions {
  client: AthenaSender
  workGroup: string
  /** Glue database of the lake tables (village_appraisal). */
  database: string
  /** First wait between polls (default 200 ms); each wait doubles up to maxPollMs. */
  pollIntervalMs?: number
  /** Longest wait between two polls (default 5 000 ms). */
  maxPollMs?: number
  /** Total wait before the query is stopped and QueryTimeoutError thrown (default 10 minutes). */
  timeoutMs?: number
  /**
   * The whole run's deadline, in epoch milliseconds, read when each query starts: a query still
   * running then is stopped and QueryTimeoutError thrown, however much of timeoutMs is left. A
   * Lambda function passes its invocation's start plus QUERY_DEADLINE_SECONDS (shorter than its
   * timeout), so StopQueryExecution is sent before Lambda ends the invocation. None by default.
   */
  deadline?: () => number | undefined
  /** The clock the deadline is compared with (default Date.now; tests pass one that follows sleep). */
  now?: () => number
  /** Rows per GetQueryResults page (default and maximum 1 000). */
  pageSize?: number
  /** Injected in tests so that backoff costs no real time. */
  sleep?: (ms: number) => Promise<void>
}

/** The query ended FAILED or CANCELLED; `reason` is Athena's StateChangeReason. */
export class QueryFailedError extends PipelineError {
  readonly queryExecutionId: string
  readonly state: string
  readonly reason: string | undefined
  constructor(message: string, details: { queryExecutionId: string; state: string; reason?: string | undefined }, options?: ErrorOptions) {
    super(message, options)
    this.name = 'QueryFailedError'
    this.queryExecutionId = details.queryExecutionId
    this.state = details.state
    this.reason = details.reason
  }
}

/** The query did not settle within timeoutMs; it was asked to stop. */
export class QueryTimeoutError extends QueryFailedError {
  constructor(message: string, details: { queryExecutionId: string; state: string }, options?: ErrorOptions) {
    super(message, details, options)
    this.name = 'QueryTimeoutError'
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function createAthenaQueryEngine(options: AthenaQueryEngineOptions): QueryEngine {
  const { client, workGroup, database } = options
  const firstWait = options.pollIntervalMs ?? 200
  const maxWait = options.maxPollMs ?? 5_000
  const timeoutMs = options.timeoutMs ?? 600_000
  const now = options.now ?? Date.now
  const pageSize = Math.min(options.pageSize ?? 1_000, 1_000)
  const sleep = options.sleep ?? defaultSleep

  async function waitUntilSucceeded(queryExecutionId: string): Promise<void> {
    let waited = 0
    let wait = firstWait
    const deadline = options.deadline?.()
    for (;;) {
      const out = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }))) as GetQueryExecutionCommandOutput
      const status = out.QueryExecution?.Status
      const state = status?.State ?? 'UNKNOWN'
      if (state === 'SUCCEEDED') return
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = status?.StateChangeReason
        throw new QueryFailedError(
          `Athena query ${queryExecutionId} ${state}${reason === undefined ? '' : `: ${reason}`}`,
          { queryExecutionId, state, reason },
          status?.AthenaError === undefined ? undefined : { cause: status.AthenaError },
        )
      }
      const left = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - now()
      if (waited >= timeoutMs || left <= 0) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }))
        const why = left <= 0 ? 'at the run\'s deadline' : `after ${waited} ms`
        throw new QueryTimeoutError(`Athena query ${queryExecutionId} still ${state} ${why}; stopped`, { queryExecutionId, state })
      }
      // Never sleep past the deadline: the stop must go out before the caller's time is up.
      const pause = Math.min(wait, left)
      await sleep(pause)
      waited += pause
      wait = Math.min(wait * 2, maxWait)
    }
  }

  async function readResults(queryExecutionId: string): Promise<SqlRow[]> {
    const rows: SqlRow[] = []
    let columns: ColumnInfo[] | undefined
    let nextToken: string | undefined
    let firstPage = true
    do {
      const page = (await client.send(
        new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: nextToken, MaxResults: pageSize }),
      )) as GetQueryResultsCommandOutput
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []
      const data = page.ResultSet?.Rows ?? []
      // The first row of the first page repeats the column names.
      for (const row of firstPage ? data.slice(1) : data) {
        const out: SqlRow = {}
        columns.forEach((column, i) => {
          out[column.Name ?? `_col${i}`] = fromAthena(row.Data?.[i]?.VarCharValue, column.Type ?? 'varchar')
        })
        rows.push(out)
      }
      firstPage = false
      nextToken = page.NextToken
    } while (nextToken !== undefined && nextToken !== '')
    return rows
  }

  return withNamedQueries<Omit<QueryEngine, 'named'>>({
    name: 'athena',
    async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
      const started = (await client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: workGroup,
          QueryExecutionContext: { Database: database },
          // Athena refuses an empty list: leave it out when there is nothing to bind.
          ...(params.length > 0 ? { ExecutionParameters: params.map(toExecutionParameter) } : {}),
        }),
      )) as StartQueryExecutionCommandOutput
      const id = started.QueryExecutionId
      if (id === undefined) throw new Error('Athena StartQueryExecution returned no QueryExecutionId')
      await waitUntilSucceeded(id)
      return readResults(id)
    },
  })
}

/**
 * A positional parameter as Athena takes it: SQL literal text. Strings are quoted (quotes
 * doubled), numbers and booleans plain, null as NULL.
 */
export function toExecutionParameter(value: SqlValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (!Number.isFinite(value)) throw new Error(`Parameter is not a finite number: ${value}`)
  // Integers print as integers; others as the shortest text that round-trips (DOUBLE or DECIMAL to Trino).
  return String(value)
}

/**
 * A result cell (always text, absent for NULL) typed by its column type: integers and
 * decimals to numbers (BIGINT beyond 2^53 stays text), booleans, DATE as `YYYY-MM-DD`,
 * TIMESTAMP as an ISO string in UTC; varchar and anything else as text.
 */
export function fromAthena(value: string | undefined, type: string): SqlValue {
  if (value === undefined) return null
  const base = type.toLowerCase().replace(/\(.*$/, '').trim()
  switch (base) {
    case 'boolean':
      return value === 'true'
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return Number(value)
    case 'bigint': {
      const n = Number(value)
      return Number.isSafeInteger(n) ? n : value
    }
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(value)
    case 'date':
      return value
    case 'timestamp':
      return isoTimestamp(value, false)
    case 'timestamp with time zone':
      return isoTimestamp(value, true)
    default:
      return value
  }
}

/** `2024-07-12 09:12:44.123` (UTC) → `2024-07-12T09:12:44.123Z`; unparseable text is kept as is. */
function isoTimestamp(value: string, withZone: boolean): string {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:\s*(UTC|Z))?$/.exec(value.trim())
  if (match === null || (withZone && match[3] === undefined)) return value
  const [, date, time] = match
  const fraction = /\.(\d+)$/.exec(time ?? '')?.[1] ?? ''
  const millis = fraction.padEnd(3, '0').slice(0, 3)
  const seconds = (time ?? '').replace(/\.\d+$/, '')
  const parsed = new Date(`${date}T${seconds}.${millis}Z`)
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString()
}

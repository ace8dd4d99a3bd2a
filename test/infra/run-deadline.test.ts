import { describe, expect, it } from 'vitest'
import { createAthenaQueryEngine, QueryTimeoutError } from '../../functions/adapters/athena-query-engine.ts'
import type { AthenaCommand, AthenaSender } from '../../functions/adapters/athena-query-engine.ts'
import { synthesized } from './synthesized.ts'

// The aggregate function's numbers as deployed, held against the Athena engine's behaviour: the
// quarterly run's queries go one after another, so what must end before Lambda's timeout is the
// whole run, not each query.
const prod = synthesized('prod')
const fn = prod.resources[prod.ids.analytics.aggregate.function]!.Properties as {
  Timeout: number
  Environment: { Variables: Record<string, string> }
}
const timeoutMs = fn.Timeout * 1000
const deadlineMs = Number(fn.Environment.Variables.QUERY_DEADLINE_SECONDS) * 1000

/** Athena on a clock that only sleep advances: each query runs `durationMs`, and every stop is recorded. */
function slowAthena(durationMs: number) {
  let clock = 0
  let started = 0
  const startedAt = new Map<string, number>()
  const stops: { id: string; at: number }[] = []
  const client: AthenaSender = {
    async send(command: AthenaCommand) {
      const input = command.input as { QueryExecutionId?: string }
      switch (command.constructor.name) {
        case 'StartQueryExecutionCommand': {
          const id = `q-${++started}`
          startedAt.set(id, clock)
          return { QueryExecutionId: id }
        }
        case 'GetQueryExecutionCommand': {
          const done = clock - (startedAt.get(input.QueryExecutionId!) ?? 0) >= durationMs
          return { QueryExecution: { Status: { State: done ? 'SUCCEEDED' : 'RUNNING' } } }
        }
        case 'GetQueryResultsCommand':
          return { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } }
        case 'StopQueryExecutionCommand':
          stops.push({ id: input.QueryExecutionId!, at: clock })
          return {}
      }
      throw new Error(`unexpected ${command.constructor.name}`)
    },
  }
  const engine = createAthenaQueryEngine({
    client,
    workGroup: prod.names.athenaWorkGroup,
    database: prod.names.glueDatabase,
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    // As the handler passes it: the invocation's start (0 here) plus QUERY_DEADLINE_SECONDS.
    deadline: () => deadlineMs,
  })
  return { engine, stops, started: () => started, clock: () => clock }
}

describe('the quarterly run stops its Athena queries before Lambda stops the function', () => {
  it('the deadline is set, and leaves minutes before the function\'s timeout', () => {
    expect(deadlineMs).toBeGreaterThan(0)
    expect(timeoutMs - deadlineMs).toBeGreaterThanOrEqual(2 * 60_000)
  })

  it('nine queries of 4 minutes each: the one running at the deadline is stopped then, inside the function\'s time', async () => {
    const athena = slowAthena(4 * 60_000)
    let failure: unknown
    try {
      for (let i = 0; i < 9; i++) await athena.engine.query('SELECT 1')
    } catch (error) {
      failure = error
    }
    expect(failure).toBeInstanceOf(QueryTimeoutError)
    // Each query would have stayed within the engine's own 10 minutes; together they pass the deadline.
    expect(athena.started()).toBeLessThan(9)
    expect(athena.stops).toEqual([{ id: `q-${athena.started()}`, at: deadlineMs }])
    expect(athena.clock()).toBeLessThan(timeoutMs)
  })

  it('one query that never settles is stopped no later than the deadline', async () => {
    const athena = slowAthena(Number.POSITIVE_INFINITY)
    await expect(athena.engine.query('SELECT 1')).rejects.toBeInstanceOf(QueryTimeoutError)
    // Alone from the start of the run, it meets the engine's own 10-minute limit first.
    expect(athena.stops).toHaveLength(1)
    expect(athena.stops[0]!.at).toBeLessThanOrEqual(deadlineMs)
  })

  it('queries that finish in time are not stopped', async () => {
    const athena = slowAthena(30_000)
    for (let i = 0; i < 9; i++) await athena.engine.query('SELECT 1')
    expect(athena.stops).toEqual([])
    expect(athena.clock()).toBeLessThan(deadlineMs)
  })
})

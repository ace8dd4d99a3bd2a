import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena'
import type { AthenaClient, GetQueryResultsCommandOutput, QueryExecutionState } from '@aws-sdk/client-athena'
import { describe, expect, it } from 'vitest'
import {
  createAthenaQueryEngine,
  fromAthena,
  QueryFailedError,
  QueryTimeoutError,
  toExecutionParameter,
} from '../../functions/adapters/athena-query-engine.ts'
import type { AthenaCommand, AthenaSender } from '../../functions/adapters/athena-query-engine.ts'

// The real client fits the port the adapter asks for (checked by tsc).
const realClientFits = (client: AthenaClient): AthenaSender => client
void realClientFits

type Page = Pick<GetQueryResultsCommandOutput, 'ResultSet' | 'NextToken'>

/** A scripted Athena: answers by command class and remembers what it was sent. */
function fakeAthena(script: { states: { State: QueryExecutionState; StateChangeReason?: string; AthenaError?: object }[]; pages?: Page[] }) {
  const sent: AthenaCommand[] = []
  let poll = 0
  let page = 0
  const client: AthenaSender = {
    async send(command) {
      sent.push(command)
      if (command instanceof StartQueryExecutionCommand) return { QueryExecutionId: 'q-1' }
      if (command instanceof GetQueryExecutionCommand) {
        const status = script.states[Math.min(poll++, script.states.length - 1)]
        return { QueryExecution: { QueryExecutionId: 'q-1', Status: status } }
      }
      if (command instanceof GetQueryResultsCommand) return script.pages?.[page++] ?? {}
      if (command instanceof StopQueryExecutionCommand) return {}
      throw new Error('unexpected command')
    },
  }
  return { client, sent }
}

function recordingSleep() {
  const waits: number[] = []
  return { waits, sleep: async (ms: number) => void waits.push(ms) }
}

const columns = (...cols: [string, string][]) => ({ ColumnInfo: cols.map(([Name, Type]) => ({ Name, Type })) })
const row = (...values: (string | undefined)[]) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) })

describe('the Athena query engine', () => {
  it('starts the query with quoted positional parameters and polls with exponential backoff until SUCCEEDED', async () => {
    const { client, sent } = fakeAthena({
      states: [{ State: 'QUEUED' }, { State: 'RUNNING' }, { State: 'RUNNING' }, { State: 'RUNNING' }, { State: 'SUCCEEDED' }],
      pages: [{ ResultSet: { ResultSetMetadata: columns(['n', 'bigint']), Rows: [row('n'), row('1')] } }],
    })
    const { waits, sleep } = recordingSleep()
    const engine = createAthenaQueryEngine({ client, workGroup: 'va', database: 'village_appraisal', pollIntervalMs: 100, maxPollMs: 300, sleep })
    expect(engine.name).toBe('athena')
    expect(await engine.query('SELECT 1 AS n WHERE ? = ?', [2024, "it's", 0.25, true, null])).toEqual([{ n: 1 }])
    expect(waits).toEqual([100, 200, 300, 300])
    expect(sent[0]?.input).toEqual({
      QueryString: 'SELECT 1 AS n WHERE ? = ?',
      WorkGroup: 'va',
      QueryExecutionContext: { Database: 'village_appraisal' },
      ExecutionParameters: ['2024', "'it''s'", '0.25', 'true', 'NULL'],
    })
    expect(sent.map((c) => c.constructor.name)).toEqual([
      'StartQueryExecutionCommand',
      ...Array(5).fill('GetQueryExecutionCommand'),
      'GetQueryResultsCommand',
    ])
  })

  it('sends no ExecutionParameters without parameters', async () => {
    const { client, sent } = fakeAthena({ states: [{ State: 'SUCCEEDED' }], pages: [{ ResultSet: { ResultSetMetadata: columns(), Rows: [row()] } }] })
    const engine = createAthenaQueryEngine({ client, workGroup: 'va', database: 'db', sleep: recordingSleep().sleep })
    expect(await engine.query('SELECT 1')).toEqual([])
    expect(sent[0]?.input).toEqual({ QueryString: 'SELECT 1', WorkGroup: 'va', QueryExecutionContext: { Database: 'db' } })
  })

  it('pages through GetQueryResults by NextToken, skipping only the first page’s header row', async () => {
    const meta = columns(['county', 'varchar'], ['rank', 'integer'])
    const { client, sent } = fakeAthena({
      states: [{ State: 'SUCCEEDED' }],
      pages: [
        { ResultSet: { ResultSetMetadata: meta, Rows: [row('county', 'rank'), row('522201', '1'), row('522202', '2')] }, NextToken: 't1' },
        { ResultSet: { ResultSetMetadata: meta, Rows: [row('522203', '3')] }, NextToken: 't2' },
        { ResultSet: { ResultSetMetadata: meta, Rows: [row('county', '4')] } },
      ],
    })
    const engine = createAthenaQueryEngine({ client, workGroup: 'va', database: 'db', sleep: recordingSleep().sleep })
    expect(await engine.query('SELECT county, rank FROM t')).toEqual([
      { county: '522201', rank: 1 },
      { county: '522202', rank: 2 },
      { county: '522203', rank: 3 },
      // A later page's first row is data, even if it looks like a header.
      { county: 'county', rank: 4 },
    ])
    expect(sent.filter((c) => c instanceof GetQueryResultsCommand).map((c) => c.input)).toEqual([
      { QueryExecutionId: 'q-1', NextToken: undefined, MaxResults: 1000 },
      { QueryExecutionId: 'q-1', NextToken: 't1', MaxResults: 1000 },
      { QueryExecutionId: 'q-1', NextToken: 't2', MaxResults: 1000 },
    ])
  })

  it('types the values by the result set’s column types', async () => {
    const meta = columns(
      ['big', 'bigint'], ['huge', 'bigint'], ['i', 'integer'], ['d', 'double'], ['dec', 'decimal'], ['b', 'boolean'],
      ['s', 'varchar'], ['day', 'date'], ['ts', 'timestamp'], ['missing', 'double'], ['empty', 'varchar'],
    )
    const { client } = fakeAthena({
      states: [{ State: 'SUCCEEDED' }],
      pages: [{
        ResultSet: {
          ResultSetMetadata: meta,
          Rows: [
            row('big', 'huge', 'i', 'd', 'dec', 'b', 's', 'day', 'ts', 'missing', 'empty'),
            row('42', '9007199254740993', '7', '0.6234177215189873', '76.37', 'true', '碧江区', '2024-03-05', '2024-07-12 09:12:44.123', undefined, ''),
            row('-3', '0', '0', '1.0E-4', '0.5', 'false', 'x', '2024-02-29', '2024-07-12 09:12:44', undefined, undefined),
          ],
        },
      }],
    })
    const engine = createAthenaQueryEngine({ client, workGroup: 'va', database: 'db', sleep: recordingSleep().sleep })
    expect(await engine.query('SELECT …')).toEqual([
      {
        big: 42, huge: '9007199254740993', i: 7, d: 0.6234177215189873, dec: 76.37, b: true, s: '碧江区',
        day: '2024-03-05', ts: '2024-07-12T09:12:44.123Z', missing: null, empty: '',
      },
      { big: -3, huge: 0, i: 0, d: 0.0001, dec: 0.5, b: false, s: 'x', day: '2024-02-29', ts: '2024-07-12T09:12:44.000Z', missing: null, empty: null },
    ])
  })

  it.each([
    ['FAILED', 'SYNTAX_ERROR: line 1:8: Column \'nope\' cannot be resolved'],
    ['CANCELLED', 'Query cancelled by user'],
  ] as const)('throws QueryFailedError with the reason when the query ends %s', async (state, reason) => {
    const athenaError = { ErrorCategory: 2, ErrorType: 1006, ErrorMessage: reason }
    const { client, sent } = fakeAthena({ states: [{ State: 'RUNNING' }, { State: state, StateChangeReason: reason, AthenaError: athenaError }] })
    const engine = createAthenaQueryEngine({ client, workGroup: 'va', database: 'db', sleep: recordingSleep().sleep })
    const error = await engine.query('SELECT nope').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(QueryFailedError)
    expect(error).toMatchObject({
      name: 'QueryFailedError',
      message: `Athena query q-1 ${state}: ${reason}`,
      queryExecutionId: 'q-1',
      state,
      reason,
      cause: athenaError,
    })
    expect(sent.some((c) => c instanceof GetQueryResultsCommand)).toBe(false)
  })

  it('stops a query that does not settle within the timeout', async () => {
    const { client, sent } = fakeAthena({ states: [{ State: 'RUNNING' }] })
    const { waits, sleep } = recordingSleep()
    const engine = createAthenaQueryEngine({ client, workGroup: 'va', database: 'db', pollIntervalMs: 100, maxPollMs: 400, timeoutMs: 1000, sleep })
    await expect(engine.query('SELECT 1')).rejects.toThrow(new QueryTimeoutError('Athena query q-1 still RUNNING after 1100 ms; stopped', { queryExecutionId: 'q-1', state: 'RUNNING' }))
    expect(waits).toEqual([100, 200, 400, 400])
    expect(sent.at(-1)).toBeInstanceOf(StopQueryExecutionCommand)
    expect(sent.at(-1)?.input).toEqual({ QueryExecutionId: 'q-1' })
  })
})

describe('parameters and values', () => {
  it.each([
    ['text', 'a', "'a'"],
    ['a quote', "O'Brien", "'O''Brien'"],
    ['an integer', 2024, '2024'],
    ['a fraction', 0.95, '0.95'],
    ['a negative', -1.5, '-1.5'],
    ['true', true, 'true'],
    ['null', null, 'NULL'],
  ] as const)('%s is passed as %s', (_what, value, expected) => {
    expect(toExecutionParameter(value)).toBe(expected)
  })

  it('refuses a non-finite number', () => {
    expect(() => toExecutionParameter(Number.NaN)).toThrow(new Error('Parameter is not a finite number: NaN'))
  })

  it.each([
    ['1', 'tinyint', 1],
    ['12', 'smallint', 12],
    ['2.5', 'real', 2.5],
    ['12.50', 'decimal(10,2)', 12.5],
    ['2024-07-12 01:12:44.000 UTC', 'timestamp with time zone', '2024-07-12T01:12:44.000Z'],
    ['2024-07-12 09:12:44.123 Asia/Shanghai', 'timestamp with time zone', '2024-07-12 09:12:44.123 Asia/Shanghai'],
    ['[1, 2]', 'array(integer)', '[1, 2]'],
    ['abc', 'char(3)', 'abc'],
  ] as const)('%s of type %s reads as %s', (value, type, expected) => {
    expect(fromAthena(value, type)).toBe(expected)
  })
})

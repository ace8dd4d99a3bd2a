import type { StoredCountyAppraisal } from '../../use-cases/ports.ts'
import { PeriodLockedError } from '../../use-cases/run-appraisal.ts'
import { listSavedQueries, loadSavedQuery, SqlFileError } from '../../adapters/sql-files.ts'
import { parsePeriod } from '../../core/period.ts'
import { UsageError, displayOf, parseFlags, requireCounty, requirePeriod, type Command, type CommandIo } from '../args.ts'
import { openTarget, type TargetSession } from '../targets.ts'
import { table } from '../format.ts'
import { appraisalDocument, countyHistory as readCountyHistory, readAppraisal } from '../../use-cases/read-appraisal.ts'

async function withTarget<T>(io: CommandIo, target: unknown, work: (session: TargetSession) => Promise<T>): Promise<T> {
  const session = await openTarget(target, io, { requireState: true })
  try {
    return await work(session)
  } finally {
    await session.close()
  }
}

const fmt = (n: unknown, digits = 1) => (typeof n === 'number' ? n.toFixed(digits) : '—')

export const aggregateCommand: Command = {
  name: 'aggregate',
  summary: 'run the quarterly appraisal now',
  usage: 'va aggregate --period <YYYYQn> [--publish] [--json]',
  help: `Computes every county's indicators from the accepted village reports of the quarter (the
SQL in functions/sql/, on DuckDB locally and Athena on AWS), scores, grades and ranks them,
writes analytics/county_appraisals/… and the appraisals table. A re-run replaces the quarter
and keeps the previous run as a prior version.

Options:
  --period <YYYYQn>   the quarter
  --publish           lock the quarter: later uploads for it are rejected (period_locked)
  --by <name>         who publishes (default: $USER)
  --json              print the appraisal JSON`,
  async run(argv, io) {
    const { values } = parseFlags(argv, { period: { type: 'string' }, publish: { type: 'boolean' }, by: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
    const period = requirePeriod(values.period)
    return withTarget(io, values.target, async (session) => {
      const deps = await session.appraisal()
      try {
        let result
        try {
          // The aggregate function's own handler, with the event an operator sends it.
          result = await session.aggregate(deps, { period, publish: values.publish ?? false, source: values.by ?? io.env['USER'] ?? 'local' })
        } catch (e) {
          if (!(e instanceof PeriodLockedError)) throw e
          io.err(`va aggregate: ${e.message}`)
          return 1
        }
        const counties = (await deps.appraisals.byPeriod(period)).sort((a, b) => a.rank_in_province - b.rank_in_province || a.county.localeCompare(b.county))
        if (values.json) io.out(JSON.stringify({ ...result, counties }, null, 2))
        else {
          io.out(`appraisal ${period}: ${result.counties} counties scored, run ${result.run_id}${result.published ? ', published and locked' : ''}`)
          if (result.missing_counties.length) io.out(`missing counties: ${result.missing_counties.join(', ')}`)
          io.out(rankingTable(counties, false, displayOf(io).columns))
        }
        return 0
      } finally {
        await deps.engine.close?.()
      }
    })
  },
}

/** The ranking; with a city, its counties' rank in the city first, and the province rank named as such. */
export function rankingTable(counties: StoredCountyAppraisal[], byCity = false, columns?: number): string {
  return table([...(byCity ? ['city rank'] : []), 'province rank', 'county', 'name', 'city', 'score', 'grade', 'red flags'], counties.map((c) => [
    ...(byCity ? [String(c.rank_in_city)] : []),
    String(c.rank_in_province), c.county, c.name ?? '', c.city, fmt(c.score, 2), c.grade,
    c.red_flags.map((f) => `${f.indicator} ${f.value} (${f.villages.join(' ')})`).join('; '),
  ]), columns)
}

/** One county in full: its ranking line, then each scored indicator's value and points. */
export function countyDetail(c: StoredCountyAppraisal, columns?: number): string {
  return [
    rankingTable([c], true, columns),
    '',
    table(['indicator', 'value', 'floor', 'target', 'weight', 'points'], c.breakdown.map((b) => [
      b.indicator, displayNumber(b.value), displayNumber(b.floor), displayNumber(b.target), displayNumber(b.weight), displayNumber(b.points),
    ]), columns),
    '',
    `points ${displayNumber(c.points)} − deductions ${displayNumber(c.deductions)} = score ${displayNumber(c.score)}`,
  ].join('\n')
}

/** A number as a person reads it: at most two decimals (display only; --json keeps every digit). */
export function displayNumber(n: unknown): string {
  if (n === null || n === undefined) return '—'
  return typeof n === 'number' && !Number.isInteger(n) ? String(Number(n.toFixed(2))) : String(n)
}

export const unlockCommand: Command = {
  name: 'unlock',
  summary: 'unlock a published quarter, recording who and why',
  usage: 'va unlock --period <YYYYQn> --reason "…" [--by <name>]',
  help: `Unlocks a quarter that was published, so that counties can send corrections. The
unlock is recorded with who did it and why.`,
  async run(argv, io) {
    const { values } = parseFlags(argv, { period: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
    const period = requirePeriod(values.period)
    if (!values.reason?.trim()) throw new UsageError('--reason is required: say why the quarter is unlocked')
    return withTarget(io, values.target, async (session) => {
      const lock = await session.ledger.setLock(period, false, values.by ?? io.env['USER'] ?? 'local', new Date().toISOString(), values.reason)
      io.out(values.json ? JSON.stringify(lock, null, 2) : `${period} unlocked by ${lock.by}: ${values.reason}`)
      return 0
    })
  },
}

export const appraisalCommand: Command = {
  name: 'appraisal',
  summary: 'read the appraisal of a quarter (ranked), a city, or a county',
  usage: 'va appraisal --period <YYYYQn> [--city <4 digits>] [--county <6 digits>] [--json]  |  va appraisal --county <6 digits> [--json]',
  help: `Reads the stored appraisal from the appraisals table: every county of the quarter ranked,
or one city's counties in city rank, or one county.`,
  async run(argv, io) {
    const { values } = parseFlags(argv, { period: { type: 'string' }, city: { type: 'string' }, county: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
    const county = values.county === undefined ? undefined : requireCounty(values.county)
    // --county without --period: the county's history, oldest first (appraisal.md, "Roll-ups").
    if (county && values.period === undefined && values.city === undefined) return countyHistory(io, values.target, county, values.json === true)
    const period = requirePeriod(values.period)
    if (values.city !== undefined && !/^\d{4}$/.test(values.city)) throw new UsageError('--city needs the 4-digit city code')
    return withTarget(io, values.target, async (session) => {
      const deps = await session.appraisal()
      await deps.engine.close?.()
      let items = await readAppraisal(deps.appraisals, period, values.city)
      if (county) items = items.filter((c) => c.county === county)
      // The same document as the portal's GET /api/appraisals/{period}.
      const doc = appraisalDocument(period, items, { byCity: Boolean(values.city) })
      if (!doc) {
        io.err(`no appraisal stored for ${period}${values.city ? ` city ${values.city}` : ''}${county ? ` county ${county}` : ''}; run va aggregate --period ${period}`)
        return 1
      }
      items.sort((a, b) => (values.city ? a.rank_in_city - b.rank_in_city : a.province.localeCompare(b.province) || a.rank_in_province - b.rank_in_province) || a.county.localeCompare(b.county))
      io.out(values.json ? JSON.stringify(doc, null, 2) : county && items.length === 1 ? countyDetail(items[0]!, displayOf(io).columns) : rankingTable(items, Boolean(values.city), displayOf(io).columns))
      return 0
    })
  },
}

/** Every appraised quarter of one county, oldest first, through the by-county index. */
async function countyHistory(io: CommandIo, target: string | undefined, county: string, json: boolean): Promise<number> {
  return withTarget(io, target, async (session) => {
    const deps = await session.appraisal()
    await deps.engine.close?.()
    const doc = await readCountyHistory(deps.appraisals, county)
    if (!doc) {
      io.err(`no appraisal stored for county ${county}`)
      return 1
    }
    io.out(json
      ? JSON.stringify(doc, null, 2)
      : table(['period', 'score', 'grade', 'rank in city', 'rank in province'], doc.history.map((c) => [c.period, fmt(c.score, 2), c.grade, String(c.rank_in_city), String(c.rank_in_province)]), displayOf(io).columns))
    return 0
  })
}

export const queryCommand: Command = {
  name: 'query',
  summary: 'run SQL on the lake (DuckDB locally, Athena on AWS)',
  usage: 'va query "<sql>" [--json]  |  va query --saved <name> --period <YYYYQn> [--json]',
  help: `Runs SQL over the tables village_reports, monitored_households, county_appraisals and
org_units. Saved queries: ranking, red_flags, stuck_households, lagging_funds, qoq_movers.`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { saved: { type: 'string' }, period: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
    if (!values.saved && !positionals[0]) throw new UsageError('give the SQL, or --saved <name> --period <YYYYQn>')
    return withTarget(io, values.target, async (session) => {
      const deps = await session.appraisal()
      try {
        await deps.beforeQuery?.()
        let rows
        if (values.saved) {
          const q = parsePeriod(requirePeriod(values.period))!
          let saved
          try {
            saved = loadSavedQuery(values.saved)
          } catch (e) {
            // Only a name that is not there is the user's mistake; anything else is ours.
            if (!(e instanceof SqlFileError)) throw e
            throw new UsageError(`no saved query "${values.saved}"; try ${listSavedQueries().map((q) => q.name).join(', ')}`, { cause: e })
          }
          rows = await deps.engine.query(saved.sql, [q.year, q.quarter])
        } else {
          rows = await deps.engine.query(positionals[0]!)
        }
        if (values.json) io.out(JSON.stringify(rows, null, 2))
        else {
          const cols = rows[0] ? Object.keys(rows[0]) : []
          io.out(rows.length ? table(cols, rows.map((r) => cols.map((c) => (r[c] === null ? '' : displayNumber(r[c])))), displayOf(io).columns) : '(no rows)')
        }
        return 0
      } finally {
        await deps.engine.close?.()
      }
    })
  },
}

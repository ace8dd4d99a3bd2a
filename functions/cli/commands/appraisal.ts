import type { RectificationStore, StoredCountyAppraisal } from '../../use-cases/ports.ts'
import { rectificationCounts } from '../../core/rectification/rectification-item.ts'
import { PeriodLockedError } from '../../use-cases/run-appraisal.ts'
import { listSavedQueries, loadSavedQuery, SqlFileError } from '../../adapters/sql-files.ts'
import { parsePeriod } from '../../core/period.ts'
import { UsageError, displayOf, parseFlags, requireCounty, requirePeriod, type CommandRunner, type CommandIo } from '../args.ts'
import { openTarget, type TargetSession } from '../targets.ts'
import { table } from '../format.ts'
import { REGION_INDICATOR_COLUMNS } from '../../../schemas/region-columns.ts'
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

export const aggregateCommand: CommandRunner = {
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
          if (result.missing_counties.length) io.out(`missing counties: ${result.missing_counties.map((m) => `${m.county} ${m.name}`.trim()).join(', ')}`)
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

export const unlockCommand: CommandRunner = {
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

export const appraisalCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, { period: { type: 'string' }, city: { type: 'string' }, county: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
    if (values.region !== undefined) {
      if (!/^(\d{2}|\d{4}|\d{9})$/.test(values.region)) throw new UsageError('--region needs a province (2 digits), city (4) or township (9 digits) code')
      if (values.city !== undefined || values.county !== undefined) throw new UsageError('--region goes alone: not with --city or --county')
      return regionRollUp(io, values.target, requirePeriod(values.period), values.region, values.json === true)
    }
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
      const rectification = await rectificationByCounty(deps.rectifications, items.map((c) => c.county))
      // The same document as the portal's GET /api/appraisals/{period}.
      const doc = appraisalDocument(period, items, { byCity: Boolean(values.city), rectification })
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

/** Each county's rectification items not closed and overdue now (interfaces.md, `rectification`). */
async function rectificationByCounty(store: RectificationStore | undefined, counties: readonly string[]): Promise<Map<string, { open: number; overdue: number }>> {
  const out = new Map<string, { open: number; overdue: number }>()
  if (!store) return out
  const now = new Date()
  for (let i = 0; i < counties.length; i += 16) {
    const batch = counties.slice(i, i + 16)
    const items = await Promise.all(batch.map((c) => store.byCounty(c)))
    batch.forEach((c, j) => out.set(c, rectificationCounts(items[j] ?? [], now)))
  }
  return out
}

/** One region's roll-up for a quarter (appraisal.md, "Roll-ups"), from the appraisals table. */
async function regionRollUp(io: CommandIo, target: string | undefined, period: string, code: string, json: boolean): Promise<number> {
  return withTarget(io, target, async (session) => {
    const deps = await session.appraisal()
    await deps.engine.close?.()
    const [region] = await deps.appraisals.regions(period, code)
    if (!region) {
      io.err(`no roll-up stored for region ${code} in ${period}: no accepted village report of the quarter lies in it, or the quarter was not appraised (va aggregate --period ${period})`)
      return 1
    }
    const doc = { period, ...Object.fromEntries(REGION_INDICATOR_COLUMNS.map((c) => [c.key, region[c.key] ?? null])) }
    if (json) io.out(JSON.stringify(doc, null, 2))
    else {
      io.out(`${period} ${region.level} ${region.code}${region.name ? ` ${region.name}` : ''}: ${displayNumber(region['villages_reported'])} villages of ${displayNumber(region['counties_reported'])} counties reported`)
      io.out(table(['indicator', 'value', '指标'], REGION_INDICATOR_COLUMNS.filter((c) => !['level', 'code', 'name'].includes(c.key)).map((c) => [c.key, displayNumber(region[c.key]), c.zh]), displayOf(io).columns))
    }
    return 0
  })
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

export const queryCommand: CommandRunner = {
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

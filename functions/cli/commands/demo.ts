import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { planProvince, quartersBetween, registryCsv, rosterCsv, villageQuarter, villageReportCsv, type Place, type VillageQuarter } from '../../demo/generate.ts'
import { demoTargetsUpload } from '../../demo/demo-targets.ts'
import { LOCAL_NAMES, stateDirs } from '../../local/emulators.ts'
import { localHome, startLocalPipeline } from '../../local/local-pipeline.ts'
import { LocalStateError } from '../../local/local-errors.ts'
import { currentOwner } from '../../local/state-owner.ts'
import { formatPeriod, quarterLastDay, SHANGHAI_OFFSET_MS, toShanghaiIso, type Quarter } from '../../core/period.ts'
import type { Verdict } from '../../use-cases/process-upload.ts'
import { aggregateFunction, localAppraisalDeps } from '../../local/local-runtime.ts'
import { isOverdue, type ActorClaims } from '../../core/rectification/rectification-item.ts'
import { EVIDENCE_CONTENT_TYPES } from '../../core/rectification/evidence.ts'
import { actOnItem, openItem, respondWithFile, type RectificationDeps } from '../../use-cases/rectification-actions.ts'
import type { StoredCountyAppraisal } from '../../use-cases/ports.ts'
import type { AppraisalDeps } from '../../use-cases/run-appraisal.ts'
import { rankingTable } from './appraisal.ts'
import { UsageError, parseFlags, type CommandRunner, displayOf } from '../args.ts'
import { formatReport, table } from '../format.ts'
import { ProgressBar } from '../progress.ts'

const MARKER = '.va-demo'

export const demoCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      seed: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
      townships: { type: 'string' }, villages: { type: 'string' },
    })
    const int = (v: string | undefined, d: number, flag: string) => {
      if (v === undefined) return d
      if (!/^\d+$/.test(v)) throw new UsageError(`${flag} needs a whole number`)
      return Number(v)
    }
    const seed = int(values.seed, 2024, '--seed')
    const quarters = quartersBetween(values.from ?? '2023Q1', values.to ?? '2024Q4')
    if (quarters.length === 0) throw new UsageError('--from must not be after --to')
    const home = localHome(io.env, io.cwd)
    if (existsSync(home) && (await readdir(home)).length > 0 && !existsSync(join(home, MARKER))) {
      throw new UsageError(`${home} holds local state the demo did not create; set VA_HOME to another folder to run the demo`)
    }
    const owner = await currentOwner(home)
    if (owner) throw new LocalStateError(`the local state ${home} is in use by process ${owner.pid}; the demo starts from a clean state: run it when that process ends, or set VA_HOME to another folder`)
    await rm(home, { recursive: true, force: true })
    await mkdir(home, { recursive: true })
    await writeFile(join(home, MARKER), 'created by va demo\n')

    const plan = planProvince({ seed, province: '52', townshipsPerCounty: int(values.townships, 5, '--townships'), villagesPerTownship: int(values.villages, 8, '--villages') })
    const villages = plan.counties.reduce((s, c) => s + c.villages.length, 0)
    io.out(`va demo: ${plan.province.name} (${plan.province.code}): ${plan.cities.length} cities, ${plan.counties.length} counties, ${villages} villages, ${quarters.length} quarters (${formatPeriod(quarters[0]!)}–${formatPeriod(quarters.at(-1)!)}), seed ${seed}`)
    io.out(`local state: ${home}\n`)

    // Each file arrives some days after its quarter, as counties send them; the late county
    // and the late file are planted on purpose.
    const lateCounty = plan.counties[3]!.code
    const arrival = new Map<string, Date>()
    const onTime = (q: Quarter, county: string) => {
      const days = county === lateCounty ? 14 : 3 + (Number(county) % 6)
      return new Date((quarterLastDay(q) + days) * 86_400_000 - SHANGHAI_OFFSET_MS + 10 * 3600_000)
    }
    const pipeline = await startLocalPipeline({ home, receivedAt: (key) => arrival.get(key), concurrency: 2, ownerOnly: true })
    try {
      const uploads: { key: string; body: string | Uint8Array; at: Date; wave: number; metadata?: Record<string, string> }[] = []
      const last = quarters.at(-1)!
      uploads.push({ key: `registry/org_units/${plan.province.name}区划名册.csv`, body: registryCsv(plan), at: new Date((quarterLastDay(quarters[0]!) - 30) * 86_400_000), wave: 0 })
      const targets = demoTargetsUpload(plan, quarters)
      uploads.push(targets)
      const planted: { key: string; why: string }[] = []
      const story = { flagged: quarters.at(-3), lookedBack: quarters.at(-2), fixed: plan.counties[7], recurring: plan.counties[8] }
      for (const q of quarters) {
        for (const county of plan.counties) {
          const rows: VillageQuarter[] = county.villages.map((v) => villageQuarter(v, q, seed))
          const period = formatPeriod(q)
          const isLast = q === last
          if (isLast && county === plan.counties[1]) {
            // A red-line village: a child out of school must be reported, and is scored.
            rows[0]!.values['dropouts'] = 1
          }
          // The closed loop (rectification.md): a red flag that the next quarter's look-back
          // finds gone (the item closes itself), and one still there (recurring, then overdue).
          if (q === story.flagged && (county === story.fixed || county === story.recurring)) rows[0]!.values['dropouts'] = 1
          if (q === story.lookedBack && county === story.recurring) rows[0]!.values['dropouts'] = 1
          if (isLast && county === plan.counties[2]) {
            // Yuan entered where 10k yuan is asked: rejected (unit_suspect), then corrected
            // with the corrections, so that the county is scored on its true figures.
            const slipped = rows.map((r) => ({ ...r, values: { ...r.values } }))
            slipped[1]!.values['linkage_funds_allocated'] = Math.round((rows[1]!.values['linkage_funds_allocated'] as number) * 10_000)
            const slipKey = `uploads/${county.code}/${period}/村报表-元.csv`
            uploads.push({ key: slipKey, body: villageReportCsv(slipped), at: new Date(onTime(q, county.code).getTime() - 3600_000), wave: 1 + quarters.indexOf(q) * 3 })
            planted.push({ key: slipKey, why: 'funds in yuan instead of 10k yuan (error unit_suspect; the corrected file follows)' })
          }
          if (q === quarters[0] && county === plan.counties[5]) {
            // The first quarter, no history: yuan typed in one village, caught against the file's median (UN01).
            const slipped = rows.map((r) => ({ ...r, values: { ...r.values } }))
            slipped[2]!.values['linkage_funds_allocated'] = Math.round((rows[2]!.values['linkage_funds_allocated'] as number) * 10_000)
            const slipKey = `uploads/${county.code}/${period}/村报表-元.csv`
            uploads.push({ key: slipKey, body: villageReportCsv(slipped), at: new Date(onTime(q, county.code).getTime() - 3600_000), wave: 1 + quarters.indexOf(q) * 3 })
            planted.push({ key: slipKey, why: 'Q1, no history: funds in yuan in one village (error unit_suspect UN01; the corrected file follows)' })
          }
          let reportRows = rows
          if (isLast && county === plan.counties[6]) {
            // A report of zeros: every figure 0 but households and population. Not appraisable, never "excellent".
            reportRows = rows.map((r) => ({ ...r, values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, typeof v === 'number' && k !== 'households' && k !== 'population' ? 0 : v])) }))
            planted.push({ key: `uploads/${county.code}/${period}/村报表.csv`, why: 'a report of zeros (accepted; the county is not_appraisable)' })
          }
          uploads.push({ key: `uploads/${county.code}/${period}/村报表.csv`, body: villageReportCsv(reportRows), at: onTime(q, county.code), wave: 1 + quarters.indexOf(q) * 3 })
          if (quarters.indexOf(q) >= quarters.length - 2) {
            let roster = rosterCsv(period, rows)
            if (isLast && county === plan.counties[4]) {
              // A household at risk left off the roster: it disagrees with the report, and the household vanished.
              let dropped = false
              const without = rows.map((r) => ({ ...r, households: r.households.filter((h) => dropped || h.risk_eliminated || !(dropped = true)) }))
              roster = rosterCsv(period, without)
              planted.push({ key: `uploads/${county.code}/${period}/监测户名册.csv`, why: 'a household at risk left off the roster (roster_mismatch, household_dropped)' })
            }
            if (isLast && county === plan.counties[0]) {
              // A resident ID number typed into 户编号: rejected, the number never echoed or stored.
              let planted1 = false
              const withId = rows.map((r) => ({ ...r, households: r.households.map((h) => (planted1 ? h : ((planted1 = true), { ...h, household_id: '11010519491231002X' }))) }))
              const idKey = `uploads/${county.code}/${period}/监测户名册-身份证.csv`
              uploads.push({ key: idKey, body: rosterCsv(period, withId), at: new Date(onTime(q, county.code).getTime() + 7200_000), wave: quarters.length * 3 + 1 })
              planted.push({ key: idKey, why: 'a resident ID number in 户编号 (error id_number_misplaced, value never shown)' })
            }
            uploads.push({ key: `uploads/${county.code}/${period}/监测户名册.csv`, body: roster, at: new Date(onTime(q, county.code).getTime() + 3600_000), wave: 2 + quarters.indexOf(q) * 3 })
          }
        }
      }
      // Files rejected on purpose, sent after the quarter's clean uploads.
      const bad = villageQuarter(plan.counties[0]!.villages[0]!, last, seed)
      bad.values['population'] = 12
      bad.values['households'] = '一千二'
      const badKey = `uploads/${plan.counties[0]!.code}/${formatPeriod(last)}/更正版.csv`
      uploads.push({ key: badKey, body: villageReportCsv([bad, villageQuarter(plan.counties[0]!.villages[1]!, last, seed)]), at: new Date(onTime(last, plan.counties[0]!.code).getTime() + 7200_000), wave: quarters.length * 3 + 1 })
      planted.push({ key: badKey, why: 'a correction with households written in words (type) and a population of 12 (outlier); VR01 waits for a households that parses (rejected)' })
      const pngKey = `uploads/${plan.counties[0]!.code}/${formatPeriod(last)}/截图.csv`
      uploads.push({ key: pngKey, body: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), at: new Date(onTime(last, plan.counties[0]!.code).getTime() + 7200_000), wave: quarters.length * 3 + 1 })
      planted.push({ key: pngKey, why: 'a screenshot saved with a .csv name (rejected)' })

      const bar = new ProgressBar('uploading', uploads.length, io.err, io.tty)
      const verdicts = new Map<string, Verdict>()
      const started = Date.now()
      let done = 0
      // Uploads go in waves (a quarter's reports, then its rosters, then corrections), each wave
      // all at once, so the queue's workers overlap while a roster still finds its report.
      const waves = [...new Set(uploads.map((u) => u.wave))].sort((a, b) => a - b)
      for (const wave of waves) {
        const batch = uploads.filter((u) => u.wave === wave)
        await Promise.all(batch.map(async (u) => {
          arrival.set(u.key, u.at)
          const verdict = pipeline.verdictFor(u.key)
          await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: u.key, Body: u.body, ...(u.metadata ? { Metadata: u.metadata } : {}) }))
          verdicts.set(u.key, await verdict)
          bar.update(++done, u.key)
          if (!io.tty && done % 50 === 0) io.err(`uploaded ${done}/${uploads.length}`)
        }))
      }
      bar.done()
      const all = [...verdicts.values()]
      const accepted = all.filter((v) => v.report.status === 'accepted').length
      io.out(`${uploads.length} uploads in ${((Date.now() - started) / 1000).toFixed(1)} s: ${accepted} accepted, ${all.length - accepted} rejected`)
      const late = all.filter((v) => v.report.counts['late_submission']).map((v) => v.submission.object_key)
      io.out(`late submissions: ${late.length} (county ${lateCounty} sends 14 days after the quarter)\n`)

      io.out('Planted problems and what the pipeline said:')
      io.out(table(['upload', 'planted', 'verdict', 'findings'], planted.map((p) => {
        const v = verdicts.get(p.key)!
        return [p.key, p.why, v.report.status, Object.entries(v.report.counts).map(([k, n]) => `${k} ${n}`).join(', ')]
      })))
      io.out(`\nThe rejection report of ${badKey}:\n`)
      io.out(formatReport(verdicts.get(badKey)!.report, undefined, displayOf(io)))

      // The quarterly appraisal of every quarter, as the schedule would have run it.
      const deps = await localAppraisalDeps({ home, s3: pipeline.s3.client, dynamo: pipeline.dynamo.client })
      // The aggregate function's handler with the schedule's event, its clock set to each run's day.
      let at = new Date()
      const aggregate = aggregateFunction(deps, () => at)
      try {
        const abar = new ProgressBar('appraising', quarters.length, io.err, io.tty)
        for (const [i, q] of quarters.entries()) {
          at = new Date((quarterLastDay(q) + 15) * 86_400_000 - SHANGHAI_OFFSET_MS + 2 * 3600_000)
          await aggregate({ period: formatPeriod(q), publish: q !== last, source: 'va demo' })
          abar.update(i + 1, formatPeriod(q))
          if (!io.tty) io.err(`appraised ${formatPeriod(q)}`)
        }
        abar.done()
      } finally {
        await deps.engine.close()
      }
      // The human report of the last quarter, as the run wrote it to the lake, kept as a file too.
      const html = await pipeline.deps.store.getBytes(LOCAL_NAMES.lakeBucket, `reports/appraisals/${formatPeriod(last)}/index.html`)
      const reportPath = join(stateDirs(home).reports, `appraisal-${formatPeriod(last)}.html`)
      await mkdir(stateDirs(home).reports, { recursive: true })
      if (html) await writeFile(reportPath, html)
      const ranking = (await deps.appraisals.byPeriod(formatPeriod(last))).sort((a, b) => a.rank_in_province - b.rank_in_province || a.county.localeCompare(b.county))
      io.out(`\nThe appraisal of ${formatPeriod(last)} (${ranking.length} counties; earlier quarters published and locked):\n`)
      io.out(rankingTable(ranking, false, displayOf(io).columns))
      io.out(`\n${targetsStory(targets, verdicts.get(targets.key), ranking, plan.counties.map((c) => c.code))}`)
      if (story.flagged && story.lookedBack) io.out(`\n${await closedLoop(deps, { ...story, flagged: story.flagged, lookedBack: story.lookedBack }, ranking, at)}`)
      // The city whose official `va serve` signs in locally: the registry's first by code.
      const city = [...plan.cities].sort((a, b) => a.code.localeCompare(b.code))[0]!
      const inspected = plan.counties.filter((c) => c.code.startsWith(city.code)).sort((a, b) => a.code.localeCompare(b.code))[0]
      if (inspected) io.out(`\n${await inspection({ items: deps.rectifications!, store: deps.store, lakeBucket: deps.lakeBucket }, city, inspected, last)}`)
      io.out(`\nThe appraisal report (open it in a browser; it needs no network): ${reportPath}`)
      io.out(`Local state: ${home}`)
      io.out(`Try next:`)
      io.out(`  npm run --silent va -- appraisal --period ${formatPeriod(last)} --city 5206`)
      io.out(`  npm run --silent va -- query --saved red_flags --period ${formatPeriod(last)}`)
      io.out(`  npm run --silent va -- query "SELECT county_code, count(*) AS villages, round(avg(alleviated_income_per_capita)) AS income FROM village_reports WHERE year = ${last.year} AND quarter = ${last.quarter} GROUP BY county_code ORDER BY income DESC LIMIT 5"`)
      io.out(`  npm run --silent va -- status --county ${plan.counties[0]!.code} --period ${formatPeriod(last)}`)
      return 0
    } finally {
      await pipeline.close()
    }
  },
}

/**
 * The closed loop the demo planted, as the publications left it: the red flag of one quarter
 * closed by the next quarter's look-back, the one still there (recurring, overdue by the last
 * quarter's run, and so a penalty in its score).
 */
async function closedLoop(
  deps: Pick<AppraisalDeps, 'rectifications'>,
  story: { flagged: Quarter; lookedBack: Quarter; fixed?: { code: string; name: string } | undefined; recurring?: { code: string; name: string } | undefined },
  ranking: readonly StoredCountyAppraisal[],
  now: Date,
): Promise<string> {
  const rows: string[][] = []
  for (const county of [story.fixed, story.recurring]) {
    if (!county) continue
    const items = (await deps.rectifications?.byCounty(county.code)) ?? []
    for (const item of items.filter((i) => i.problem === 'red_flag' && i.opened_in === formatPeriod(story.flagged))) {
      const marks = [item.recurring ? 'recurring' : '', isOverdue(item, now) ? 'overdue' : ''].filter(Boolean).join(', ')
      const penalty = ranking.find((r) => r.county === county.code)?.penalties?.find((p) => p.kind === 'overdue_items')
      rows.push([`${county.code} ${county.name}`, item.indicator ?? '', item.opened_in, item.due, item.status + (marks ? ` (${marks})` : ''), penalty ? `−${penalty.points} (${penalty.count} overdue)` : ''])
    }
  }
  return [
    `The closed loop (整改): red flags opened by publishing ${formatPeriod(story.flagged)}, looked back on when ${formatPeriod(story.lookedBack)} was published:`,
    '',
    table(['county', 'red line', 'opened in', 'due', 'status', 'penalty in the last quarter'], rows),
    '',
    `  npm run --silent va -- rectification list --province 52`,
  ].join('\n')
}

/**
 * An inspection item from start to end, as the portal's local accounts would do it (so that the
 * city official and the clerk `va serve` prints find it): the city official opens it after a
 * field visit, the county's clerk answers with a PDF, the official verifies and closes it.
 */
async function inspection(deps: RectificationDeps, city: Place, county: { code: string; name: string }, last: Quarter): Promise<string> {
  const day = (days: number, hour: number) => new Date((quarterLastDay(last) + days) * 86_400_000 - SHANGHAI_OFFSET_MS + hour * 3600_000)
  const official: ActorClaims = { subject: `${city.name}审核员 (local) (city-${city.code})`, city: city.code, admin: false }
  const clerk: ActorClaims = { subject: `${county.name}填报员 (local) (clerk-${county.code})`, county: county.code, admin: false }
  const opened = await openItem(deps.items, {
    county: county.code,
    title: '入户核查：2户监测户帮扶措施未落实',
    detail: `${last.year}年第${last.quarter}季度入户核查发现，2户“突发严重困难户”已识别60天以上，仍无帮扶措施登记。Field check: two monitored households identified over 60 days ago have no assistance measure.`,
  }, official, day(20, 10))
  if (!opened.ok) throw new Error(`the demo's inspection was refused: ${opened.reason}`)
  const id = opened.item.item_id
  const pdf = new TextEncoder().encode('%PDF-1.4\n% 帮扶措施落实情况说明 (demo)\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')
  const responded = await respondWithFile(deps, id, '已为2户落实产业帮扶和临时救助，附帮扶台账。Assistance measures recorded for both households; ledger attached.', { name: '帮扶台账.pdf', bytes: pdf, contentType: EVIDENCE_CONTENT_TYPES.pdf }, () => clerk, day(41, 16))
  if (!responded.ok) throw new Error(`the demo's response was refused: ${responded.reason}`)
  const closed = await actOnItem(deps.items, id, { kind: 'close' }, () => official, day(45, 9))
  if (!closed.ok) throw new Error(`the demo's verification was refused: ${closed.reason}`)
  const lines = closed.item.history.map((h) => [toShanghaiIso(new Date(h.at)).slice(0, 16).replace("T", " "), h.by, h.action, h.file ? `${h.text ?? ''} [${h.file}]` : (h.text ?? h.reason ?? '')])
  return [
    `An inspection item (督查整改) of ${county.code} ${county.name}, opened in ${closed.item.opened_in}, due ${closed.item.due}: ${closed.item.status}`,
    '',
    table(['when', 'who', 'what', 'text'], lines),
    '',
    `  npm run --silent va -- rectification list --county ${county.code} --status closed`,
  ].join('\n')
}

/** The city's targets file and what it did: its verdict, and its counties' progress to their milestones. */
function targetsStory(file: { key: string; city: string }, verdict: Verdict | undefined, ranking: readonly StoredCountyAppraisal[], counties: readonly string[]): string {
  const city = counties.filter((c) => c.startsWith(file.city)).map((county) => ranking.find((r) => r.county === county) ?? { county, progress: undefined, score: null })
  const scored = city.filter((r) => r.progress && Object.keys(r.progress).length)
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`)
  return [
    `Targets (目标任务): ${file.key}, sent by city ${file.city} for its counties: ${verdict?.report.status ?? 'no verdict'}; ${scored.length} of its ${city.length} counties scored on their own milestones (progress = value ÷ milestone; — where the county is not scored):`,
    '',
    table(['county', 'risk elimination', 'fund spending', 'score'], city.map((r) => [r.county, pct(r.progress?.risk_elimination_rate), pct(r.progress?.fund_spending_rate), r.score === null ? '—' : r.score.toFixed(2)])),
  ].join('\n')
}

/**
 * Soak: a whole province's uploads for a quarter at once, through the embedded emulators, with
 * duplicate and reordered events injected, as S3 and SQS may deliver them. Not part of
 * `npm test`; run with `npm run soak [-- --seed N --villages N --duplicates 0.3 --concurrency 4]`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { planProvince, rosterCsv, villageQuarter, villageReportCsv, rng } from '../functions/demo/generate.ts'
import { LOCAL_NAMES, type EmulatorS3Record } from '../functions/local/emulators.ts'
import { startLocalPipeline } from '../functions/local/local-pipeline.ts'

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    townships: { type: 'string', default: '8' },
    villages: { type: 'string', default: '12' },
    duplicates: { type: 'string', default: '0.3' },
    concurrency: { type: 'string', default: '4' },
    period: { type: 'string', default: '2024Q2' },
  },
})
const seed = Number(values.seed)
const period = values.period
const q = { year: Number(period.slice(0, 4)), quarter: Number(period.slice(5)) as 1 | 2 | 3 | 4 }
const home = await mkdtemp(join(tmpdir(), 'va-soak-'))
const pipeline = await startLocalPipeline({ home, inMemoryDynamo: true, autoDeliver: false, concurrency: Number(values.concurrency), limits: { deadlineDays: 100_000 } })
const started = Date.now()
try {
  const plan = planProvince({ seed, province: '52', townshipsPerCounty: Number(values.townships), villagesPerTownship: Number(values.villages) })
  // Every county sends its report and roster; every third county also a correction of its report.
  const uploads: { key: string; body: string; county: string; dataset: string }[] = []
  plan.counties.forEach((county, i) => {
    const rows = county.villages.map((v) => villageQuarter(v, q, seed))
    uploads.push({ key: `uploads/${county.code}/${period}/村报表.csv`, body: villageReportCsv(rows), county: county.code, dataset: 'village_report' })
    uploads.push({ key: `uploads/${county.code}/${period}/监测户名册.csv`, body: rosterCsv(period, rows), county: county.code, dataset: 'monitored_households' })
    if (i % 3 === 0) uploads.push({ key: `uploads/${county.code}/${period}/村报表-更正.csv`, body: villageReportCsv(rows), county: county.code, dataset: 'village_report' })
  })
  for (const u of uploads) await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: u.key, Body: u.body }))
  const events: EmulatorS3Record[] = [...pipeline.captured]

  // Duplicates and a shuffle: the delivery S3 and SQS may make.
  const rand = rng(seed)
  const deliveries = [...events]
  for (const e of events) if (rand() < Number(values.duplicates)) deliveries.push(e)
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!]
  }
  const results = await Promise.allSettled(deliveries.map((d) => pipeline.deliver(d)))
  await pipeline.idle()

  let submissions = 0
  let wrongCurrent = 0
  const recorded = new Set<string>()
  for (const county of plan.counties) {
    const { submissions: subs, current } = await pipeline.deps.ledger.list(county.code, period)
    submissions += subs.length
    for (const s of subs) recorded.add(s.object_key)
    // The latest accepted upload of each dataset must be the current one.
    for (const dataset of ['village_report', 'monitored_households'] as const) {
      const accepted = subs.filter((s) => s.dataset === dataset && s.status !== 'rejected')
      if (accepted.length && current[dataset] !== accepted.at(-1)!.submission_id) wrongCurrent++
    }
  }
  const curated = (await pipeline.deps.store.list(LOCAL_NAMES.lakeBucket, 'curated/')).length
  const figures = {
    machine: `${hostname()} (${cpus().length} × ${cpus()[0]?.model ?? 'cpu'})`,
    counties: plan.counties.length,
    villages: plan.counties.reduce((s, c) => s + c.villages.length, 0),
    uploads_sent: uploads.length,
    deliveries: deliveries.length,
    duplicates_injected: deliveries.length - events.length,
    submissions_recorded: submissions,
    duplicates_absorbed: deliveries.length - submissions - results.filter((r) => r.status === 'rejected').length,
    curated_objects: curated,
    events_lost: uploads.filter((u) => !recorded.has(u.key)).length,
    wrong_current_pointers: wrongCurrent,
    failed_deliveries: results.filter((r) => r.status === 'rejected').length,
    dead_letters: (await pipeline.deadLetters()).length,
    seconds: (Date.now() - started) / 1000,
  }
  console.log(JSON.stringify(figures, null, 2))
  process.exitCode = figures.events_lost === 0 && figures.wrong_current_pointers === 0 && figures.submissions_recorded === uploads.length ? 0 : 1
} finally {
  await pipeline.close()
  await rm(home, { recursive: true, force: true })
}

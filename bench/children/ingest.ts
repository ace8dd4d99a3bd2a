/**
 * The product's validate path on one file, in a fresh process (so its peak RSS is its own):
 * `checkAndStage`, exactly what `processUpload` runs between the download and the S3 puts —
 * decode, every rule, the HMAC of each ID number, and the staged Parquet.
 *
 *   node ingest.mjs <file> <county> <period> <staged.parquet>
 */
import { statSync } from 'node:fs'
import { basename } from 'node:path'
import { parseUploadKey } from '../../functions/core/object-keys.ts'
import { buildContext, checkAndStage } from '../../functions/use-cases/process-upload.ts'
import { reportResult } from './report.ts'

const [file, county, period, staged] = process.argv.slice(2) as [string, string, string, string]
const place = parseUploadKey(`uploads/${county}/${period}/${basename(file)}`)
// Limits raised so that the 5M-row stress file is read whole (the defaults would stop it at 2M rows / 200 MB).
const limits = { maxBytes: 4_000_000_000, maxRows: 100_000_000, deadlineDays: 10 }
const ctx = buildContext(undefined, place, {
  receivedAt: new Date('2024-07-05T10:00:00+08:00'),
  submissionId: 'bench',
  idHashKey: new Uint8Array(32).fill(7),
  limits,
})
const started = performance.now()
const { outcome } = await checkAndStage(file, staged, ctx, { fileName: basename(file), maxBytes: limits.maxBytes })
const seconds = (performance.now() - started) / 1000
const rows = outcome.report.rows.total
reportResult({
  rows,
  status: outcome.report.status,
  counts: outcome.report.counts,
  seconds,
  rows_per_s: rows / seconds,
  parquet_bytes: outcome.report.status === 'accepted' ? statSync(staged).size : 0,
  cpu_s: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
})

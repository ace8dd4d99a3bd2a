/**
 * The product's validate path on one file, in a fresh process (so its peak RSS is its own):
 * `checkUpload`, exactly what `processUpload` runs between the download and the S3 puts —
 * decode, every rule, the HMAC of each ID number, and the staged Parquet.
 *
 *   node ingest.mjs <file> <county> <period> <scratch folder> [copy of the staged Parquet] [--encode inline|thread|none]
 *
 * `--encode inline` (the default) encodes the staged Parquet in the check's own thread, as the
 * validate function does; `thread` hands it to a second thread (bench/encoding-thread/, its
 * worker bundled as parquet-worker.mjs beside this file), the alternative measured against it;
 * `none` stages nothing (no Parquet, no ID hashing): the check alone, every rule on, the
 * ceiling any change to staging could reach.
 */
import { copyFileSync, statSync } from 'node:fs'
import { nodeByteCodecs } from '../../functions/adapters/node-byte-codecs.ts'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { fileByteSource } from '../../functions/adapters/file-byte-source.ts'
import { hmacSha256Hex } from '../../functions/adapters/node-id-hash.ts'
import { scratchFolder } from '../../functions/adapters/scratch-files.ts'
import { parseUploadKey } from '../../functions/core/object-keys.ts'
import { checkUpload } from '../../functions/use-cases/check-upload.ts'
import { ParquetWorkerWriter } from '../encoding-thread/writer.ts'
import { reportResult } from './report.ts'

const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: { encode: { type: 'string', default: 'inline' } } })
const [file, county, period, staged, keepAs] = positionals as [string, string, string, string, string | undefined]
const encode = flags.encode ?? 'inline'
if (!['inline', 'thread', 'none'].includes(encode)) throw new Error(`--encode ${encode}: inline, thread or none`)
const place = parseUploadKey(`uploads/${county}/${period}/${basename(file)}`)
// Limits raised so that the 5M-row stress file is read whole (the defaults would stop it at 2M rows / 200 MB).
const limits = { maxBytes: 4_000_000_000, maxRows: 100_000_000, deadlineDays: 10 }
const area = await scratchFolder(staged).open('bench')
if (encode === 'thread') {
  const worker = new URL('./parquet-worker.mjs', import.meta.url)
  area.stagedTable = (name, columns) => new ParquetWorkerWriter(area.path(name), columns, worker)
}
const source = await fileByteSource(file)
const started = performance.now()
const { outcome, staged: parts } = await checkUpload({ limits, codecs: nodeByteCodecs }, {
  place, fileName: basename(file), source, ...(encode === 'none' ? {} : { staging: area }),
  receivedAt: new Date('2024-07-05T10:00:00+08:00'),
  submissionId: 'bench',
  hashId: hmacSha256Hex(new Uint8Array(32).fill(7)),
})
const seconds = (performance.now() - started) / 1000
const rows = outcome.report.rows.total
reportResult({
  rows,
  status: outcome.report.status,
  counts: outcome.report.counts,
  seconds,
  rows_per_s: rows / seconds,
  encode,
  parquet_bytes: parts[0] ? statSync(parts[0].path).size : 0,
  cpu_s: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
})
// `keepAs`: a copy of the staged Parquet, for the writers' comparison (bench/parquet.ts).
if (keepAs && parts[0]) copyFileSync(parts[0].path, keepAs)
await source.close?.()
await area.dispose()

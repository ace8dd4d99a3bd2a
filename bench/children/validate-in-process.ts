/**
 * The check `va validate` runs, called in-process: `checkUpload` on a file with no local state,
 * exactly as functions/cli/commands/validate.ts calls it. Times the call only (modules loaded),
 * the peer of `va validate` as a whole process in bench/cli.ts.
 *
 *   node validate-in-process.mjs <file> <county> <period> <received-at ISO>
 */
import { randomBytes } from 'node:crypto'
import { basename } from 'node:path'
import { DEFAULT_UPLOAD_LIMITS } from '../../schemas/settings.ts'
import { fileByteSource } from '../../functions/adapters/file-byte-source.ts'
import { hmacSha256Hex } from '../../functions/adapters/node-id-hash.ts'
import { parseUploadKey } from '../../functions/core/object-keys.ts'
import { checkUpload } from '../../functions/use-cases/check-upload.ts'
import { reportResult } from './report.ts'
import { nodeByteCodecs } from '../../functions/adapters/node-byte-codecs.ts'

const [file, county, period, receivedAt] = process.argv.slice(2) as [string, string, string, string]
const started = performance.now()
const source = await fileByteSource(file)
const { outcome: { report } } = await checkUpload({ limits: DEFAULT_UPLOAD_LIMITS, codecs: nodeByteCodecs }, {
  place: parseUploadKey(`uploads/${county}/${period}/${basename(file)}`),
  fileName: basename(file),
  source,
  receivedAt: new Date(receivedAt),
  submissionId: 'local-check',
  hashId: hmacSha256Hex(randomBytes(32)),
})
await source.close?.()
const seconds = (performance.now() - started) / 1000
reportResult({ rows: report.rows.total, status: report.status, seconds, rows_per_s: report.rows.total / seconds })

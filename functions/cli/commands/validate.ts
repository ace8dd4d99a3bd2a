import { randomBytes } from 'node:crypto'
import { nodeByteCodecs } from '../../adapters/node-byte-codecs.ts'
import { existsSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { DatasetNameSchema } from '../../../schemas/findings.ts'
import { DEFAULT_UPLOAD_LIMITS } from '../../../schemas/settings.ts'
import { fileByteSource } from '../../adapters/file-byte-source.ts'
import { hmacSha256Hex } from '../../adapters/node-id-hash.ts'
import type { ByteSource } from '../../core/decode/types.ts'
import { parseUploadKey } from '../../core/object-keys.ts'
import { localHome } from '../../local/local-home.ts'
import type { LocalPipeline } from '../../local/local-pipeline.ts'
import { checkUpload } from '../../use-cases/check-upload.ts'
import { UsageError, parseFlags, requireCounty, requirePeriod, type CommandRunner, displayOf } from '../args.ts'
import { formatReport } from '../format.ts'
import { ProgressBar } from '../progress.ts'

export const validateCommand: CommandRunner = {
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, {
      county: { type: 'string' }, period: { type: 'string' }, dataset: { type: 'string' },
      'received-at': { type: 'string' }, json: { type: 'boolean' },
    })
    const file = positionals[0] === undefined ? undefined : resolve(io.cwd, positionals[0])
    if (!file) throw new UsageError('name the file to validate: va validate <file> --county … --period …')
    if (positionals.length > 1) throw new UsageError(`one file at a time (got ${positionals.length})`)
    const dataset = values.dataset === undefined ? undefined : DatasetNameSchema.safeParse(values.dataset).data
    if (values.dataset !== undefined && !dataset) throw new UsageError('--dataset is village_report, monitored_households, org_units or targets')
    const registry = dataset === 'org_units' || dataset === 'targets'
    const county = registry && values.county === undefined ? undefined : requireCounty(values.county)
    const period = registry && values.period === undefined ? undefined : requirePeriod(values.period)
    let receivedAt = new Date()
    if (values['received-at'] !== undefined) {
      receivedAt = new Date(values['received-at'])
      if (Number.isNaN(receivedAt.getTime())) throw new UsageError('--received-at needs an ISO time, e.g. 2024-07-05T10:00:00+08:00')
    }
    if (!existsSync(file)) throw new UsageError(`no such file: ${positionals[0]} (looked at ${file})`)

    const home = localHome(io.env, io.cwd)
    let state: LocalPipeline | undefined
    // The local pipeline (emulators, DuckDB) loads only when there is local state to check against.
    if (existsSync(home)) state = await (await import('../../local/local-pipeline.ts')).startLocalPipeline({ home })
    try {
      const key = county && period ? `uploads/${county}/${period}/${basename(file)}` : `registry/${dataset === 'targets' ? 'targets' : 'org_units'}/${basename(file)}`
      const source = await fileByteSource(file)
      const bar = new ProgressBar('validating', source.size, io.err, io.tty && source.size > 5_000_000)
      try {
        // The pipeline's own check (limits, period lock, every rule), without staging the rows.
        const { outcome: { report } } = await checkUpload(
          { limits: state?.deps.limits ?? DEFAULT_UPLOAD_LIMITS, codecs: nodeByteCodecs, ...(state ? { state: state.deps } : {}) },
          {
            place: parseUploadKey(key),
            fileName: basename(file),
            source: watchProgress(source, (n) => bar.update(n)),
            receivedAt,
            submissionId: 'local-check',
            hashId: state ? await state.deps.idHasher() : hmacSha256Hex(randomBytes(32)),
            ...(dataset ? { dataset } : {}),
          },
        )
        bar.done()
        io.out(values.json ? JSON.stringify(report, null, 2) : formatReport(report, positionals[0], displayOf(io)))
        return report.status === 'accepted' ? 0 : 1
      } finally {
        await source.close?.()
      }
    } finally {
      await state?.close()
    }
  },
}

/** The same bytes, reporting how far the reader has come. */
export function watchProgress(source: ByteSource, onBytes: (n: number) => void): ByteSource {
  let seen = 0
  return {
    size: source.size,
    read: async (position, length) => {
      const b = await source.read(position, length)
      seen = Math.max(seen, position + b.byteLength)
      onBytes(seen)
      return b
    },
    stream: async function* () {
      let n = 0
      for await (const chunk of source.stream()) {
        n += chunk.byteLength
        onBytes(n)
        yield chunk
      }
    },
    close: async () => source.close?.(),
  }
}

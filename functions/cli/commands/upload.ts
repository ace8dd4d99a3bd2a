import { existsSync } from 'node:fs'
import { basename, dirname, relative, resolve } from 'node:path'
import { UsageError, parseFlags, requireCounty, requirePeriod, requireTarget, type CommandRunner, displayOf } from '../args.ts'
import { unstorableSegment } from '../../local/s3rver-hardening.ts'
import { NameTooLongError } from '../exit-codes.ts'
import { openTarget } from '../targets.ts'
import { formatReport } from '../format.ts'
import { saveSubmissionReports } from '../submission-reports.ts'
import { SCOPE_METADATA } from '../../core/upload-place.ts'
import { cliActor } from './rectification.ts'

/**
 * The scope a targets file is uploaded with (rectification.md, "Targets"): the city or province
 * of VA_ROLE; without VA_ROLE none, so that the pipeline takes the province of the file's first
 * county (the local operator is that province's admin). A clerk uploads no targets.
 */
export function targetsMetadata(env: Record<string, string | undefined>): Record<string, string> | undefined {
  if (!env['VA_ROLE']?.trim()) return undefined
  const actor = cliActor(env, '000000')
  if (actor.county !== undefined) throw new UsageError('a county clerk cannot upload targets: set VA_ROLE=city:<4 digits> or province:<2 digits>, or leave it unset')
  return { [SCOPE_METADATA]: actor.city ?? actor.province! }
}

export const uploadCommand: CommandRunner = {
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, {
      county: { type: 'string' }, period: { type: 'string' }, registry: { type: 'boolean' }, targets: { type: 'boolean' },
      json: { type: 'boolean' }, target: { type: 'string' }, 'out-dir': { type: 'string' },
    })
    const file = positionals[0] === undefined ? undefined : resolve(io.cwd, positionals[0])
    if (!file) throw new UsageError('name the file to upload: va upload <file> --county … --period …')
    if (!existsSync(file)) throw new UsageError(`no such file: ${positionals[0]} (looked at ${file})`)
    if (values.registry && values.targets) throw new UsageError('--registry and --targets name different uploads: give one')
    const metadata = values.targets ? targetsMetadata(io.env) : undefined
    const key = values.registry
      ? `registry/org_units/${basename(file)}`
      : values.targets
        ? `registry/targets/${basename(file)}`
        : `uploads/${requireCounty(values.county)}/${requirePeriod(values.period)}/${basename(file)}`
    // The local file store keeps each key segment as a file name (255 bytes with its suffixes).
    const unstorable = requireTarget(values.target) === 'local' ? unstorableSegment(key) : undefined
    if (unstorable) throw new NameTooLongError(`the local store cannot hold the name "${unstorable.segment}": ${unstorable.bytes} bytes in UTF-8, at most ${unstorable.limit}; rename the file (S3 on AWS takes keys up to 1,024 bytes); nothing was uploaded`)
    const session = await openTarget(values.target, io)
    try {
      const { submission, report } = await session.upload(key, file, io, metadata)
      const outDir = values['out-dir'] === undefined ? dirname(file) : resolve(io.cwd, values['out-dir'])
      const saved = await saveSubmissionReports(session.store, session.lakeBucket, submission.report_key, outDir, basename(file))
      const shown = saved.map((p) => relative(io.cwd, p) || p)
      if (values.json) {
        io.out(JSON.stringify({ submission, report }, null, 2))
        io.err(shown.map((p) => `wrote ${p}`).join('\n'))
      } else {
        io.out(formatReport(report, positionals[0], displayOf(io)))
        io.out(`\nsubmission ${submission.submission_id} (${submission.status}); reports:${shown.map((p) => `\n  ${p}`).join('')}`)
      }
      return report.status === 'accepted' ? 0 : 1
    } finally {
      await session.close()
    }
  },
}

import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { lakeKeys } from '../../core/object-keys.ts'
import { stateDirs } from '../../local/emulators.ts'
import { localAppraisalDeps } from '../../local/local-runtime.ts'
import { localHome, startLocalPipeline } from '../../local/local-pipeline.ts'
import { buildAppraisalReport } from '../../use-cases/build-appraisal-report.ts'
import { UsageError, parseFlags, requirePeriod, requireTarget, type CommandRunner, type CommandIo } from '../args.ts'
import { findReportKey, saveSubmissionReports } from '../submission-reports.ts'
import { openTarget } from '../targets.ts'

export const reportCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      period: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' },
      submission: { type: 'string' }, 'out-dir': { type: 'string' },
    })
    if (values.submission !== undefined) return fetchReports(values.submission, values['out-dir'], values.target, io)
    const period = requirePeriod(values.period)
    if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out needs a file name')
    if (requireTarget(values.target) === 'aws') throw new UsageError('--target aws: the deployed aggregate function writes the report to the lake; this command line builds it from the local pipeline only in this version')
    const home = localHome(io.env, io.cwd)
    if (!existsSync(home)) throw new UsageError(`no local state at ${home}: upload files first (va upload, or va demo)`)
    const pipeline = await startLocalPipeline({ home })
    try {
      const deps = await localAppraisalDeps({ home, s3: pipeline.s3.client, dynamo: pipeline.dynamo.client })
      try {
        const stored = await deps.appraisals.byPeriod(period)
        if (stored.length === 0) {
          io.err(`no appraisal stored for ${period}; run va aggregate --period ${period}`)
          return 1
        }
        const html = await buildAppraisalReport({ ...deps, deadlineDays: pipeline.deps.limits.deadlineDays }, { period, now: new Date() })
        const path = values.out === undefined ? join(stateDirs(home).reports, `appraisal-${period}.html`) : resolve(io.cwd, values.out)
        await mkdir(dirname(path), { recursive: true })
        await writeFile(path, html)
        const bytes = Buffer.byteLength(html)
        io.out(values.json ? JSON.stringify({ period, path, key: lakeKeys.appraisalReport(period), counties: stored.length, bytes }, null, 2) : path)
        return 0
      } finally {
        await deps.engine.close()
      }
    } finally {
      await pipeline.close()
    }
  },
}

/** `va report --submission <id>`: the reports of one upload, from the lake into a folder. */
async function fetchReports(id: string, outDir: string | undefined, target: unknown, io: CommandIo): Promise<number> {
  if (!/^[\w.-]+$/.test(id)) throw new UsageError('--submission needs the id that va upload or va status printed')
  const session = await openTarget(target, io, { requireState: true })
  try {
    const key = await findReportKey(session.store, session.lakeBucket, id)
    if (!key) {
      io.err(`no reports for submission ${id} in the lake (looked under s3://${session.lakeBucket}/reports/)`)
      return 1
    }
    const saved = await saveSubmissionReports(session.store, session.lakeBucket, key, resolve(io.cwd, outDir ?? '.'), id)
    io.out(saved.map((p) => relative(io.cwd, p) || p).join('\n'))
    return 0
  } finally {
    await session.close()
  }
}

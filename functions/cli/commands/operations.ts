import { existsSync } from 'node:fs'
import { localAppraisalDeps } from '../../local/local-runtime.ts'
import { localHome, startLocalPipeline } from '../../local/local-pipeline.ts'
import { LocalStateError } from '../../local/local-errors.ts'
import { replayUploads } from '../../use-cases/replay-uploads.ts'
import { runAppraisal } from '../../use-cases/run-appraisal.ts'
import { UsageError, parseFlags, requirePeriod, requireTarget, type CommandRunner } from '../args.ts'
import { ProgressBar } from '../progress.ts'
import { EXIT } from '../exit-codes.ts'

function localState(env: Record<string, string | undefined>, cwd: string): string {
  const home = localHome(env, cwd)
  if (!existsSync(home)) throw new LocalStateError(`no local state at ${home}`)
  return home
}

export const redriveCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' }, target: { type: 'string' } })
    if (requireTarget(values.target) === 'aws') throw new UsageError('on AWS: aws sqs start-message-move-task --source-arn <DLQ arn> (see the README, "Operations")')
    const pipeline = await startLocalPipeline({ home: localState(io.env, io.cwd) })
    try {
      const waiting = (await pipeline.deadLetters()).length
      const result = await pipeline.redrive()
      io.out(values.json ? JSON.stringify({ waiting, ...result }) : `dead letters: ${waiting}; sent back ${result.sent}, failed again ${result.failed}`)
      return result.failed > 0 ? 1 : 0
    } finally {
      await pipeline.close()
    }
  },
}

export const replayCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, { period: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, target: { type: 'string' } })
    if (requireTarget(values.target) === 'aws') throw new UsageError('replay runs on the local pipeline in this version')
    if (!values.all && values.period === undefined) throw new UsageError('name --period <YYYYQn> or --all')
    const period = values.all ? undefined : requirePeriod(values.period)
    const home = localState(io.env, io.cwd)
    const pipeline = await startLocalPipeline({ home })
    try {
      const bar = new ProgressBar('replaying', 1, io.err, io.tty)
      const appraisal = await localAppraisalDeps({ home, s3: pipeline.s3.client, dynamo: pipeline.dynamo.client })
      try {
        const hadAppraisal = new Set<string>()
        const result = await replayUploads(pipeline.deps, period ? { period } : {}, (done, total) => {
          bar.total = total
          bar.update(done)
        })
        bar.done()
        for (const p of result.periods) if ((await appraisal.appraisals.byPeriod(p)).length) hadAppraisal.add(p)
        const reappraised: string[] = []
        for (const p of result.periods) {
          if (!hadAppraisal.has(p)) continue
          await runAppraisal(appraisal, { period: p, now: new Date(), rebuild: true })
          reappraised.push(p)
        }
        const doc = { ...result, reappraised }
        io.out(values.json ? JSON.stringify(doc, null, 2) : `replayed ${result.uploads} uploads (${result.accepted} accepted, ${result.rejected} rejected) for ${result.periods.join(', ') || 'no quarter'}; appraisals re-run: ${reappraised.join(', ') || 'none'}`)
        for (const key of result.unreadable ?? []) io.err(`va replay: cannot replay s3://lake/${key}: its metadata is gone or torn (the object is kept)`)
        return result.unreadable?.length ? EXIT.storage : 0
      } finally {
        await appraisal.engine.close()
      }
    } finally {
      await pipeline.close()
    }
  },
}

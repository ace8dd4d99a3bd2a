import { existsSync } from 'node:fs'
import { localHome } from '../../local/local-pipeline.ts'
import { openTarget } from '../targets.ts'
import { submissionStatus } from '../../use-cases/submission-status.ts'
import { displayOf, parseFlags, requireCounty, requirePeriod, requireTarget, type CommandRunner } from '../args.ts'
import { table } from '../format.ts'

export const statusCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, { county: { type: 'string' }, period: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'string' } })
    const county = requireCounty(values.county)
    const period = requirePeriod(values.period)
    if (requireTarget(values.target) === 'local' && !existsSync(localHome(io.env, io.cwd))) {
      io.out(values.json ? JSON.stringify({ county, period, submissions: [] }, null, 2) : `no local state at ${localHome(io.env, io.cwd)}: nothing uploaded yet`)
      return 0
    }
    const session = await openTarget(values.target, io)
    try {
      // The same document as the portal's GET /api/submissions.
      const doc = await submissionStatus(session.ledger, county, period)
      if (values.json) io.out(JSON.stringify(doc, null, 2))
      else if (doc.submissions.length === 0) io.out(`no submissions for ${county} ${period}`)
      else io.out(table(['received_at', 'dataset', 'status', 'current', 'rows', 'object_key', 'submission_id'],
        doc.submissions.map((s) => [s.received_at, s.dataset, s.status, s.current ? '*' : '', `${s.rows.accepted}/${s.rows.total}`, s.object_key, s.submission_id]), displayOf(io).columns))
      return 0
    } finally {
      await session.close()
    }
  },
}

import { localHome, startLocalPipeline } from '../../local/local-pipeline.ts'
import { LocalStateError } from '../../local/local-errors.ts'
import { existsSync } from 'node:fs'
import { UsageError, parseFlags, requireTarget, type CommandRunner } from '../args.ts'
import { EXIT } from '../exit-codes.ts'

export const reconcileCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' }, target: { type: 'string' } })
    if (requireTarget(values.target) === 'aws') throw new UsageError('on AWS the reconcile function runs daily; run it now with aws lambda invoke --function-name <ReconcileFunctionName output>')
    const home = localHome(io.env, io.cwd)
    if (!existsSync(home)) throw new LocalStateError(`no local state at ${home}: nothing to reconcile`)
    const pipeline = await startLocalPipeline({ home, onNotice: (line) => io.err(`va: ${line}`) })
    try {
      const atStart = pipeline.recovery?.reconciled
      const now = await pipeline.reconcile({ deep: true })
      const quarantined = pipeline.recovery?.quarantined ?? []
      const repair = pipeline.recovery?.ledgerRepair
      const doc = {
        role: pipeline.role,
        objects: now.objects,
        requeued: pipeline.recovery?.requeued ?? 0,
        resent: [...(atStart?.resent ?? []), ...now.resent],
        repaired: [...(atStart?.repaired ?? []), ...now.repaired],
        unrepairable: now.unrepairable,
        failed: now.failed,
        quarantined: quarantined.map((q) => ({ bucket: q.bucket, key: q.key, reason: q.reason, moved_to: q.movedTo })),
        ledger_repaired: repair ? { damage: repair.damage, copied_to: repair.copiedTo, outcome: repair.outcome } : null,
      }
      if (values.json) io.out(JSON.stringify(doc, null, 2))
      else {
        io.out(`${doc.objects} uploads in the ingest bucket: ${doc.requeued} queued again, ${doc.resent.length} resent, ${doc.repaired.length} curated objects repaired, ${doc.unrepairable.length} unrepairable, ${doc.failed.length} failed, ${doc.quarantined.length} torn files quarantined`)
        for (const f of doc.failed) io.out(`  failed: ${f.key}: ${f.error}`)
        for (const u of doc.unrepairable) io.out(`  unrepairable: ${u} (va replay rebuilds it from the raw uploads)`)
        for (const q of doc.quarantined) io.out(`  quarantined: s3://${q.bucket}/${q.key}: ${q.reason} (kept at ${q.moved_to})`)
        for (const d of repair?.damage ?? []) io.out(`  ledger store damaged: ${d.file}: ${d.problem} (copied as found to ${repair!.copiedTo}; ${repair!.outcome === 'dropped' ? 'damaged records dropped' : 'store rebuilt'})`)
      }
      if (doc.failed.length || doc.unrepairable.length) return EXIT.storage
      return doc.quarantined.length || repair ? EXIT.quarantined : EXIT.ok
    } finally {
      await pipeline.close()
    }
  },
}

import { readFileSync } from 'node:fs'
import { appendFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createDuckDbQueryEngine, type DuckDbQueryEngine } from '../adapters/duckdb-query-engine.ts'
import { DynamoAppraisalStore } from '../adapters/dynamo-appraisal-store.ts'
import { documentClient } from '../adapters/dynamo-submission-ledger.ts'
import { loadScoringConfig } from '../core/appraisal/scoring-config.ts'
import type { AppraisalDeps } from '../use-cases/run-appraisal.ts'
import { LOCAL_NAMES, stateDirs } from './emulators.ts'
import { syncLakeMirror } from './lake-mirror.ts'
import type { LocalPipeline } from './local-pipeline.ts'

export const DEFAULT_SCORING_FILE = new URL('../config/scoring/2024.1.json', import.meta.url)

/** The appraisal's dependencies on the local pipeline: DuckDB over a mirror of the lake. */
export async function localAppraisalDeps(pipeline: LocalPipeline, overrides?: string): Promise<AppraisalDeps & { engine: DuckDbQueryEngine }> {
  const dirs = stateDirs(pipeline.home)
  const engine = await createDuckDbQueryEngine({ lakeDir: dirs.lakeMirror })
  return {
    engine,
    store: pipeline.deps.store,
    ledger: pipeline.deps.ledger,
    appraisals: new DynamoAppraisalStore(documentClient(pipeline.dynamo.client), LOCAL_NAMES.appraisalsTable),
    lakeBucket: LOCAL_NAMES.lakeBucket,
    // Canonical JSON, hashed exactly as the aggregate function hashes its bundled copy.
    scoring: loadScoringConfig(JSON.stringify(JSON.parse(readFileSync(DEFAULT_SCORING_FILE, 'utf8'))), overrides),
    tmpDir: dirs.tmp,
    // The local stand-in for the appraisals-published topic.
    announce: async (summary) => {
      await mkdir(dirs.outbox, { recursive: true })
      await appendFile(join(dirs.outbox, 'appraisals.jsonl'), `${JSON.stringify({ attributes: { period: summary.period }, message: summary })}\n`)
    },
    beforeQuery: async () => {
      await syncLakeMirror(pipeline.deps.store, LOCAL_NAMES.lakeBucket, dirs.lakeMirror)
      await engine.refresh()
    },
  }
}

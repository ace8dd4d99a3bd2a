/**
 * Upload-to-verdict through the local pipeline: a county's 500-village report put into the
 * S3 emulator, the object-created event through the local queue into `processUpload` (raw
 * copy, decode, every check incl. quarter-over-quarter against the previous quarter, the
 * staged Parquet, the reports, the ledger, the curated copy, the verdict notice), until the
 * verdict resolves. One warm-up, then `samples` uploads one after another; the median.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { LOCAL_NAMES } from '../functions/local/emulators.ts'
import { startLocalPipeline } from '../functions/local/local-pipeline.ts'
import { benchCounty, villageReportText } from './data.ts'

export interface LatencyResult {
  samples: number
  upload_to_verdict_p50_ms: number
  upload_to_verdict_p90_ms: number
  upload_to_verdict_min_ms: number
}

export async function benchLatency(home: string, villages = 500, samples = 20): Promise<LatencyResult> {
  const county = benchCounty().code
  const pipeline = await startLocalPipeline({ home, inMemoryDynamo: true, limits: { deadlineDays: 100_000 } })
  try {
    const upload = async (key: string, body: string): Promise<number> => {
      const verdict = pipeline.verdictFor(key)
      const started = performance.now()
      await pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body }))
      const { submission } = await verdict
      if (submission.status !== 'accepted') throw new Error(`bench upload ${key} was ${submission.status}`)
      return performance.now() - started
    }
    // The previous quarter, so that the quarter-over-quarter checks have something to read.
    await upload(`uploads/${county}/2024Q1/村报表.csv`, villageReportText(villages, { year: 2024, quarter: 1 }))
    const body = villageReportText(villages, { year: 2024, quarter: 2 })
    const key = `uploads/${county}/2024Q2/村报表.csv`
    await upload(key, body)
    const times: number[] = []
    for (let i = 0; i < samples; i++) times.push(await upload(key, body))
    times.sort((a, b) => a - b)
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!
    const median = times.length % 2 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2
    return { samples, upload_to_verdict_p50_ms: median, upload_to_verdict_p90_ms: at(0.9), upload_to_verdict_min_ms: times[0]! }
  } finally {
    await pipeline.close()
  }
}

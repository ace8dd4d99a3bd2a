import { Logger } from '@aws-lambda-powertools/logger'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'
import { Metrics } from '@aws-lambda-powertools/metrics'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { METRICS_NAMESPACE } from '../../../schemas/metrics.ts'
import { DEFAULT_UPLOAD_LIMITS } from '../../../schemas/settings.ts'
import { hmacSha256Hex } from '../../../functions/adapters/node-id-hash.ts'
import { createValidateUploadHandler } from '../../../functions/handlers/validate-upload.ts'
import { localContext, sqsS3Event } from '../../../functions/local/aws-events.ts'
import type { UploadDeps } from '../../../functions/use-cases/process-upload.ts'
import { MemoryFiles, MemoryLedger, MemoryObjectStore, memoryScratch, readJsonTable } from '../../support/fake-ports.ts'

// The validate handler on in-memory ports: what it logs and which metrics it emits (EMF on stdout).

const HEADER = '报告期,村代码,村名称,乡镇名称,是否重点帮扶村,是否易地搬迁安置点,总户数,总人口,脱贫户数,脱贫人口数,易地搬迁户数,易地搬迁人数,脱贫不稳定户数,脱贫不稳定户人数,边缘易致贫户数,边缘易致贫户人数,突发严重困难户数,突发严重困难户人数,本季度新识别监测户数,已消除风险户数,已消除风险人数,脱贫人口人均纯收入,低于监测线人数,脱贫劳动力人数,脱贫劳动力务工就业人数,公益性岗位安置人数,搬迁零就业家庭户数,义务教育辍学人数,参保人数,存量危房户数,饮水不安全户数,村集体经济经营性收入,衔接资金下达,衔接资金支出,衔接资金项目数,已竣工项目数'
const row = (population: number) => `2024Q2,511921105201,太平场村,杨柏镇,是,否,1150,${population},141,521,55,183,1,3,1,3,1,3,0,1,3,7120.5,4,286,240,12,0,0,527,0,0,61000,185,102.5,5,3`

let lines: string[] = []
const saved = process.env['POWERTOOLS_METRICS_DISABLED']
beforeEach(() => {
  lines = []
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'false'
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(capture)
  vi.spyOn(process.stderr, 'write').mockImplementation(capture)
})
afterEach(() => {
  vi.restoreAllMocks()
  if (saved === undefined) delete process.env['POWERTOOLS_METRICS_DISABLED']
  else process.env['POWERTOOLS_METRICS_DISABLED'] = saved
})

function handlerOver(store: MemoryObjectStore, files: MemoryFiles, fail = false) {
  const deps: UploadDeps = {
    store, ledger: new MemoryLedger(), scratch: memoryScratch(files), buckets: { ingest: 'ingest', lake: 'lake' },
    idHasher: async () => hmacSha256Hex(new Uint8Array(32)), codecs: nodeByteCodecs, limits: { ...DEFAULT_UPLOAD_LIMITS, deadlineDays: 100_000 }, readTable: readJsonTable,
  }
  if (fail) deps.ledger.record = async () => { throw new Error('DynamoDB unavailable') }
  return createValidateUploadHandler({
    deps: () => deps,
    logger: new Logger({ serviceName: 'validate-upload', logLevel: 'INFO' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'validate-upload' }),
  })
}

const event = (key: string) => sqsS3Event({ eventName: 'ObjectCreated:Put', eventTime: '2024-07-05T02:00:00.000Z', s3: { bucket: { name: 'ingest' }, object: { key, sequencer: '0062A1B2C3D4E5F601' } } }, new Date('2024-07-05T02:00:00.000Z'))
const json = () => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
const metric = (name: string) => json().filter((l) => name in l)

describe('the validate handler', () => {
  it('logs the verdict with the request id and emits the verdict by status, the findings by code and the latency', async () => {
    const files = new MemoryFiles()
    const store = new MemoryObjectStore(files)
    await store.put('ingest', 'uploads/511921/2024Q2/报 表.csv', `${HEADER}\n${row(10)}\n`)
    const context = localContext('validate-upload')
    const result = await handlerOver(store, files)(event('uploads/511921/2024Q2/报 表.csv') as never, context)
    expect(result).toEqual({ batchItemFailures: [] })
    const verdict = json().find((l) => l['message'] === 'verdict')
    expect(verdict).toMatchObject({ status: 'rejected', function_request_id: context.awsRequestId, counts: { rule: 2 } })
    expect(metric('Verdicts').map((m) => [m['status'], m['Verdicts']])).toEqual([['rejected', 1]])
    expect(metric('Findings').map((m) => [m['code'], m['Findings']])).toEqual([['rule', 2]])
    expect(metric('VerdictLatencySeconds')).toHaveLength(1)
  })

  it('reports a failing upload as a batch item failure, logs it and counts it', async () => {
    const files = new MemoryFiles()
    const store = new MemoryObjectStore(files)
    await store.put('ingest', 'uploads/511921/2024Q2/a.csv', `${HEADER}\n${row(3562)}\n`)
    const e = event('uploads/511921/2024Q2/a.csv')
    const result = await handlerOver(store, files, true)(e as never, localContext('validate-upload'))
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: e.Records[0]!['messageId'] }] })
    expect(json().find((l) => l['message'] === 'upload failed; SQS will retry')).toMatchObject({ level: 'ERROR' })
    expect(metric('UploadFailures').map((m) => m['UploadFailures'])).toEqual([1])
  })
})

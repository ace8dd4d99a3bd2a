/**
 * Resident ID numbers never reach a log, a report or the curated lake. Rosters holding valid
 * IDs (correct GB 11643 check digits, an upper- and a lower-case X among them) and rosters
 * holding bad ones go through the real Lambda handler (`functions/handlers/validate-upload.ts`)
 * against the embedded S3 and DynamoDB emulators and a local stand-in for Secrets Manager;
 * everything written to stdout, stderr and the console meanwhile is captured and scanned.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from 'node:util'
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MONITORED_HOUSEHOLDS } from '../../schemas/datasets.ts'
import { ValidationReportSchema, type ValidationReport } from '../../schemas/findings.ts'
import { readParquetRows } from '../../functions/adapters/parquet-read.ts'
import { LOCAL_NAMES, startDynamoEmulator, startS3Emulator, type DynamoEmulator, type S3Emulator } from '../../functions/local/emulators.ts'
import { buildXlsx, type XlsxCell } from '../support/xlsx-builder.ts'
import { BAD_CHECK_ID, COUNTY, PERIOD, VALID_ID, gb18030, rosterCsv, rosterRow, utf8, villageCode, type RowText } from '../support/village-rows.ts'
import { localContext, sqsS3Event } from '../../functions/local/aws-events.ts'

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

/** The 18-character resident ID for 17 digits (GB 11643, ISO 7064 MOD 11-2), written here independently of values.ts. */
function withCheckDigit(digits17: string): string {
  const sum = [...digits17].reduce((s, d, i) => s + Number(d) * WEIGHTS[i]!, 0)
  return digits17 + '10X98765432'[sum % 11]!
}

function isValidId(candidate: string): boolean {
  const upper = candidate.toUpperCase()
  return /^\d{17}[\dX]$/.test(upper) && withCheckDigit(upper.slice(0, 17)) === upper
}

/** Valid IDs, two of them ending in X; the second is written with a lower-case x in the file. */
const IDS = [
  VALID_ID,
  '11010519491231002X',
  withCheckDigit('52222619900305421'),
  withCheckDigit('52222620100101001'),
  withCheckDigit('52222619750615882'),
].map((id, i) => ({ id, written: i === 1 ? id.toLowerCase() : id }))
/** IDs that fail their check digit, one too short, one with a stray letter. */
const BAD_IDS = [BAD_CHECK_ID, withCheckDigit('52222619900305421').slice(0, 17) + (withCheckDigit('52222619900305421').endsWith('1') ? '2' : '1'), '52222619900305421', '52222619900305421Y']

/** Every ID-shaped run of 18 characters in `text` whose check digit holds. */
function idNumbersIn(text: string): string[] {
  const found: string[] = []
  for (const m of text.matchAll(/(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g)) if (isValidId(m[0])) found.push(m[0])
  return found
}

/** Any of the given IDs, in upper or lower case, in `text`. */
function knownIdsIn(text: string, ids: readonly string[]): string[] {
  return ids.filter((id) => text.includes(id) || text.includes(id.toLowerCase()))
}

const ALL_IDS = [...IDS.map((x) => x.id), ...BAD_IDS]

function rosterRows(ids: readonly string[]): RowText[] {
  return ids.map((id, i) => rosterRow({ household_id: `H-${i + 1}`, village_code: villageCode(i + 1), head_id_number: id }))
}

function rosterXlsx(rows: readonly RowText[]): Uint8Array {
  const header = MONITORED_HOUSEHOLDS.columns.map((c) => c.zh)
  const cells = rows.map((row) => MONITORED_HOUSEHOLDS.columns.map((c): XlsxCell => {
    const text = row[c.key] ?? ''
    if (text === '') return null
    return c.type.kind === 'int' || c.type.kind === 'num' ? Number(text) : text
  }))
  return buildXlsx({ sheets: [{ name: '监测户名册', rows: [header, ...cells] }] })
}

// ---- the environment: emulators, the secret, the captured output ----

let s3: S3Emulator
let dynamo: DynamoEmulator
let secrets: Server
let home: string
let secretCalls = 0
let handler: typeof import('../../functions/handlers/validate-upload.ts').handler
const savedEnv = { ...process.env }
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:va-id-hash'

/** A stand-in for Secrets Manager's JSON protocol: GetSecretValue of the one secret. */
function startSecretsManager(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const target = req.headers['x-amz-target']
      const secretId = (JSON.parse(body || '{}') as { SecretId?: string }).SecretId
      res.setHeader('content-type', 'application/x-amz-json-1.1')
      if (target !== 'secretsmanager.GetSecretValue' || secretId !== SECRET_ARN) {
        res.writeHead(400).end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }))
        return
      }
      secretCalls++
      res.writeHead(200).end(JSON.stringify({ ARN: SECRET_ARN, Name: 'va-id-hash', VersionId: 'v1', SecretString: 'a-local-hmac-key-for-tests-only-0123456789abcdef' }))
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const

/** Runs `work` with stdout, stderr and the console captured (and kept off the terminal). */
async function captured<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = []
  // Kept to be put back as they were, never called detached from their objects.
  /* eslint-disable @typescript-eslint/unbound-method */
  const out = process.stdout.write
  const err = process.stderr.write
  const consoleBefore = CONSOLE_METHODS.map((m) => console[m])
  /* eslint-enable @typescript-eslint/unbound-method */
  const sink = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
    callback?.()
    return true
  }) as typeof process.stdout.write
  process.stdout.write = sink
  process.stderr.write = sink
  for (const m of CONSOLE_METHODS) console[m] = (...args: unknown[]) => void lines.push(format(...args))
  try {
    return { value: await work(), lines }
  } finally {
    process.stdout.write = out
    process.stderr.write = err
    CONSOLE_METHODS.forEach((m, i) => (console[m] = consoleBefore[i]!))
  }
}

let sequence = 0

/** The SQS event Lambda gets for an S3 object-created notification (keys URL-encoded, as S3 sends them). */
function sqsEvent(key: string): unknown {
  sequence++
  // The S3-over-SQS event as AWS shapes it (the local pipeline's builder), the key URL-encoded.
  return sqsS3Event({
    eventName: 'ObjectCreated:Put',
    eventTime: '2024-07-05T02:00:00.000Z',
    userIdentity: { principalId: 'AWS:AROAEXAMPLE:county-522226' },
    s3: { bucket: { name: LOCAL_NAMES.ingestBucket }, object: { key, sequencer: `00${String(sequence).padStart(14, '0')}` } },
  }, new Date('2024-07-05T02:00:00.000Z'))
}

async function lakeBytes(key: string): Promise<Uint8Array> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: LOCAL_NAMES.lakeBucket, Key: key }))
  return r.Body!.transformToByteArray()
}

interface Run {
  lines: string[]
  submissionId: string
  report: ValidationReport
  reportJson: string
  reportCsv: string
}

/** Uploads `body` to the ingest bucket and hands the handler the notification, output captured. */
async function runUpload(key: string, body: Uint8Array): Promise<Run> {
  await s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body }))
  const { value, lines } = await captured(() => handler(sqsEvent(key) as never, localContext('validate-upload')))
  expect(value).toEqual({ batchItemFailures: [] })
  // The verdict line is how we know the capture saw the handler's logger at all.
  const verdicts = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"message":"verdict"')).map((l) => JSON.parse(l) as { submission_id: string })
  expect(verdicts).toHaveLength(1)
  const submissionId = verdicts[0]!.submission_id
  const reportKey = `reports/submissions/${COUNTY}/${PERIOD}/${submissionId}`
  const reportJson = Buffer.from(await lakeBytes(`${reportKey}.json`)).toString('utf8')
  const reportCsv = Buffer.from(await lakeBytes(`${reportKey}.csv`)).toString('utf8')
  return { lines, submissionId, report: ValidationReportSchema.parse(JSON.parse(reportJson)), reportJson, reportCsv }
}

function expectNoIds(where: string, text: string): void {
  expect(idNumbersIn(text), `ID-shaped numbers with a valid check digit in ${where}`).toEqual([])
  expect(knownIdsIn(text, ALL_IDS), `the roster's ID numbers in ${where}`).toEqual([])
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'va-logs-'))
  s3 = await startS3Emulator(join(home, 's3'))
  dynamo = await startDynamoEmulator()
  secrets = await startSecretsManager()
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
    AWS_EC2_METADATA_DISABLED: 'true',
    INGEST_BUCKET: LOCAL_NAMES.ingestBucket,
    LAKE_BUCKET: LOCAL_NAMES.lakeBucket,
    SUBMISSIONS_TABLE: LOCAL_NAMES.submissionsTable,
    ID_HASH_SECRET_ARN: SECRET_ARN,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  })
  delete process.env['AWS_PROFILE']
  // Imported only now: the handler reads its environment and builds its clients at load.
  ;({ handler } = await import('../../functions/handlers/validate-upload.ts'))
})

afterAll(async () => {
  await s3?.close()
  await dynamo?.close()
  await new Promise((resolve) => secrets?.close(resolve))
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
  Object.assign(process.env, savedEnv)
  await rm(home, { recursive: true, force: true })
})

describe('rosters holding valid resident ID numbers, through the Lambda handler', () => {
  const rows = rosterRows(IDS.map((x) => x.written))
  it.each([
    ['a UTF-8 CSV', 'uploads/522226/2024Q2/名册.csv', () => utf8(rosterCsv(rows))],
    ['a GB18030 CSV', 'uploads/522226/2024Q2/名册-gb.csv', () => gb18030(rosterCsv(rows))],
    ['an XLSX', 'uploads/522226/2024Q2/名册.xlsx', () => rosterXlsx(rows)],
    ['a JSON', 'uploads/522226/2024Q2/名册.json', () => utf8(JSON.stringify(rows))],
  ])('%s is accepted, and no ID is in the logs, the reports or the curated Parquet', async (_what, key, body) => {
    const run = await runUpload(key, body())
    expect(run.report).toMatchObject({ dataset: 'monitored_households', status: 'accepted', rows: { total: IDS.length, accepted: IDS.length, rejected: 0 } })
    expectNoIds('the logs', run.lines.join(''))
    expectNoIds('the JSON report', run.reportJson)
    expectNoIds('the CSV report', run.reportCsv)

    const parquet = await lakeBytes(`curated/monitored_households/year=2024/quarter=2/${COUNTY}.parquet`)
    const stored = await readParquetRows(parquet)
    expect(stored.map((r) => r['submission_id'])).toEqual(IDS.map(() => run.submissionId))
    // The column was read and kept, as a keyed hash (head_id_hash), one per distinct ID.
    const hashes = stored.map((r) => r['head_id_hash'])
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/)
    expect(new Set(hashes).size).toBe(IDS.length)
    expectNoIds('the curated Parquet bytes', Buffer.from(parquet).toString('latin1'))
    expectNoIds('the curated rows', JSON.stringify(stored))
    expect(secretCalls).toBeGreaterThan(0)
  })
})

describe('a roster holding bad ID numbers, through the Lambda handler', () => {
  it('is rejected with a format finding per bad ID that does not echo it, and no ID is in the logs or reports', async () => {
    const ids = [IDS[0]!.written, ...BAD_IDS, IDS[1]!.written]
    const run = await runUpload('uploads/522226/2024Q2/坏名册.csv', utf8(rosterCsv(rosterRows(ids))))
    expect(run.report.status).toBe('rejected')
    expect(run.report.findings.map((f) => [f.code, f.row, f.column, f.header, f.cell])).toEqual(
      BAD_IDS.map((_id, i) => ['format', i + 2, 'head_id_number', '户主身份证号', `D${i + 3}`]),
    )
    for (const f of run.report.findings) expect(f).not.toHaveProperty('value')
    expectNoIds('the logs', run.lines.join(''))
    expectNoIds('the JSON report', run.reportJson)
    expectNoIds('the CSV report', run.reportCsv)
  })
})

describe('an upload whose processing fails', () => {
  it('logs the failure for SQS to retry, without the ID number its file name holds', async () => {
    // A county names a file after a resident; the object is gone before the function reads it.
    const key = `uploads/522226/2024Q2/张三-${VALID_ID}.csv`
    const { value, lines } = await captured(() => handler(sqsEvent(key) as never, localContext('validate-upload')))
    expect(value.batchItemFailures).toHaveLength(1)
    expect(lines.join('')).toContain('upload failed')
    expectNoIds('the logs', lines.join(''))
  })
})

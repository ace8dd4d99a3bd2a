import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import dynalite from 'dynalite'
import { s3ClientConfig } from '../adapters/s3-object-store.ts'
import { hardenS3rver } from './s3rver-hardening.ts'

/** The local names of what the stack creates on AWS (interfaces.md). */
export const LOCAL_NAMES = {
  ingestBucket: 'ingest',
  lakeBucket: 'lake',
  resultsBucket: 'athena-results',
  submissionsTable: 'submissions',
  appraisalsTable: 'appraisals',
} as const

/** The S3-style record the emulator emits for every object written. */
export interface EmulatorS3Record {
  eventName: string
  eventTime: string
  userIdentity?: { principalId?: string }
  s3: { bucket: { name: string }; object: { key: string; sequencer: string; size?: number; eTag?: string; versionId?: string } }
}

export interface S3Emulator {
  endpoint: string
  client: S3Client
  onObjectCreated(listener: (record: EmulatorS3Record) => void): void
  close(): Promise<void>
}

/**
 * s3rver in-process on 127.0.0.1 and a random port, its objects under `dir`. Its events carry a
 * millisecond sequencer; two uploads within one millisecond would share it, so each emitted
 * event is given a strictly increasing sequencer once (a re-delivery keeps it, as on AWS).
 */
export async function startS3Emulator(dir: string): Promise<S3Emulator> {
  await mkdir(dir, { recursive: true })
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: Object.values({ a: LOCAL_NAMES.ingestBucket, b: LOCAL_NAMES.lakeBucket, c: LOCAL_NAMES.resultsBucket }).map((name) => ({ name })),
  })
  hardenS3rver(server)
  const address = await server.run()
  const endpoint = `http://127.0.0.1:${address.port}`
  const listeners: ((r: EmulatorS3Record) => void)[] = []
  let last = 0n
  server.on('event', (event: { Records: EmulatorS3Record[] }) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue
      let seq = BigInt(Date.now()) << 16n
      if (seq <= last) seq = last + 1n
      last = seq
      record.s3.object.sequencer = seq.toString(16).toUpperCase().padStart(16, '0')
      // s3rver makes up a random principal per request; there is one local user, and an
      // upload resent by reconciliation must be recorded exactly as its own event would have.
      record.userIdentity = { principalId: 'AWS:local' }
      for (const l of listeners) l(record)
    }
  })
  const client = new S3Client(s3ClientConfig(endpoint))
  return {
    endpoint,
    client,
    onObjectCreated: (l) => listeners.push(l),
    close: async () => {
      client.destroy()
      await server.close()
    },
  }
}

/** The S3 emulator another process owns, over HTTP: its events reach that process only. */
export function connectS3Emulator(endpoint: string): S3Emulator {
  const client = new S3Client(s3ClientConfig(endpoint))
  return { endpoint, client, onObjectCreated: () => undefined, close: async () => client.destroy() }
}

/** The DynamoDB emulator another process owns, over HTTP. */
export function connectDynamoEmulator(endpoint: string): DynamoEmulator {
  const client = dynamoClient(endpoint)
  return { endpoint, client, close: async () => client.destroy() }
}

const dynamoClient = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })

export interface DynamoEmulator {
  endpoint: string
  client: DynamoDBClient
  close(): Promise<void>
}

const S = 'S' as const

/** The two tables, as the CDK stack defines them (a test holds the two together). */
export const TABLE_DEFINITIONS: Record<'submissions' | 'appraisals', Omit<CreateTableCommandInput, 'TableName'>> = {
  submissions: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: S }, { AttributeName: 'sk', AttributeType: S }, { AttributeName: 'gsi1pk', AttributeType: S }, { AttributeName: 'gsi1sk', AttributeType: S }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{ IndexName: 'by-county-dataset', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
  },
  appraisals: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: S }, { AttributeName: 'sk', AttributeType: S },
      { AttributeName: 'county', AttributeType: S }, { AttributeName: 'period', AttributeType: S },
      { AttributeName: 'city_period', AttributeType: S }, { AttributeName: 'rank_key', AttributeType: S },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [
      { IndexName: 'by-county', KeySchema: [{ AttributeName: 'county', KeyType: 'HASH' }, { AttributeName: 'period', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
      { IndexName: 'by-city', KeySchema: [{ AttributeName: 'city_period', KeyType: 'HASH' }, { AttributeName: 'rank_key', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
    ],
  },
}

/** dynalite in-process (pure Node, LevelDB on disk under `dir`, or in memory without one). */
export async function startDynamoEmulator(dir?: string): Promise<DynamoEmulator> {
  if (dir) await mkdir(dir, { recursive: true })
  const server = dynalite({ ...(dir ? { path: dir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const client = dynamoClient(endpoint)
  for (const [name, def] of Object.entries(TABLE_DEFINITIONS)) await ensureTable(client, name, def)
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

async function ensureTable(client: DynamoDBClient, name: string, def: Omit<CreateTableCommandInput, 'TableName'>): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }))
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e
    await client.send(new CreateTableCommand({ TableName: name, ...def }))
  }
}

export const stateDirs = (home: string) => ({
  s3: join(home, 's3'),
  dynamo: join(home, 'dynamodb'),
  secrets: join(home, 'secrets'),
  outbox: join(home, 'outbox'),
  dlq: join(home, 'dead-letters'),
  tmp: join(home, 'tmp'),
  lakeMirror: join(home, 'lake-mirror'),
  reports: join(home, 'reports'),
  queue: join(home, 'queue'),
  quarantine: join(home, 'quarantine'),
})

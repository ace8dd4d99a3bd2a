import { createHash, randomUUID } from 'node:crypto'
import type { EmulatorS3Record } from './emulators.ts'

/**
 * The events AWS hands the functions, built for the local runtime exactly as AWS shapes them,
 * so the local pipeline runs the same handler path (Powertools' strict S3-over-SQS schema
 * included): the key URL-encoded as S3 writes it (a space as `+`), the sequencer, the
 * version id, the SQS record around the S3 notification.
 */

const REGION = 'us-east-1'
const ACCOUNT = '000000000000'

/** S3 URL-encodes keys in notifications like a form: `+` for a space, `%XX` otherwise. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/')
}

/** The S3 notification record of an object created (notification-content-structure). */
export function s3NotificationRecord(record: EmulatorS3Record, eventTime: Date): Record<string, unknown> {
  const object = record.s3.object
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: REGION,
    eventTime: eventTime.toISOString(),
    eventName: record.eventName,
    userIdentity: { principalId: record.userIdentity?.principalId ?? 'AWS:local' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': object.sequencer, 'x-amz-id-2': object.sequencer },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'ingest-uploads',
      bucket: { name: record.s3.bucket.name, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
      object: {
        key: encodeEventKey(object.key),
        ...(object.size === undefined ? {} : { size: object.size }),
        ...(object.eTag === undefined ? {} : { eTag: object.eTag }),
        ...(object.versionId === undefined ? {} : { versionId: object.versionId }),
        sequencer: object.sequencer,
      },
    },
  }
}

/** One SQS message carrying S3 notification records, as the queue hands it to Lambda. */
export function sqsRecord(body: unknown, receiveCount: number, sentAt: Date): Record<string, unknown> {
  const text = JSON.stringify(body)
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: text,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sentAt.getTime()),
      SenderId: 'AIDAS3NOTIFICATION',
      ApproximateFirstReceiveTimestamp: String(sentAt.getTime()),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(text).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:uploads`,
    awsRegion: REGION,
  }
}

/** The SQS event of one object-created notification. */
export function sqsS3Event(record: EmulatorS3Record, eventTime: Date, receiveCount = 1): { Records: Record<string, unknown>[] } {
  return { Records: [sqsRecord({ Records: [s3NotificationRecord(record, eventTime)] }, receiveCount, new Date())] }
}

/** A Lambda context for a local invocation: what the Logger puts in every line. */
export function localContext(functionName: string): import('aws-lambda').Context {
  const awsRequestId = randomUUID()
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1769',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }
}

/**
 * An API Gateway HTTP API (payload format 2.0) event as the JWT authorizer passes it on: the
 * verified token's claims under requestContext.authorizer.jwt, every value as a string.
 */
export function httpApiEvent(input: { method: string; url: URL; body?: Buffer; claims?: Record<string, unknown> }): Record<string, unknown> {
  const claims = input.claims && Object.fromEntries(Object.entries(input.claims).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.url.pathname,
    rawQueryString: input.url.search.replace(/^\?/, ''),
    headers: {},
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'local',
      domainName: input.url.host,
      http: { method: input.method, path: input.url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'local' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
    },
    ...(input.body && input.body.length ? { body: input.body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  }
}

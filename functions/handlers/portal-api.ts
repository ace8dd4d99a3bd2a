import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import * as z from 'zod/mini'
import '../../schemas/zod-english.ts'
import { PortalApiEnvSchema } from '../../schemas/env.ts'
import { awsPortalDeps, composeAtColdStart, parseEnv } from '../composition/aws.ts'
import { ApiError } from '../core/portal/api-error.ts'
import { handlePortalRequest, type PortalDeps } from '../use-cases/portal-api.ts'

/**
 * The portal's HTTP API as one Lambda behind API Gateway (HTTP API, payload format 2.0). The
 * JWT authorizer has verified the token; its claims are all this reads of who is asking. The
 * local server (functions/local/portal-server.ts) builds the same event from a locally issued
 * token and calls the handler this returns.
 */

/** The part of the payload 2.0 event the API reads (API Gateway sends more). */
export const HttpApiEventSchema = z.object({
  rawPath: z.string(),
  rawQueryString: z.optional(z.string()),
  queryStringParameters: z.optional(z.record(z.string(), z.string())),
  body: z.optional(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
  requestContext: z.object({
    http: z.object({ method: z.string() }),
    authorizer: z.optional(z.object({ jwt: z.optional(z.object({ claims: z.record(z.string(), z.unknown()) })) })),
  }),
})

export interface PortalApiRuntime {
  deps: () => PortalDeps
  logger: Logger
  now?: () => Date
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) }
}

function requestBody(body: string | undefined, base64: boolean | undefined): unknown {
  if (body === undefined || body === '') return undefined
  const text = base64 ? Buffer.from(body, 'base64').toString('utf8') : body
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new ApiError(400, 'bad_json', { zh: '请求内容不是 JSON', en: 'The request body is not JSON' }, { cause })
  }
}

export function createPortalApiHandler(runtime: PortalApiRuntime) {
  const { logger } = runtime
  return middy(async (raw: unknown, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const parsed = HttpApiEventSchema.safeParse(raw)
    // Not an HTTP API event at all: a wiring mistake, not a caller's.
    if (!parsed.success) throw new Error(`The portal API received an event it cannot read: ${z.prettifyError(parsed.error)}`)
    const event = parsed.data
    // API Gateway decodes the path's percent-escapes in rawPath only partly; the route matcher decodes parameters itself.
    const query = Object.fromEntries(new URLSearchParams(event.rawQueryString ?? '').entries())
    try {
      const response = await handlePortalRequest(runtime.deps(), {
        method: event.requestContext.http.method,
        path: event.rawPath,
        query: { ...query, ...event.queryStringParameters },
        body: requestBody(event.body, event.isBase64Encoded),
        claims: event.requestContext.authorizer?.jwt?.claims,
        now: runtime.now?.() ?? new Date(),
      })
      if ('bytes' in response) {
        return {
          statusCode: 200,
          headers: {
            'content-type': response.contentType,
            'content-disposition': `attachment; filename="${response.fileName}"`,
            'cache-control': 'no-store',
          },
          body: Buffer.from(response.bytes).toString('base64'),
          isBase64Encoded: true,
        }
      }
      return json(response.status, response.json)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      // A refusal is logged with the route, the caller's role and the code: never who asked or what they sent.
      if (error.status === 403) logger.warn('request refused', { route: error.route ?? 'unknown', role: error.role ?? 'none', code: error.code })
      return json(error.status, error.body)
    }
  }).use(injectLambdaContext(logger))
}


export const handler = createPortalApiHandler({
  deps: composeAtColdStart(() => awsPortalDeps(parseEnv(PortalApiEnvSchema, process.env), process.env['AWS_REGION'] ?? 'us-east-1')),
  logger: new Logger({ serviceName: 'portal-api' }),
})

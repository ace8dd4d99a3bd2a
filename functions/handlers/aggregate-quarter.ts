import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { AggregateEnvSchema } from '../../schemas/env.ts'
import { AggregateEventSchema } from '../../schemas/events.ts'
import { METRICS, METRICS_NAMESPACE, METRIC_SERVICES } from '../../schemas/metrics.ts'
import { awsAppraisalDeps, composeAtColdStart, parseEnv } from '../composition/aws.ts'
import { formatPeriod, quarterJustEnded } from '../core/period.ts'
import { runAppraisal, type AppraisalDeps } from '../use-cases/run-appraisal.ts'
import type { MissingCounty } from '../core/appraisal/score.ts'

export interface AggregateQuarterRuntime {
  deps: () => AppraisalDeps
  logger: Logger
  metrics: Metrics
  now?: () => Date
}

export interface AggregateResult {
  period: string
  counties: number
  missing_counties: MissingCounty[]
  run_id: string
  published: boolean
}

/**
 * The quarterly appraisal. The schedule (02:00 Asia/Shanghai on the 15th of Jan/Apr/Jul/Oct)
 * sends `{ "source": "schedule" }` and the quarter just ended is appraised; an operator (or
 * `va aggregate`) may send `{ "period": "2024Q2", "publish": true, "source": "<who>" }`.
 * Errors propagate: Lambda retries the async invocation twice, then the on-failure
 * destination parks the event in the schedule's DLQ. The local runtime calls the handler this
 * returns with the same event.
 */
export function createAggregateQuarterHandler(runtime: AggregateQuarterRuntime) {
  const { logger, metrics } = runtime
  return middy(async (event: unknown, _context: Context): Promise<AggregateResult> => {
    // Parsed here rather than by Powertools' parser middleware, which would bring zod's whole
    // namespace (every locale, ~370 KB) into the bundle (bench/bundle.ts shows it).
    const input = AggregateEventSchema.parse(event)
    const now = runtime.now?.() ?? new Date()
    const period = input.period ?? formatPeriod(quarterJustEnded(input.time ? new Date(input.time) : now))
    try {
      const result = await runAppraisal(runtime.deps(), { period, now, publish: input.publish ?? false, by: input.source ?? 'schedule' })
      logger.info('appraisal stored', { period, counties: result.appraisal.counties.length, missing: result.missing_counties.length, run_id: result.run_id })
      metrics.addMetric(METRICS.appraisalRuns, MetricUnit.Count, 1)
      return { period, counties: result.appraisal.counties.length, missing_counties: result.missing_counties, run_id: result.run_id, published: result.published }
    } catch (error) {
      logger.error('appraisal failed', { period, error: error as Error })
      metrics.addMetric(METRICS.appraisalFailures, MetricUnit.Count, 1)
      throw error
    }
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
}

const service = METRIC_SERVICES.aggregate
export const handler = createAggregateQuarterHandler({
  deps: composeAtColdStart(() => awsAppraisalDeps(parseEnv(AggregateEnvSchema, process.env))),
  logger: new Logger({ serviceName: service }),
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service }),
})

import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import { parser } from '@aws-lambda-powertools/parser/middleware'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { ValidateEnvSchema } from '../../schemas/env.ts'
import { ReconcileEventSchema, type ReconcileEvent } from '../../schemas/events.ts'
import { METRICS, METRICS_NAMESPACE, METRIC_SERVICES } from '../../schemas/metrics.ts'
import { awsUploadDeps, composeAtColdStart, parseEnv } from '../composition/aws.ts'
import { processUpload, type UploadDeps } from '../use-cases/process-upload.ts'
import { reconcile, type ReconcileResult } from '../use-cases/reconcile.ts'

export interface ReconcileIngestRuntime {
  deps: () => UploadDeps
  logger: Logger
  metrics: Metrics
  now?: () => Date
}

/** Leaves an hour to the event path: an SQS message retried for that long is still on its way. */
export const DEFAULT_GRACE_SECONDS = 3600
/** Stops resending this long before Lambda's timeout, so the run reports instead of being cut off. */
const STOP_BEFORE_TIMEOUT_MS = 60_000

/**
 * The daily reconciliation (EventBridge Scheduler sends `{ "source": "schedule" }`; an operator
 * may invoke it any time). Every upload in the ingest bucket with no submission record goes
 * through the validate use case here, directly, and every current accepted submission whose
 * curated object is missing or unreadable is finished again. Idempotent: a later delivery of a
 * resent upload's own event finds its submission (the same object version). A run cut short by
 * its deadline says so, and the next run goes on.
 */
export function createReconcileIngestHandler(runtime: ReconcileIngestRuntime) {
  const { logger, metrics } = runtime
  return middy(async (input: ReconcileEvent, context: Context): Promise<ReconcileResult> => {
    const deps = runtime.deps()
    const remaining = context.getRemainingTimeInMillis?.() ?? 15 * 60_000
    const result = await reconcile({ ...deps, resend: (event) => processUpload(deps, event) }, {
      now: runtime.now?.() ?? new Date(),
      graceMs: (input.grace_seconds ?? DEFAULT_GRACE_SECONDS) * 1000,
      deep: input.deep ?? true,
      deadline: new Date(Date.now() + Math.max(0, remaining - STOP_BEFORE_TIMEOUT_MS)),
    })
    metrics.addMetric(METRICS.reconciledUploads, MetricUnit.Count, result.resent.length + result.repaired.length)
    metrics.addMetric(METRICS.reconcileFailures, MetricUnit.Count, result.failed.length + result.unrepairable.length)
    const summary = { source: input.source ?? 'schedule', objects: result.objects, resent: result.resent, repaired: result.repaired, unrepairable: result.unrepairable, failed: result.failed, incomplete: result.incomplete }
    if (result.failed.length || result.unrepairable.length) logger.error('reconciliation left work undone', summary)
    else if (result.resent.length || result.repaired.length) logger.warn('reconciliation found uploads the event path had lost', summary)
    else logger.info('reconciliation: nothing lost', summary)
    return result
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(parser({ schema: ReconcileEventSchema }))
}

const service = METRIC_SERVICES.reconcile
export const handler = createReconcileIngestHandler({
  deps: composeAtColdStart(() => awsUploadDeps(parseEnv(ValidateEnvSchema, process.env))),
  logger: new Logger({ serviceName: service }),
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service }),
})

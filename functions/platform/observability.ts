import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

/** Module-level, as Powertools recommends: created once per cold start and shared by every invocation. */
export const logger = new Logger({ serviceName: 'avatar-pipeline' });
// Its own warnings ("No application metrics to publish") go through the logger, at its level, as structured lines.
export const metrics = new Metrics({ namespace: 'AvatarPipeline', serviceName: 'avatar-pipeline', logger });

/**
 * The middleware stack every handler shares: Lambda context in every log line, metrics flushed (with a
 * cold-start metric) after each invocation. Tracing is Lambda's active tracing (on every function's resource):
 * its invocation and init segments are what our traces are read for, and the Powertools tracer would add the
 * X-Ray SDK (aws-xray-sdk-core, cls-hooked, semver: ~120 KB evaluated at every cold start) for subsegments per
 * SDK call that nobody reads (see bench/README.md, cold start).
 */
export function withObservability<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

/** Module-level, as Powertools recommends: created once per cold start and shared by every invocation. */
export const logger = new Logger({ serviceName: 'avatar-pipeline' });
export const tracer = new Tracer({ serviceName: 'avatar-pipeline' });
// Its own warnings ("No application metrics to publish") go through the logger, at its level, as structured lines.
export const metrics = new Metrics({ namespace: 'AvatarPipeline', serviceName: 'avatar-pipeline', logger });

/**
 * The middleware stack every handler shares: X-Ray segment, Lambda context in every log line,
 * metrics flushed (with a cold-start metric) after each invocation.
 */
export function withObservability<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>(handler)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

import { setTimeout as sleep } from 'node:timers/promises';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { requiredEnv } from '../platform/environment.js';
import { logger, tracer, withObservability } from '../platform/observability.js';
import { SageMakerModelEndpoint } from '../serving/model-endpoint.js';
import { parseWarmUpInput } from '../training/training-inputs.js';
import { DEFAULT_WARM_UP_POLICY, warmUpModel } from './warm-up-model.js';

const deps = {
  // The SDK's own retries would hide the attempts from the backoff below; one attempt per call.
  endpoint: new SageMakerModelEndpoint(
    tracer.captureAWSv3Client(new SageMakerRuntimeClient({ maxAttempts: 1 })),
    requiredEnv('SERVING_ENDPOINT'),
  ),
  policy: DEFAULT_WARM_UP_POLICY,
  sleep: (ms: number) => sleep(ms).then(() => undefined),
  now: Date.now,
  random: Math.random,
  log: (message: string, fields: Record<string, unknown>) => logger.info(message, fields),
};

/** WarmUpModel task: one cheap generation, so the first real request meets a loaded model. */
export const handler = withObservability(async (event: unknown) =>
  warmUpModel(parseWarmUpInput(event), deps),
);

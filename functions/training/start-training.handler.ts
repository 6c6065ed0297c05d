import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { numberEnv, requiredEnv } from '../platform/environment.js';
import { tracer, withObservability } from '../platform/observability.js';
import { SageMakerAsyncInference } from './async-inference.js';
import { CallbackTokens } from './callback-tokens.js';
import { startTraining } from './start-training.js';
import { parseStartTrainingInput } from './training-inputs.js';
import { trainingStateDb } from './training-state-table.js';

const deps = {
  tokens: new CallbackTokens(trainingStateDb(), requiredEnv('TRAINING_STATE_TABLE')),
  inference: new SageMakerAsyncInference(
    tracer.captureAWSv3Client(new SageMakerRuntimeClient({})),
    requiredEnv('TRAINING_ENDPOINT'),
  ),
  bucket: requiredEnv('PHOTO_BUCKET'),
  invocationTimeoutSeconds: numberEnv('TRAINING_INVOCATION_TIMEOUT_SECONDS', 3600),
  tokenTtlSeconds: numberEnv('TOKEN_TTL_SECONDS', 2 * 86400),
};

/** Train task (.waitForTaskToken): stores the token, queues the training on the async endpoint. */
export const handler = withObservability(async (event: unknown) =>
  startTraining(parseStartTrainingInput(event), deps),
);

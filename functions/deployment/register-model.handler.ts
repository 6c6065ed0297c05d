import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../platform/environment.js';
import { tracer, withObservability } from '../platform/observability.js';
import { parseRegisterModelInput } from '../training/training-inputs.js';
import { ModelRegistry } from './model-registry.js';
import { registerModel } from './register-model.js';

const deps = {
  registry: new ModelRegistry(
    DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    requiredEnv('MODEL_REGISTRY_TABLE'),
  ),
  servedBy: 'amazon-sagemaker' as const,
  now: Date.now,
};

/** RegisterModel task: the registry entry, and the `Model Ready` detail. */
export const handler = withObservability(async (event: unknown) =>
  registerModel(parseRegisterModelInput(event), deps),
);

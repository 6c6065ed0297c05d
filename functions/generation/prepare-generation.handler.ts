import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ModelRegistry } from '../deployment/model-registry.js';
import { SubjectLedger } from '../ingest/subject-ledger.js';
import { requiredEnv } from '../platform/environment.js';
import { tracer, withObservability } from '../platform/observability.js';
import { parsePrepareGenerationInput } from './generation-inputs.js';
import { prepareGeneration, readPreparationPolicyFromEnvironment } from './prepare-generation.js';

const db = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
const deps = {
  models: new ModelRegistry(db, requiredEnv('MODEL_REGISTRY_TABLE')),
  subjects: new SubjectLedger(db, requiredEnv('LEDGER_TABLE')),
  policy: readPreparationPolicyFromEnvironment(),
};

/** PrepareGeneration task: the event in, a planned request (or a RequestRejected) out. */
export const handler = withObservability(async (event: unknown) =>
  prepareGeneration(parsePrepareGenerationInput(event), deps),
);

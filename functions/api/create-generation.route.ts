import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { ModelRegistry } from '../deployment/model-registry.js';
import { getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { createGeneration, idempotencyKeyOf } from './create-generation.js';
import { ConflictError, IdempotencyKeyReusedError } from './errors.js';
import { json, principalOf } from './http.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { SUBJECT_ENV, subjectDeps } from './route-deps.js';
import { AcceptedGeneration, CreateGenerationBody } from './schemas.js';

/** The same Idempotency-Key returns the same generation for this long. */
export const IDEMPOTENCY_SECONDS = 24 * 3600;
const IN_PROGRESS_MS = 30_000;

export const createGenerationRoute = defineRoute({
  name: 'apiCreateGeneration',
  method: 'POST',
  path: '/v1/subjects/{id}/generations',
  entry: 'functions/api/create-generation.handler.ts',
  env: [
    ...SUBJECT_ENV,
    Env.modelRegistryTable,
    Env.generationStateMachineArn,
    Env.idempotencyTable,
    Env.gpuImagesPerDay,
  ],
  docs: {
    summary: 'Order avatars of a subject from its model: prompts or styles; Idempotency-Key required',
    body: CreateGenerationBody,
    headers: {
      'Idempotency-Key': {
        description: 'A new value per generation; the same one on a retry (24 h)',
        required: true,
      },
    },
    success: { status: 202, description: 'Accepted; poll its URL', schema: AcceptedGeneration },
    problems: [404, 409, 422, 429],
  },
  build: (env, ports: RoutePortsWith<'documentClient' | 'executions'>) => {
    const db = ports.documentClient();
    const deps = {
      ...subjectDeps(env, ports),
      models: new ModelRegistry(db, getStringFromEnv(Env.modelRegistryTable, { env })),
      generations: ports.executions(getStringFromEnv(Env.generationStateMachineArn, { env })),
      gpuImagesPerDay: getNumberFromEnv(Env.gpuImagesPerDay, {
        defaultValue: 200,
        integer: true,
        min: 1,
        env,
      }),
      now: ports.clock.now,
    };
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName: getStringFromEnv(Env.idempotencyTable, { env }),
      // The document client is an SDK v3 client over the same connection; Powertools sends its own commands on it.
      awsSdkV3Client: db as unknown as DynamoDBClient,
    });
    // The key is the tenant, the subject and the header; the body must be the same on a repeat (else 422).
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: IDEMPOTENCY_SECONDS,
      throwOnNoIdempotencyKey: true,
    });
    // A request in progress holds its key for as long as the function may run (its 30 s timeout), no longer.
    config.registerLambdaContext({ getRemainingTimeInMillis: () => IN_PROGRESS_MS } as Context);
    const order = makeIdempotent(
      (call: {
        key: { tenantId: string; subjectId: string; idempotencyKey: string };
        body: unknown;
        request: Parameters<typeof createGeneration>[0];
      }) => createGeneration(call.request, deps),
      {
        persistenceStore,
        config,
      },
    );
    return async (request) => {
      const { tenantId } = principalOf(request);
      const idempotencyKey = idempotencyKeyOf(request);
      try {
        const accepted = await order({
          key: { tenantId, subjectId: request.pathParameters.id ?? '', idempotencyKey },
          body: request.body ?? null,
          request,
        });
        const location = `/v1/subjects/${request.pathParameters.id}/generations/${accepted.id}`;
        return json(202, accepted, { location });
      } catch (error) {
        if (error instanceof IdempotencyValidationError)
          throw new IdempotencyKeyReusedError('The Idempotency-Key was used for another body.');
        if (error instanceof IdempotencyAlreadyInProgressError)
          throw new ConflictError(
            'A request with this Idempotency-Key is still in progress; retry in a moment.',
          );
        // Powertools wraps what the function threw; an ApiError underneath is the answer.
        throw (error as { cause?: unknown }).cause instanceof Error &&
          (error as Error).name === 'IdempotencyUnknownError'
          ? (error as { cause: Error }).cause
          : error;
      }
    };
  },
});

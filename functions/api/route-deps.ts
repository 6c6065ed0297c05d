import { ModelRegistry } from '../deployment/model-registry.js';
import { SubjectLedger } from '../ingest/subject-ledger.js';
import { type Environment, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { TrainingQueue } from '../training/training-queue.js';
import type { ApiPorts } from './api-ports.js';
import { ApiStore } from './api-store.js';
import type { RoutePortsWith } from './route.js';

/** What the subject routes read, each built from the variable that names it (a route declares the ones it uses). */
export const subjectDeps = (env: Environment, ports: Pick<ApiPorts, 'documentClient'>) => {
  const db = ports.documentClient();
  return {
    store: new ApiStore(db, getStringFromEnv(Env.apiTable, { env })),
    ledger: new SubjectLedger(db, getStringFromEnv(Env.ledgerTable, { env })),
  };
};

export const SUBJECT_ENV = [Env.apiTable, Env.ledgerTable] as const;

export const trainingDeps = (env: Environment, ports: RoutePortsWith<'documentClient' | 'executions'>) => ({
  queue: new TrainingQueue(
    ports.documentClient(),
    getStringFromEnv(Env.trainingStateTable, { env }),
    ports.clock.now,
  ),
  models: new ModelRegistry(ports.documentClient(), getStringFromEnv(Env.modelRegistryTable, { env })),
  training: ports.executions(getStringFromEnv(Env.trainingStateMachineArn, { env })),
});

export const TRAINING_ENV = [
  Env.trainingStateTable,
  Env.modelRegistryTable,
  Env.trainingStateMachineArn,
] as const;

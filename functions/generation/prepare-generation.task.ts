import { GenerationExecutionInput } from '../../state-machines/generation/contract.js';
import { ModelRegistry } from '../deployment/model-registry.js';
import { SubjectLedger } from '../ingest/subject-ledger.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { readPartnerAccountsFromEnvironment } from '../platform/partner-tenants.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedGenerationTaskInputError } from './errors.js';
import { prepareGeneration, readPreparationPolicyFromEnvironment } from './prepare-generation.js';

/** PrepareGeneration: the event in, a planned request (or a Request Rejected) out. */
export const prepareGenerationTask = defineTask({
  name: 'prepareGeneration',
  entry: 'functions/generation/prepare-generation.handler.ts',
  env: [
    Env.ledgerTable,
    Env.modelRegistryTable,
    Env.maxImagesPerRequest,
    Env.partnerAccounts,
    Env.ownAccount,
  ],
  // The EventBridge envelope only; the detail is judged by the task (a bad request is an answer, not a crash).
  parse: taskInputParser('PrepareGeneration', GenerationExecutionInput, MalformedGenerationTaskInputError),
  build: (env, ports: Pick<Ports, 'documentClient'>) => {
    const db = ports.documentClient();
    const deps = {
      models: new ModelRegistry(db, getStringFromEnv(Env.modelRegistryTable, { env })),
      subjects: new SubjectLedger(db, getStringFromEnv(Env.ledgerTable, { env })),
      policy: readPreparationPolicyFromEnvironment(env),
      partners: readPartnerAccountsFromEnvironment(env),
    };
    return (input: GenerationExecutionInput) => prepareGeneration(input, deps);
  },
});

import { type Environment, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import type { ObjectStore } from '../platform/object-store.js';
import type { Ports } from '../ports.js';
import type { SealingDeps } from './seal-subject.js';
import { sealingPolicyFromEnv } from './sealing-policy.js';
import { SubjectLedger } from './subject-ledger.js';

/** What both ingest tasks read from their environment. */
export const INGEST_ENVIRONMENT = [
  Env.ledgerTable,
  Env.trainingStateMachineArn,
  Env.photoBucket,
  Env.minPhotos,
  Env.quietPeriodSeconds,
  Env.incompleteTimeoutSeconds,
] as const;

export type IngestPorts = Pick<
  Ports,
  'objectStore' | 'documentClient' | 'executionStarter' | 'clock' | 'log' | 'metrics'
>;

/** The ingest ports, for both ingest tasks: the ledger, the starter of the training workflow, the bucket. */
export function ingestDeps(env: Environment, ports: IngestPorts): SealingDeps & { store: ObjectStore } {
  return {
    ledger: new SubjectLedger(ports.documentClient(), getStringFromEnv(Env.ledgerTable, { env })),
    starter: ports.executionStarter(getStringFromEnv(Env.trainingStateMachineArn, { env })),
    store: ports.objectStore(getStringFromEnv(Env.photoBucket, { env })),
    policy: sealingPolicyFromEnv(env),
    now: ports.clock.now,
    log: (message, fields) => ports.log.info(message, fields),
  };
}

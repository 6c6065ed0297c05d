import { type Environment, getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';
import type { Ports } from '../ports.js';
import { readUrlPolicyFromEnvironment } from '../webhooks/webhook-settings.js';
import type { IngestDeps } from './record-object.js';
import { sealingPolicyFromEnv } from './sealing-policy.js';
import { SubjectLedger } from './subject-ledger.js';

/** What both ingest functions read from their environment. */
export const INGEST_ENVIRONMENT = [
  Env.ledgerTable,
  Env.trainingStateMachineArn,
  Env.photoBucket,
  Env.minPhotos,
  Env.maxPhotos,
  Env.settlePeriodSeconds,
  Env.quietPeriodSeconds,
  Env.incompleteTimeoutSeconds,
  Env.maxImagesPerRequest,
  Env.webhookAllowedPorts,
  Env.webhookLoopbackReceivers,
  Env.photoRetentionDays,
] as const;

export type IngestPorts = Pick<
  Ports,
  'objectStore' | 'documentClient' | 'executionStarter' | 'clock' | 'log' | 'metrics'
>;

/** The ingest ports, for both ingest functions: the ledger, the starter of the training workflow, the bucket. */
export function ingestDeps(env: Environment, ports: IngestPorts): IngestDeps {
  const policy = sealingPolicyFromEnv(env);
  return {
    ledger: new SubjectLedger(ports.documentClient(), getStringFromEnv(Env.ledgerTable, { env }), {
      photoRetentionDays: getNumberFromEnv(Env.photoRetentionDays, {
        defaultValue: PIPELINE_DEFAULTS.photoRetentionDays,
        integer: true,
        min: 1,
        env,
      }),
      now: ports.clock.now,
    }),
    starter: ports.executionStarter(getStringFromEnv(Env.trainingStateMachineArn, { env })),
    store: ports.objectStore(getStringFromEnv(Env.photoBucket, { env })),
    policy,
    limits: {
      maxImagesPerRequest: getNumberFromEnv(Env.maxImagesPerRequest, {
        defaultValue: PIPELINE_DEFAULTS.maxImagesPerRequest,
        integer: true,
        min: 1,
        env,
      }),
      maxPhotos: getNumberFromEnv(Env.maxPhotos, {
        defaultValue: PIPELINE_DEFAULTS.maxPhotos,
        integer: true,
        min: 1,
        env,
      }),
      webhookUrlPolicy: readUrlPolicyFromEnvironment(env),
    },
    now: ports.clock.now,
    log: (message, fields) => ports.log.info(message, fields),
  };
}

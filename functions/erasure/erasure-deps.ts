import { type Environment, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import type { Ports } from '../ports.js';
import { subjectErasers, trainingStateRowsOf } from './subject-erasers.js';

/** What EraseSubjectData and VerifyErasure read from their environment: the bucket and every subject-scoped table. */
export const ERASE_ENVIRONMENT = [
  Env.photoBucket,
  Env.ledgerTable,
  Env.modelRegistryTable,
  Env.trainingStateTable,
  Env.webhooksTable,
] as const;

/** The stores of both erasing tasks, from their environment: the same list of erasers for deleting and re-listing. */
export function erasureStores(env: Environment, ports: Pick<Ports, 'objectVersions' | 'documentClient'>) {
  const bucket = getStringFromEnv(Env.photoBucket, { env });
  const db = ports.documentClient();
  const trainingState = getStringFromEnv(Env.trainingStateTable, { env });
  return {
    bucket,
    versions: ports.objectVersions(bucket),
    erasers: subjectErasers(db, {
      ledger: getStringFromEnv(Env.ledgerTable, { env }),
      modelRegistry: getStringFromEnv(Env.modelRegistryTable, { env }),
      trainingState,
      webhooks: getStringFromEnv(Env.webhooksTable, { env }),
    }),
    trainingRows: (ref: { tenantId: string; subjectId: string }) =>
      trainingStateRowsOf(db, trainingState, ref),
  };
}

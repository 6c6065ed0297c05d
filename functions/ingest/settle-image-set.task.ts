import { SettleImageSetInput } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedTrainingTaskInputError } from '../training/errors.js';
import { sealingPolicyFromEnv } from './sealing-policy.js';
import { settleImageSet } from './settle-image-set.js';
import { SubjectLedger } from './subject-ledger.js';

/** SettleImageSet: waits until a folder drop is over, then seals its image set (or reports a refused folder). */
export const settleImageSetTask = defineTask({
  name: 'settleImageSet',
  entry: 'functions/ingest/settle-image-set.handler.ts',
  env: [
    Env.ledgerTable,
    Env.minPhotos,
    Env.settlePeriodSeconds,
    Env.quietPeriodSeconds,
    Env.incompleteTimeoutSeconds,
  ],
  parse: taskInputParser('SettleImageSet', SettleImageSetInput, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'provenance' | 'clock' | 'log'>) => {
    const deps = {
      ledger: new SubjectLedger(ports.documentClient(), getStringFromEnv(Env.ledgerTable, { env })),
      policy: sealingPolicyFromEnv(env),
      now: ports.clock.now,
      // Who would have checked the photos: a refused folder says so, though nothing was analysed.
      checks: {
        faceAnalysis: ports.provenance.photosCheckedBy,
        contentModeration: ports.provenance.photosCheckedBy,
      },
      log: (message: string, fields: Record<string, unknown>) => ports.log.info(message, fields),
    };
    return (input: SettleImageSetInput) => settleImageSet(input, deps);
  },
});

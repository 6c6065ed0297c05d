import { EventBridgeSchema } from '../platform/aws-event-schemas.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { countOutcome } from './count-outcome.js';
import { DailyOutcomes } from './daily-outcomes.js';
import { MalformedOperationsInputError } from './errors.js';

/** CountOutcome: every outcome event on the bus, counted once into its day (dashboard metrics, daily summary). */
export const countOutcomeTask = defineTask({
  name: 'countOutcome',
  entry: 'functions/operations/count-outcome.handler.ts',
  env: [Env.operationsTable],
  parse: taskInputParser('CountOutcome', EventBridgeSchema, MalformedOperationsInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'clock' | 'metrics' | 'log'>) => {
    const deps = {
      outcomes: new DailyOutcomes(
        ports.documentClient(),
        getStringFromEnv(Env.operationsTable, { env }),
        ports.clock.now,
      ),
      metrics: ports.metrics,
      log: ports.log,
    };
    return (event: { id: string; source: string; time: string; 'detail-type': string; detail: unknown }) =>
      countOutcome(event, deps);
  },
});

import { defineTask } from '../platform/task.js';
import { INGEST_ENVIRONMENT, type IngestPorts, ingestDeps } from './ingest-deps.js';
import { countSweepOutcome } from './ingest-metrics.js';
import { startWaitingSubjects } from './start-waiting-subjects.js';

/** Every minute: starts the executions of open subjects whose start was never confirmed. */
export const startWaitingSubjectsTask = defineTask({
  name: 'startWaitingSubjects',
  entry: 'functions/ingest/start-waiting-subjects.handler.ts',
  env: INGEST_ENVIRONMENT,
  // The scheduled event carries nothing the sweep needs.
  parse: () => undefined,
  build: (env, ports: IngestPorts) => {
    const deps = ingestDeps(env, ports);
    return async () => countSweepOutcome(await startWaitingSubjects(deps), ports.metrics);
  },
});

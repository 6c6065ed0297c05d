import { defineTask } from '../platform/task.js';
import { INGEST_ENVIRONMENT, type IngestPorts, ingestDeps } from './ingest-deps.js';
import { countSweepOutcome } from './ingest-metrics.js';
import { sealQuietSubjects } from './seal-quiet-subjects.js';

/** Every minute: seals folders that went quiet, retries starts that were never confirmed. */
export const sealQuietSubjectsTask = defineTask({
  name: 'sealQuietSubjects',
  entry: 'functions/ingest/seal-quiet-subjects.handler.ts',
  env: INGEST_ENVIRONMENT,
  // The scheduled event carries nothing the sweep needs.
  parse: () => undefined,
  build: (env, ports: IngestPorts) => {
    const deps = ingestDeps(env, ports);
    return async () => countSweepOutcome(await sealQuietSubjects(deps), ports.metrics);
  },
});

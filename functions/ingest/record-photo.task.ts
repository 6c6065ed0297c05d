import { defineTask } from '../platform/task.js';
import { INGEST_ENVIRONMENT, type IngestPorts, ingestDeps } from './ingest-deps.js';
import { countRecordOutcome } from './ingest-metrics.js';
import { recordObjectCreated } from './record-object.js';
import { parseObjectCreated } from './s3-object-created.js';

/** S3 `Object Created` (via EventBridge) under subjects/ -> ledger; seals the subject when subject.json completes it. */
export const recordPhotoTask = defineTask({
  name: 'recordPhoto',
  entry: 'functions/ingest/record-photo.handler.ts',
  env: INGEST_ENVIRONMENT,
  parse: parseObjectCreated,
  build: (env, ports: IngestPorts) => {
    const deps = ingestDeps(env, ports);
    return async (event) => countRecordOutcome(await recordObjectCreated(event, deps), ports.metrics);
  },
});

import { withObservability } from '../platform/observability.js';
import { ingestDepsFromEnv } from './ingest-deps.js';
import { countRecordOutcome } from './ingest-metrics.js';
import { recordObjectCreated } from './record-object.js';
import { parseObjectCreated } from './s3-object-created.js';

const deps = ingestDepsFromEnv();

/** S3 `Object Created` (via EventBridge) under subjects/ -> ledger; seals when subject.json completes it. */
export const handler = withObservability(async (event: unknown) =>
  countRecordOutcome(await recordObjectCreated(parseObjectCreated(event), deps)),
);

import { withObservability } from '../platform/observability.js';
import { ingestDepsFromEnv } from './ingest-deps.js';
import { countSweepOutcome } from './ingest-metrics.js';
import { sealQuietSubjects } from './seal-quiet-subjects.js';

const deps = ingestDepsFromEnv();

/** Every minute: seal folders that went quiet, retry starts that were never confirmed. */
export const handler = withObservability(async () => countSweepOutcome(await sealQuietSubjects(deps)));

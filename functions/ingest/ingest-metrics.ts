import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../platform/observability.js';
import type { RecordOutcome } from './record-object.js';
import type { SweepOutcome } from './seal-quiet-subjects.js';

/** What the ingest functions did, as CloudWatch metrics (flushed by the observability middleware). */
export function countRecordOutcome(outcome: RecordOutcome): RecordOutcome {
  if (outcome.action === 'ignored') metrics.addMetric('ObjectsIgnored', MetricUnit.Count, 1);
  if (outcome.action === 'unchanged') metrics.addMetric('DuplicateObjectEvents', MetricUnit.Count, 1);
  if (outcome.action === 'recorded') {
    metrics.addMetric('ObjectsRecorded', MetricUnit.Count, 1);
    if (outcome.sealed) metrics.addMetric('SubjectsSealed', MetricUnit.Count, 1);
  }
  return outcome;
}

export function countSweepOutcome(outcome: SweepOutcome): SweepOutcome {
  metrics.addMetric('SubjectsSealed', MetricUnit.Count, outcome.sealed.length);
  metrics.addMetric('SubjectsWaitingForPhotos', MetricUnit.Count, outcome.waiting.length);
  metrics.addMetric('ExecutionStartsRetried', MetricUnit.Count, outcome.restarted.length);
  return outcome;
}

import type { TaskMetrics } from '../ports.js';
import type { RecordOutcome } from './record-object.js';
import type { SweepOutcome } from './seal-quiet-subjects.js';

/** What the ingest functions did, as metrics (CloudWatch on AWS, flushed by the observability middleware). */
export function countRecordOutcome(outcome: RecordOutcome, metrics: TaskMetrics): RecordOutcome {
  if (outcome.action === 'ignored') metrics.count('ObjectsIgnored');
  if (outcome.action === 'unchanged') metrics.count('DuplicateObjectEvents');
  if (outcome.action === 'recorded') {
    metrics.count('ObjectsRecorded');
    if (outcome.sealed) metrics.count('SubjectsSealed');
  }
  return outcome;
}

export function countSweepOutcome(outcome: SweepOutcome, metrics: TaskMetrics): SweepOutcome {
  metrics.count('SubjectsSealed', outcome.sealed.length);
  metrics.count('SubjectsWaitingForPhotos', outcome.waiting.length);
  metrics.count('ExecutionStartsRetried', outcome.restarted.length);
  return outcome;
}

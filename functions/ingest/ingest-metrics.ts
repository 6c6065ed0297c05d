import type { TaskMetrics } from '../ports.js';
import type { RecordOutcome } from './record-object.js';
import type { SweepOutcome } from './start-waiting-subjects.js';

/** What the ingest functions did, as metrics (CloudWatch on AWS, flushed by the observability middleware). */
export function countRecordOutcome(outcome: RecordOutcome, metrics: TaskMetrics): RecordOutcome {
  if (outcome.action === 'ignored') metrics.count('ObjectsIgnored');
  if (outcome.action === 'rejected-folder') metrics.count('FoldersRejected');
  if (outcome.action === 'unchanged') metrics.count('DuplicateObjectEvents');
  if (outcome.action === 'recorded') {
    metrics.count('ObjectsRecorded');
    if (outcome.effect === 'superseded') metrics.count('ImageSetsSuperseded');
    if (outcome.effect === 'held-for-training') metrics.count('ObjectsHeldForTraining');
  }
  return outcome;
}

export function countSweepOutcome(outcome: SweepOutcome, metrics: TaskMetrics): SweepOutcome {
  metrics.count('ExecutionStartsRetried', outcome.started.length);
  return outcome;
}

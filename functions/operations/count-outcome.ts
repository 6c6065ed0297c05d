import { EVENT_SOURCE } from '../../events/pipeline-events.js';
import type { TaskLog, TaskMetrics } from '../ports.js';
import type { DailyOutcomes } from './daily-outcomes.js';
import { countsOf, isCountedDetailType, type OutcomeCounts, utcDay } from './outcome-counts.js';

export interface CountOutcomeDeps {
  outcomes: DailyOutcomes;
  metrics: TaskMetrics;
  log: TaskLog;
}

export interface PipelineEventEnvelope {
  id: string;
  source: string;
  time: string;
  'detail-type': string;
  detail: unknown;
}

export interface CountOutcomeResult {
  outcome: 'recorded' | 'duplicate' | 'ignored';
  day?: string;
  counts?: OutcomeCounts;
}

/**
 * Counts one pipeline event into its UTC day, once per event id, and emits the same counts as metrics (the
 * operators' dashboard). The bus is not a trusted channel: an event that is not ours, or not of a counted type,
 * is ignored (logged), never counted.
 */
export async function countOutcome(
  event: PipelineEventEnvelope,
  deps: CountOutcomeDeps,
): Promise<CountOutcomeResult> {
  const detailType = event['detail-type'];
  if (event.source !== EVENT_SOURCE || !isCountedDetailType(detailType)) {
    deps.log.warn('Not a counted pipeline event; ignored', { source: event.source, detailType });
    return { outcome: 'ignored' };
  }
  const day = utcDay(event.time);
  const counts = countsOf(detailType, event.detail);
  const outcome = await deps.outcomes.record(day, event.id, counts);
  // A redelivered event was counted (and its metrics emitted) the first time.
  if (outcome === 'recorded') {
    for (const [name, value] of Object.entries(counts)) if (value > 0) deps.metrics.count(name, value);
  }
  return { outcome, day, counts };
}

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../platform/observability.js';
import type { NotificationOutcome } from './training-notification.js';

/** One metric per kind of notification outcome: duplicates and unknown ones are visible, not silent. */
export function countNotificationOutcomes(outcomes: NotificationOutcome[]): NotificationOutcome[] {
  for (const outcome of outcomes) metrics.addMetric(`TrainingNotification_${outcome}`, MetricUnit.Count, 1);
  return outcomes;
}

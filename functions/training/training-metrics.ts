import type { TaskMetrics } from '../ports.js';
import type { NotificationOutcome } from './training-notification.js';

/** One metric per kind of notification outcome: duplicates and unknown ones are visible, not silent. */
export function countNotificationOutcomes(
  outcomes: NotificationOutcome[],
  metrics: TaskMetrics,
): NotificationOutcome[] {
  for (const outcome of outcomes) metrics.count(`TrainingNotification_${outcome}`);
  return outcomes;
}

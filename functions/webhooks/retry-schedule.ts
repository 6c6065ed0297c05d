/**
 * The retry schedule of Standard Webhooks: an attempt immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 14 h, 20 h and 24 h (about 76 h in all), each wait with jitter. Longer than an SQS delay (15 min) can hold:
 * the webhooks workflow waits in a Wait state of its own execution (see functions/webhooks/README.md).
 */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = [
  0,
  5,
  5 * 60,
  30 * 60,
  2 * 3600,
  5 * 3600,
  10 * 3600,
  14 * 3600,
  20 * 3600,
  24 * 3600,
];

export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length;

/** Jitter: each wait is drawn from [90 %, 110 %] of its step, so that retries of many messages spread out. */
export const JITTER_FRACTION = 0.1;

/** A receiver's Retry-After is honoured up to the longest step of the schedule. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

/**
 * Seconds to wait before attempt number `nextAttempt` (0-based; attempt 0 is the immediate one), or undefined when
 * the schedule is exhausted. `retryAfterSeconds`, when the receiver sent one, is a floor.
 */
export function secondsBeforeAttempt(
  nextAttempt: number,
  random: () => number,
  retryAfterSeconds?: number,
): number | undefined {
  const step = RETRY_SCHEDULE_SECONDS[nextAttempt];
  if (step === undefined) return undefined;
  const jittered = Math.round(step * (1 - JITTER_FRACTION + 2 * JITTER_FRACTION * random()));
  const floor = Math.min(retryAfterSeconds ?? 0, MAX_RETRY_AFTER_SECONDS);
  return Math.max(jittered, Math.ceil(floor));
}

/** `Retry-After`: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

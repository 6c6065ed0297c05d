import {
  MAX_ATTEMPTS,
  parseRetryAfter,
  RETRY_SCHEDULE_SECONDS,
  secondsBeforeAttempt,
} from '../../../functions/webhooks/retry-schedule.js';

describe('the Standard Webhooks retry schedule', () => {
  it('is immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h', () => {
    // Assess
    expect(RETRY_SCHEDULE_SECONDS).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(MAX_ATTEMPTS).toBe(10);
  });

  it('jitters each wait within 10 % of its step, and ends after the last', () => {
    // Prepare
    const low = () => 0;
    const high = () => 0.999999;
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const step = RETRY_SCHEDULE_SECONDS[attempt] as number;
      // Act
      const lowest = secondsBeforeAttempt(attempt, low) as number;
      const highest = secondsBeforeAttempt(attempt, high) as number;
      // Assess
      expect(lowest).toBe(Math.round(step * 0.9));
      expect(highest).toBeLessThanOrEqual(Math.round(step * 1.1));
      expect(highest).toBeGreaterThanOrEqual(Math.floor(step * 1.1 - 1));
    }
    expect(secondsBeforeAttempt(MAX_ATTEMPTS, low)).toBeUndefined();
  });

  it('honours Retry-After as a floor, in seconds or as an HTTP-date', () => {
    // Prepare
    const now = Date.parse('2026-12-01T10:00:00Z');
    // Act
    const seconds = parseRetryAfter('120', now);
    const date = parseRetryAfter('Tue, 01 Dec 2026 10:10:00 GMT', now);
    // Assess
    expect(seconds).toBe(120);
    expect(date).toBe(600);
    expect(secondsBeforeAttempt(1, () => 0.5, seconds)).toBe(120);
    expect(secondsBeforeAttempt(3, () => 0.5, seconds)).toBe(1800);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

/** A mistake in how the CLI was called (an unknown flag, a missing folder, a bad value): exit 2, one line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What the run needs is not set up on this machine (the ML environment): exit 2, one line saying what to run. */
export class SetupError extends Error {
  override name = 'SetupError';
}

/** Something the person can act on went wrong (the data folder is busy, ...): exit 1, one line, no stack. */
export class CliFailure extends Error {
  override name = 'CliFailure';
}

export const EXIT = {
  /** Every subject reached an outcome (`run`), the request was answered (`send-event`), the page was written. */
  ok: 0,
  /** Some subject has no outcome, or the run failed. */
  failed: 1,
  /** A usage error: unknown flag or command, missing folder, bad value. */
  usage: 2,
} as const;

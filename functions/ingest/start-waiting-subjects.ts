import type { SealingPolicy } from './sealing-policy.js';
import { ensureGenerationStarted, type StartDeps } from './start-generation.js';

export interface SweepOutcome {
  /** Subjects whose generation's execution was started by this sweep. */
  started: string[];
}

/**
 * The periodic safety net: an open subject whose execution was never confirmed started (a start that failed
 * after the object was recorded, or a subject reopened when its training ended with new photos waiting) is
 * started here. Starting is idempotent, so a subject the ingest already started costs one no-op call.
 */
export async function startWaitingSubjects(
  deps: StartDeps & { policy: SealingPolicy; now: () => number },
): Promise<SweepOutcome> {
  const outcome: SweepOutcome = { started: [] };
  const quietSince = deps.now() - deps.policy.startRetryAfterSeconds * 1000;
  for (const subject of await deps.ledger.subjectsWaitingToStart(quietSince)) {
    if (await ensureGenerationStarted(subject, deps)) outcome.started.push(subject.subjectId);
  }
  return outcome;
}

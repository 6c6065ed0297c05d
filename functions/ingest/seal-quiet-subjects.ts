import { type SealingDeps, sealSubject, startSealedExecution } from './seal-subject.js';

export interface SweepOutcome {
  sealed: string[];
  waiting: string[];
  restarted: string[];
}

/**
 * The periodic sweep. A folder dropped from a browser never says "done": a folder quiet for the quiet
 * period with enough photos is sealed; one with too few is sealed after the longer incomplete timeout so
 * the person is told what is missing. Seals whose start was never confirmed are started again.
 */
export async function sealQuietSubjects(deps: SealingDeps): Promise<SweepOutcome> {
  const { ledger, policy } = deps;
  const now = deps.now();
  const outcome: SweepOutcome = { sealed: [], waiting: [], restarted: [] };

  for (const subject of await ledger.openSubjectsQuietSince(now - policy.quietPeriodSeconds * 1000)) {
    const photoCount = (await ledger.listPhotos(subject.subjectId)).length;
    const abandoned = subject.lastActivityAt <= now - policy.incompleteTimeoutSeconds * 1000;
    if (photoCount >= policy.minPhotos || abandoned) {
      const sealedBy = photoCount >= policy.minPhotos ? 'quiet-period' : 'incomplete-timeout';
      const { sealed } = await sealSubject(subject, sealedBy, deps);
      if (sealed) outcome.sealed.push(subject.subjectId);
    } else {
      outcome.waiting.push(subject.subjectId);
    }
  }

  for (const subject of await ledger.unstartedSubjectsSealedBefore(
    now - policy.startRetryAfterSeconds * 1000,
  )) {
    if (subject.executionName && subject.executionInput) {
      await startSealedExecution(
        subject.subjectId,
        subject.executionName,
        JSON.parse(subject.executionInput),
        deps,
      );
      outcome.restarted.push(subject.subjectId);
    }
  }
  return outcome;
}

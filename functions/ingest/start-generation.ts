import type { ExecutionStarter } from './execution-starter.js';
import { rejectedFolderExecutionName } from './image-set.js';
import type { SubjectLedger, SubjectRecord } from './subject-ledger.js';

export interface StartDeps {
  ledger: SubjectLedger;
  starter: ExecutionStarter;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Makes sure the execution of the subject's current generation runs. Safe to repeat: the execution is named
 * after the generation, so a second start (a replayed event, the sweep, a retried Lambda) is a no-op. Only an
 * open subject needs one: a sealed or training set's execution is already past its start.
 */
export async function ensureGenerationStarted(subject: SubjectRecord, deps: StartDeps): Promise<boolean> {
  if (subject.status !== 'open' || subject.startedGeneration === subject.generation) return false;
  const { alreadyStarted } = await deps.starter.start(subject.executionName, {
    tenantId: subject.tenantId,
    subjectId: subject.subjectId,
    generation: subject.generation,
  });
  if (alreadyStarted) {
    deps.log('Execution already existed for this generation', {
      subjectId: subject.subjectId,
      executionName: subject.executionName,
    });
  }
  await deps.ledger.markStarted(subject, subject.generation);
  return true;
}

/** Starts the one execution that tells the person a folder name cannot be a subject id (once per folder). */
export async function reportRejectedFolder(
  rejected: { tenantId: string; folder: string; why: string; suggestedSubjectId: string },
  deps: Pick<StartDeps, 'starter' | 'log'>,
): Promise<void> {
  const name = rejectedFolderExecutionName(rejected.tenantId, rejected.folder);
  const { alreadyStarted } = await deps.starter.start(name, {
    rejectedFolder: {
      tenantId: rejected.tenantId,
      folder: rejected.folder,
      reason: rejected.why,
      suggestedSubjectId: rejected.suggestedSubjectId,
    },
  });
  if (!alreadyStarted) deps.log('Folder name refused', { executionName: name });
}

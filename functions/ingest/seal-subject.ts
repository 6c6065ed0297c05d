import { SubjectReceived } from '../../events/pipeline-events.js';
import { SubjectSettings } from '../../events/subject-settings.js';
import type { TrainingExecutionInput } from '../../state-machines/training/contract.js';
import type { ExecutionStarter } from './execution-starter.js';
import { executionNameFor, imageSetIdOf } from './image-set.js';
import type { SealingPolicy } from './sealing-policy.js';
import type { SubjectLedger, SubjectRecord } from './subject-ledger.js';

export interface SealingDeps {
  ledger: SubjectLedger;
  starter: ExecutionStarter;
  policy: SealingPolicy;
  now: () => number;
  log: (message: string, fields: Record<string, unknown>) => void;
}

export type SealedBy = SubjectReceived['sealedBy'];

/**
 * Seals the folder as one image set and starts exactly one execution for it. The seal is a conditional
 * write on the subject as we read it, so two sealers racing (a subject.json and the sweep, or duplicate
 * deliveries) produce one seal; the execution name is derived from the set, so a repeated start is a no-op.
 */
export async function sealSubject(
  seen: SubjectRecord,
  sealedBy: SealedBy,
  deps: SealingDeps,
): Promise<{ sealed: boolean; executionName?: string }> {
  const { ledger } = deps;
  const [photos, ignoredFiles] = await Promise.all([
    ledger.listPhotos(seen.subjectId),
    ledger.listIgnoredFiles(seen.subjectId),
  ]);
  const imageSetId = imageSetIdOf(photos, seen.settingsEtag);
  const executionName = executionNameFor(seen.subjectId, imageSetId);
  const received: SubjectReceived = SubjectReceived.parse({
    version: 1,
    subjectId: seen.subjectId,
    imageSetId,
    sealedBy,
    photos,
    ignoredFiles,
    settings: settingsOf(seen),
    ...(seen.settingsProblem ? { settingsProblem: seen.settingsProblem } : {}),
  });
  const input: TrainingExecutionInput = { received };
  const sealed = await ledger.markSealed(seen, { imageSetId, executionName, input, sealedBy }, deps.now());
  if (!sealed) {
    deps.log('Subject changed or was sealed by another delivery; not sealing', { subjectId: seen.subjectId });
    return { sealed: false };
  }
  await startSealedExecution(seen.subjectId, executionName, input, deps);
  deps.log('Subject sealed', { subjectId: seen.subjectId, imageSetId, sealedBy, photos: photos.length });
  return { sealed: true, executionName };
}

export async function startSealedExecution(
  subjectId: string,
  executionName: string,
  input: TrainingExecutionInput,
  deps: Pick<SealingDeps, 'ledger' | 'starter' | 'now' | 'log'>,
): Promise<void> {
  const { alreadyStarted } = await deps.starter.start(executionName, input);
  if (alreadyStarted) deps.log('Execution already existed for this image set', { subjectId, executionName });
  await deps.ledger.markStarted(subjectId, executionName, deps.now());
}

/** A subject.json that failed validation is reported by the workflow; sealing uses the defaults meanwhile. */
function settingsOf(subject: SubjectRecord): SubjectSettings {
  if (subject.settingsJson && !subject.settingsProblem) {
    return SubjectSettings.parse(JSON.parse(subject.settingsJson));
  }
  return SubjectSettings.parse({});
}

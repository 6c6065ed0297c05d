import type { RunMode } from '../../events/run-mode.js';
import { TrainingStates } from '../../state-machines/training/contract.js';
import type { CurrentModels } from '../generation/prepare-generation.js';
import type { SubjectLedger } from '../ingest/subject-ledger.js';
import { pathInSubjectFolder } from '../platform/bucket-layout.js';
import type { TrainingQueue } from '../training/training-queue.js';
import type { Executions } from './api-ports.js';
import type { ApiStore } from './api-store.js';
import { type ApiRequest, type ApiResponse, json } from './http.js';
import type { SubjectView } from './schemas.js';
import { ownSubject } from './subject-lookup.js';
import { subjectState } from './subject-status.js';

export interface SubjectReadDeps {
  store: ApiStore;
  ledger: SubjectLedger;
  queue: Pick<TrainingQueue, 'isWaiting'>;
  models: Pick<CurrentModels, 'current'>;
  training: Executions;
}

/** The subject's status and per-photo verdicts, read from the ledger, the queue, the registry and its execution. */
export async function readSubject(request: ApiRequest, deps: SubjectReadDeps): Promise<SubjectView> {
  const { ref, created } = await ownSubject(request, deps);
  const [ledger, photos, model] = await Promise.all([
    deps.ledger.getSubject(ref),
    deps.ledger.listPhotos(ref),
    deps.models.current(ref),
  ]);
  const arrived = new Set(photos.map((photo) => pathInSubjectFolder(photo.key)));
  const execution = ledger ? await deps.training.describe(ledger.executionName) : undefined;
  const queued = ledger?.status === 'sealed' ? await deps.queue.isWaiting(ledger.executionName) : false;
  // While it runs, the verdicts are in the history: ValidateImages' output, long before the execution ends.
  const validated =
    ledger && execution?.status === 'RUNNING'
      ? ((await deps.training.stateOutput(ledger.executionName, TrainingStates.validateImages)) as
          | { validation?: unknown }
          | undefined)
      : undefined;
  const state = subjectState({
    ...(validated?.validation ? { validation: validated.validation } : {}),
    photoNames: created?.photos ?? [...arrived].sort(),
    arrived,
    ...(ledger ? { ledger } : {}),
    queued,
    ...(model ? { model } : {}),
    ...(execution ? { execution } : {}),
  });
  return {
    id: ref.subjectId,
    status: state.status,
    reason: state.reason,
    photos: state.photos,
    model: model && state.status === 'ready' ? { version: model.modelVersion } : null,
    mode: modeOfSettings(ledger?.settingsJson),
  };
}

/** What the subject's settings asked for; settings that cannot be read asked for nothing (live). */
function modeOfSettings(settingsJson: string | undefined): RunMode {
  if (!settingsJson) return 'live';
  try {
    return (JSON.parse(settingsJson) as { mode?: unknown }).mode === 'dry-run' ? 'dry-run' : 'live';
  } catch {
    return 'live';
  }
}

/** GET /v1/subjects/{id}. */
export async function getSubject(request: ApiRequest, deps: SubjectReadDeps): Promise<ApiResponse> {
  return json(200, await readSubject(request, deps));
}

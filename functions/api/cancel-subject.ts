import type { SubjectLedger } from '../ingest/subject-ledger.js';
import type { TrainingQueue } from '../training/training-queue.js';
import type { Executions } from './api-ports.js';
import type { ApiStore } from './api-store.js';
import { ConflictError } from './errors.js';
import { type ApiRequest, type ApiResponse, json } from './http.js';
import { ownSubject } from './subject-lookup.js';

export interface CancelDeps {
  store: ApiStore;
  ledger: SubjectLedger;
  queue: Pick<TrainingQueue, 'waitingEntry' | 'release'>;
  training: Executions;
}

/**
 * POST /v1/subjects/{id}/cancel: a subject still waiting for a training slot leaves the line and its execution
 * stops, before any GPU time is spent. Anything else (receiving, validating, training, ended) is 409: a training
 * that runs is paid for already, and one that ended has nothing to cancel.
 */
export async function cancelSubject(request: ApiRequest, deps: CancelDeps): Promise<ApiResponse> {
  const { ref } = await ownSubject(request, deps);
  const ledger = await deps.ledger.getSubject(ref);
  const entry = ledger?.status === 'sealed' ? await deps.queue.waitingEntry(ledger.executionName) : undefined;
  if (!ledger || !entry) {
    throw new ConflictError(
      `Subject "${ref.subjectId}" is not queued for training, so it cannot be cancelled; GET /v1/subjects/${ref.subjectId} says where it is.`,
    );
  }
  await deps.training.stop(ledger.executionName, 'Cancelled through the HTTP API while queued for training');
  await deps.queue.release({ executionName: ledger.executionName, enqueuedAt: entry.enqueuedAt });
  return json(202, { id: ref.subjectId, status: 'cancelled' });
}

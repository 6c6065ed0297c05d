import { type RequestErasureDeps, requestSubjectErasure } from '../erasure/request-subject-erasure.js';
import type { SubjectLedger } from '../ingest/subject-ledger.js';
import type { ApiStore } from './api-store.js';
import { type ApiRequest, type ApiResponse, json } from './http.js';
import { ownSubject } from './subject-lookup.js';

/**
 * DELETE /v1/subjects/{id}: starts the subject's erasure workflow and answers 202 with the erasure; `Subject
 * Erased` (on the bus and to the tenant's webhooks) says when every object version and row is gone. Ownership is
 * checked first, so another tenant's id is a 404 and starts nothing; a repeated DELETE starts another erasure,
 * which finds nothing left and reports zeros.
 */
export async function deleteSubject(
  request: ApiRequest,
  deps: { store: ApiStore; ledger: SubjectLedger } & RequestErasureDeps,
): Promise<ApiResponse> {
  const { ref } = await ownSubject(request, deps);
  const accepted = await requestSubjectErasure(deps, ref, { requestedBy: 'api' });
  return json(202, {
    id: ref.subjectId,
    erasureId: accepted.erasureId,
    status: accepted.status,
    requestedAt: accepted.requestedAt,
  });
}

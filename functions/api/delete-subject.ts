import type { SubjectLedger } from '../ingest/subject-ledger.js';
import type { ApiStore } from './api-store.js';
import { NotImplementedError } from './errors.js';
import type { ApiRequest, ApiResponse } from './http.js';
import { ownSubject } from './subject-lookup.js';

/**
 * DELETE /v1/subjects/{id}: 501 until the erasure workflow is wired here (its own issue). Ownership is checked
 * first, so another tenant's id is still a 404.
 */
export async function deleteSubject(
  request: ApiRequest,
  deps: { store: ApiStore; ledger: SubjectLedger },
): Promise<ApiResponse> {
  await ownSubject(request, deps);
  throw new NotImplementedError(
    'Erasure is not available through the API yet; nothing was deleted. It will start the erasure workflow of the subject.',
  );
}

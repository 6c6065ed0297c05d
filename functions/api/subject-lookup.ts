import type { SubjectRef } from '../../events/identifiers.js';
import { SUBJECT_ID_PATTERN } from '../../events/identifiers.js';
import type { SubjectLedger } from '../ingest/subject-ledger.js';
import type { ApiStore, ApiSubject } from './api-store.js';
import { NotFoundError } from './errors.js';
import type { ApiRequest } from './http.js';
import { principalOf } from './http.js';

/**
 * The caller's subject named by the path, or 404: the tenant is the authorizer's, so an id of another tenant's
 * subject finds nothing (the same answer as an id nobody used). A subject dropped into the tenant's bucket folder
 * is found through the ledger.
 */
export async function ownSubject(
  request: ApiRequest,
  deps: { store: ApiStore; ledger: SubjectLedger },
): Promise<{ ref: SubjectRef; created?: ApiSubject }> {
  const { tenantId } = principalOf(request);
  const subjectId = request.pathParameters.id ?? '';
  const notFound = new NotFoundError(`You have no subject "${subjectId}".`);
  if (!SUBJECT_ID_PATTERN.test(subjectId)) throw notFound;
  const ref = { tenantId, subjectId };
  const created = await deps.store.getSubject(ref);
  if (created) return { ref, created };
  if (await deps.ledger.getSubject(ref)) return { ref };
  throw notFound;
}

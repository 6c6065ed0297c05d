import type { SubjectLedger } from '../ingest/subject-ledger.js';
import type { ApiStore } from './api-store.js';
import { type ApiRequest, type ApiResponse, json } from './http.js';
import { parseOrProblem } from './route.js';
import { ListQuery } from './schemas.js';
import { ownSubject } from './subject-lookup.js';

/** GET /v1/subjects/{id}/generations?limit=&cursor=. */
export async function listGenerations(
  request: ApiRequest,
  deps: { store: ApiStore; ledger: SubjectLedger },
): Promise<ApiResponse> {
  const { ref } = await ownSubject(request, deps);
  const query = parseOrProblem(ListQuery, request.query, 'query');
  const page = await deps.store.listGenerations(ref, query.limit, query.cursor);
  return json(200, {
    items: page.items.map((g) => ({ id: g.generationId, createdAt: g.createdAt, images: g.images })),
    nextCursor: page.nextCursor,
  });
}

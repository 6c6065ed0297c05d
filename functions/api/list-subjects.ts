import type { ApiStore } from './api-store.js';
import { type ApiRequest, type ApiResponse, json, principalOf } from './http.js';
import { parseOrProblem } from './route.js';
import { ListQuery } from './schemas.js';

/** GET /v1/subjects?limit=&cursor=: the tenant's subjects created through the API, a page at a time. */
export async function listSubjects(request: ApiRequest, deps: { store: ApiStore }): Promise<ApiResponse> {
  const { tenantId } = principalOf(request);
  const query = parseOrProblem(ListQuery, request.query, 'query');
  const page = await deps.store.listSubjects(tenantId, query.limit, query.cursor);
  return json(200, {
    items: page.items.map((subject) => ({ id: subject.subjectId, createdAt: subject.createdAt })),
    nextCursor: page.nextCursor,
  });
}

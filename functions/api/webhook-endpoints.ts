import { WebhookRequestError } from '../webhooks/errors.js';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.js';
import { type ApiRequest, type ApiResponse, json, principalOf } from './http.js';

/**
 * The webhook-endpoint routes over the webhooks capability's management functions: the tenant is always the
 * authorizer's, and a `WebhookRequestError` becomes the API's problem of the same status (400 naming the field
 * and the fix, 404 for another tenant's or an unknown id, 409 for a second read of the default secret).
 */
export async function webhookRoute(
  request: ApiRequest,
  status: number,
  act: (tenantId: string, request: ApiRequest) => Promise<unknown>,
): Promise<ApiResponse> {
  const { tenantId } = principalOf(request);
  try {
    const body = await act(tenantId, request);
    return status === 204
      ? { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' }
      : json(status, body);
  } catch (error) {
    if (!(error instanceof WebhookRequestError)) throw error;
    if (error.statusCode === 404) throw new NotFoundError(error.message);
    if (error.statusCode === 409) throw new ConflictError(error.message);
    const field = (error as { field?: string }).field ?? 'body';
    throw new InvalidRequestError(error.message, [
      { field: `body.${field}`, message: error.message, fix: 'send a value the message names' },
    ]);
  }
}

import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import {
  INCOMING_DETAIL_TYPES,
  PIPELINE_EVENTS,
  type PipelineDetailType,
} from '../../events/pipeline-events.js';
import {
  DefaultSecretAlreadyReadError,
  InvalidWebhookRequestError,
  WebhookEndpointNotFoundError,
} from './errors.js';
import { webhookType } from './message.js';
import { newWebhookSecret, rotate, type StoredSecret } from './signing.js';
import { checkWebhookUrl, type WebhookUrlPolicy } from './url-guard.js';
import type { AttemptRecord, EndpointRecord, WebhookStore } from './webhook-store.js';

/**
 * Webhook endpoints as the HTTP API manages them (`/v1/webhook-endpoints`). Each function takes the tenant the
 * API authenticated (never one from the request), the request body or id, and answers the response body, or
 * throws a `WebhookRequestError` whose `statusCode` the API returns. See functions/webhooks/README.md.
 */
export interface WebhookManagementDeps {
  store: WebhookStore;
  urlPolicy: WebhookUrlPolicy;
  now: () => number;
  /** Seconds a rotated-out secret still signs (default 24 h). */
  overlapSeconds?: number;
  random?: (size: number) => Buffer;
}

export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;

/** Every webhook type a tenant can subscribe to: each event we publish, by its webhook name. */
export const WEBHOOK_TYPES: readonly string[] = (Object.keys(PIPELINE_EVENTS) as PipelineDetailType[])
  .filter((type) => !INCOMING_DETAIL_TYPES.includes(type))
  .map(webhookType);

/** `POST /v1/webhook-endpoints` body. */
export const CreateWebhookEndpointRequest = z
  .object({
    url: z.string().min(1).max(2048).describe('https URL on port 443 that receives signed Standard Webhooks'),
    eventTypes: z
      .array(z.enum(WEBHOOK_TYPES as [string, ...string[]]))
      .max(WEBHOOK_TYPES.length)
      .optional()
      .describe('Webhook types to receive (subject.accepted, model.ready, avatars.ready...); absent: all'),
    description: z.string().max(500).optional(),
  })
  .strict();
export type CreateWebhookEndpointRequest = z.input<typeof CreateWebhookEndpointRequest>;

/** An endpoint as the API shows it: never its secret. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  /** Why it was disabled (410 Gone, or failing for 5 days): the API's notice. */
  disabledReason?: string;
  disabledAt?: string;
  createdAt: string;
}

const ENDPOINT_ID = /^ep_[a-f0-9]{16}$/;

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') || '(body)';
  const fix =
    field === 'eventTypes' || field.startsWith('eventTypes.')
      ? `use only ${WEBHOOK_TYPES.join(', ')}`
      : 'fix it and send the request again';
  throw new InvalidWebhookRequestError(field, `${issue?.message ?? 'invalid'}; ${fix}`, {
    cause: parsed.error,
  });
}

function view(record: EndpointRecord): WebhookEndpointView {
  return {
    id: record.endpointId,
    url: record.url,
    eventTypes: record.eventTypes,
    description: record.description,
    enabled: record.enabled,
    ...(record.disabledReason ? { disabledReason: record.disabledReason } : {}),
    ...(record.disabledAt ? { disabledAt: record.disabledAt } : {}),
    createdAt: record.createdAt,
  };
}

/** `POST /v1/webhook-endpoints` (201): the endpoint and its secret, shown this once. */
export async function createWebhookEndpoint(
  deps: WebhookManagementDeps,
  tenantId: string,
  body: unknown,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  const request = parseBody(CreateWebhookEndpointRequest, body);
  const verdict = checkWebhookUrl(request.url, deps.urlPolicy);
  if (!verdict.ok) throw new InvalidWebhookRequestError('url', verdict.reason);
  const now = new Date(deps.now()).toISOString();
  const secret = newWebhookSecret(deps.random);
  const record: EndpointRecord = {
    tenantId,
    endpointId: `ep_${(deps.random ?? randomBytes)(8).toString('hex')}`,
    url: verdict.url.toString(),
    eventTypes: [...new Set(request.eventTypes ?? [])],
    description: request.description ?? '',
    enabled: true,
    createdAt: now,
    secrets: [{ secret, createdAt: now }],
  };
  await deps.store.putEndpoint(record);
  return { endpoint: view(record), secret };
}

/** `GET /v1/webhook-endpoints`. */
export async function listWebhookEndpoints(
  deps: Pick<WebhookManagementDeps, 'store'>,
  tenantId: string,
): Promise<{ endpoints: WebhookEndpointView[] }> {
  const records = await deps.store.listEndpoints(tenantId);
  return { endpoints: records.map(view).sort((a, b) => a.createdAt.localeCompare(b.createdAt)) };
}

async function ownEndpoint(deps: Pick<WebhookManagementDeps, 'store'>, tenantId: string, id: string) {
  const record = ENDPOINT_ID.test(id) ? await deps.store.getEndpoint(tenantId, id) : undefined;
  if (!record) {
    throw new WebhookEndpointNotFoundError(
      `No webhook endpoint ${JSON.stringify(id.slice(0, 64))}; list yours with GET /v1/webhook-endpoints`,
    );
  }
  return record;
}

/** `GET /v1/webhook-endpoints/{id}`. */
export async function getWebhookEndpoint(
  deps: Pick<WebhookManagementDeps, 'store'>,
  tenantId: string,
  id: string,
): Promise<WebhookEndpointView> {
  return view(await ownEndpoint(deps, tenantId, id));
}

/** `DELETE /v1/webhook-endpoints/{id}` (204): nothing more is sent to it, retries in flight included. */
export async function deleteWebhookEndpoint(
  deps: Pick<WebhookManagementDeps, 'store'>,
  tenantId: string,
  id: string,
): Promise<void> {
  if (!ENDPOINT_ID.test(id) || !(await deps.store.deleteEndpoint(tenantId, id))) {
    throw new WebhookEndpointNotFoundError(
      `No webhook endpoint ${JSON.stringify(id.slice(0, 64))}; list yours with GET /v1/webhook-endpoints`,
    );
  }
}

export const ListAttemptsOptions = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(50) })
  .strict();

/** `GET /v1/webhook-endpoints/{id}/attempts?limit=N`: the newest attempts, status, latency, error; no bodies. */
export async function listWebhookAttempts(
  deps: Pick<WebhookManagementDeps, 'store'>,
  tenantId: string,
  id: string,
  options: unknown = {},
): Promise<{ attempts: AttemptRecord[] }> {
  const { limit } = parseBody(ListAttemptsOptions, options);
  await ownEndpoint(deps, tenantId, id);
  return { attempts: await deps.store.listAttempts(tenantId, id, limit) };
}

/**
 * `POST /v1/webhook-endpoints/{id}/rotate-secret`: a new secret, shown once; the old one keeps signing for the
 * overlap window, so every delivery meanwhile carries both signatures.
 */
export async function rotateWebhookEndpointSecret(
  deps: WebhookManagementDeps,
  tenantId: string,
  id: string,
): Promise<{ secret: string; previousSecretRetiresAt: string }> {
  const record = await ownEndpoint(deps, tenantId, id);
  const secret = newWebhookSecret(deps.random);
  const overlap = deps.overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
  const secrets = rotate(record.secrets, secret, deps.now(), overlap);
  if (!(await deps.store.setEndpointSecrets(tenantId, id, secrets))) {
    throw new WebhookEndpointNotFoundError(`Webhook endpoint ${id} was deleted meanwhile`);
  }
  return { secret, previousSecretRetiresAt: new Date(deps.now() + overlap * 1000).toISOString() };
}

/**
 * `POST /v1/webhook-endpoints/{id}/enable`: a disabled endpoint (410 Gone, or 5 days of failures) receives new
 * messages again, with the same id and secret, once its URL passes the checks again. Messages that were
 * dead-lettered meanwhile stay in the DLQ (redrive them). Enabling an enabled endpoint changes nothing.
 */
export async function enableWebhookEndpoint(
  deps: Pick<WebhookManagementDeps, 'store' | 'urlPolicy'>,
  tenantId: string,
  id: string,
): Promise<WebhookEndpointView> {
  const record = await ownEndpoint(deps, tenantId, id);
  const verdict = checkWebhookUrl(record.url, deps.urlPolicy);
  if (!verdict.ok)
    throw new InvalidWebhookRequestError('url', `${verdict.reason}; register a URL that passes`);
  if (!record.enabled && !(await deps.store.enableEndpoint(tenantId, id))) {
    throw new WebhookEndpointNotFoundError(`Webhook endpoint ${id} was deleted meanwhile`);
  }
  const { disabledReason: _reason, disabledAt: _at, ...enabled } = record;
  return view({ ...enabled, enabled: true });
}

/** The tenant's default secret, created on first need (a delivery to a per-subject URL, or this read). */
export async function ensureDefaultSecret(
  deps: Pick<WebhookManagementDeps, 'store' | 'now' | 'random'>,
  tenantId: string,
): Promise<StoredSecret[]> {
  const existing = await deps.store.getDefaultSecret(tenantId);
  if (existing) return existing.secrets;
  const fresh = { secret: newWebhookSecret(deps.random), createdAt: new Date(deps.now()).toISOString() };
  return (await deps.store.ensureDefaultSecret(tenantId, fresh)).secrets;
}

/**
 * `GET /v1/webhook-secret` (once): the secret that signs deliveries to the per-subject `webhook.url` of
 * subject.json. A second read is a 409: rotate it to get a new one.
 */
export async function readDefaultWebhookSecret(
  deps: Pick<WebhookManagementDeps, 'store' | 'now' | 'random'>,
  tenantId: string,
): Promise<{ secret: string }> {
  const secrets = await ensureDefaultSecret(deps, tenantId);
  if (!(await deps.store.markDefaultSecretRevealed(tenantId, new Date(deps.now()).toISOString()))) {
    throw new DefaultSecretAlreadyReadError(
      'The default webhook secret was already read once; rotate it (POST /v1/webhook-secret/rotate) to get a new one',
    );
  }
  return { secret: secrets[0]?.secret ?? '' };
}

/** `POST /v1/webhook-secret/rotate`: a new default secret, shown once; the old one signs through the overlap. */
export async function rotateDefaultWebhookSecret(
  deps: WebhookManagementDeps,
  tenantId: string,
): Promise<{ secret: string; previousSecretRetiresAt: string }> {
  const current = await ensureDefaultSecret(deps, tenantId);
  const secret = newWebhookSecret(deps.random);
  const overlap = deps.overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
  const now = deps.now();
  await deps.store.setDefaultSecrets(
    tenantId,
    rotate(current, secret, now, overlap),
    new Date(now).toISOString(),
  );
  return { secret, previousSecretRetiresAt: new Date(now + overlap * 1000).toISOString() };
}

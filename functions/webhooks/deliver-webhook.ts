import type { LookupFunction } from 'node:net';
import type { WebhookEndpointDisabled } from '../../events/pipeline-events.js';
import type {
  DeliverWebhookInput,
  DeliverWebhookOutput,
  WebhookDelivery,
} from '../../state-machines/webhooks/contract.js';
import type { Clock, TaskLog, TaskMetrics } from '../ports.js';
import { ensureDefaultSecret } from './endpoint-management.js';
import { type AttemptResult, DELIVERY_TIMEOUT_MS, sendWebhook } from './http-sender.js';
import { webhookBody } from './message.js';
import { parseRetryAfter, secondsBeforeAttempt } from './retry-schedule.js';
import { signingSecrets, signWebhook } from './signing.js';
import { checkWebhookUrl, type WebhookUrlPolicy } from './url-guard.js';
import type { WebhookStore } from './webhook-store.js';

/** An endpoint that failed every attempt for this long is disabled (as Svix does). */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000;

export interface DeliverWebhookDeps {
  store: WebhookStore;
  urlPolicy: WebhookUrlPolicy;
  clock: Pick<Clock, 'now' | 'random'>;
  log: TaskLog;
  metrics?: TaskMetrics;
  timeoutMs?: number;
  /** For tests: the DNS answer at connect time. */
  lookup?: LookupFunction;
  /** For tests: sends the request (default: node:http(s) behind request-filtering-agent). */
  send?: typeof sendWebhook;
}

interface Target {
  url: string;
  secrets: string[];
  /** Set for a registered endpoint (which can be disabled); absent for a subject's own URL. */
  endpointId?: string;
}

/**
 * One attempt of one message to one destination: sign with every current secret, POST, record the attempt
 * (status, latency, error; never the body), and say what comes next. 2xx is success; anything else, 3xx
 * included (redirects are not followed), is a failure retried on the Standard Webhooks schedule with jitter and
 * the receiver's Retry-After as a floor; 410 disables the endpoint at once, and so does failing every attempt
 * for 5 days.
 */
export async function deliverWebhook(
  input: DeliverWebhookInput,
  deps: DeliverWebhookDeps,
): Promise<DeliverWebhookOutput> {
  const { delivery } = input;
  const now = deps.clock.now();
  const target = await resolveTarget(delivery, deps, now);
  if (!target) return { delivery, outcome: 'dropped', waitSeconds: 0 };

  const verdict = checkWebhookUrl(target.url, deps.urlPolicy);
  if (!verdict.ok) {
    deps.log.warn('Webhook URL refused by the SSRF guard', {
      messageId: delivery.messageId,
      reason: verdict.reason,
    });
    return { delivery, outcome: 'exhausted', waitSeconds: 0, lastError: `refused: ${verdict.reason}` };
  }
  if (verdict.loopback) {
    deps.log.info('Webhook to a loopback receiver (allowed locally only)', {
      messageId: delivery.messageId,
      host: verdict.url.host,
      protocol: verdict.url.protocol,
    });
  }
  const body = webhookBody(delivery.payload);
  const headers = signWebhook(target.secrets, delivery.messageId, new Date(now), body);
  const send = deps.send ?? sendWebhook;
  const result = await send({
    url: verdict.url,
    headers: { ...headers },
    body,
    timeoutMs: deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    allowLoopback: deps.urlPolicy.allowLoopback,
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
  });
  const succeeded = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
  const at = new Date(now).toISOString();
  await deps.store.recordAttempt(delivery.tenantId, {
    destination: target.endpointId ?? 'subject-url',
    messageId: delivery.messageId,
    type: delivery.payload.type,
    attempt: delivery.attempt,
    at,
    ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
    latencyMs: result.latencyMs,
    ...(result.error ? { error: result.error.slice(0, 300) } : {}),
    outcome: succeeded ? 'delivered' : 'failed',
    ...(typeof delivery.payload.data.subjectId === 'string'
      ? { subjectId: delivery.payload.data.subjectId }
      : {}),
  });
  // The dashboard's success rate and the failure-rate alarm read these two names (PIPELINE_METRICS).
  deps.metrics?.count('WebhookDeliveries');
  if (!succeeded) deps.metrics?.count('WebhookFailures');
  if (succeeded) {
    if (target.endpointId) await deps.store.clearFailing(delivery.tenantId, target.endpointId);
    return { delivery, outcome: 'delivered', waitSeconds: 0 };
  }
  const lastError = describe(result);
  if (result.statusCode === 410) return gone(delivery, target, deps, at, lastError);

  if (target.endpointId) {
    const since = await deps.store.noteFailing(delivery.tenantId, target.endpointId, at);
    if (since && now - Date.parse(since) >= DISABLE_AFTER_FAILING_MS) {
      const disabled = await disable(
        delivery,
        target,
        deps,
        at,
        'failing',
        `every attempt since ${since} failed (last: ${lastError})`,
      );
      if (disabled) return { delivery, outcome: 'disabled', waitSeconds: 0, disabled, lastError };
      return { delivery, outcome: 'exhausted', waitSeconds: 0, lastError };
    }
  }
  const next = delivery.attempt + 1;
  const wait = secondsBeforeAttempt(next, deps.clock.random, parseRetryAfter(result.retryAfter, now));
  if (wait === undefined) return { delivery, outcome: 'exhausted', waitSeconds: 0, lastError };
  return { delivery: { ...delivery, attempt: next }, outcome: 'retry', waitSeconds: wait, lastError };
}

async function resolveTarget(
  delivery: WebhookDelivery,
  deps: DeliverWebhookDeps,
  now: number,
): Promise<Target | undefined> {
  const { destination, tenantId } = delivery;
  if (destination.kind === 'subject-url') {
    const secrets = await ensureDefaultSecret({ store: deps.store, now: () => now }, tenantId);
    return { url: destination.url, secrets: signingSecrets(secrets, now) };
  }
  // Read under the delivery's own tenant: an id of another tenant's endpoint finds nothing.
  const endpoint = await deps.store.getEndpoint(tenantId, destination.endpointId);
  if (!endpoint?.enabled) {
    deps.log.info('Webhook endpoint deleted or disabled: nothing sent', { messageId: delivery.messageId });
    return undefined;
  }
  return {
    url: endpoint.url,
    secrets: signingSecrets(endpoint.secrets, now),
    endpointId: endpoint.endpointId,
  };
}

async function gone(
  delivery: WebhookDelivery,
  target: Target,
  deps: DeliverWebhookDeps,
  at: string,
  lastError: string,
): Promise<DeliverWebhookOutput> {
  if (!target.endpointId) return { delivery, outcome: 'exhausted', waitSeconds: 0, lastError };
  const disabled = await disable(
    delivery,
    target,
    deps,
    at,
    'gone',
    `answered 410 Gone to message ${delivery.messageId}`,
  );
  return disabled
    ? { delivery, outcome: 'disabled', waitSeconds: 0, disabled, lastError }
    : { delivery, outcome: 'exhausted', waitSeconds: 0, lastError };
}

async function disable(
  delivery: WebhookDelivery,
  target: Target,
  deps: DeliverWebhookDeps,
  at: string,
  reason: 'gone' | 'failing',
  what: string,
): Promise<WebhookEndpointDisabled | undefined> {
  const endpointId = target.endpointId as string;
  const message = `${target.url} ${what}`;
  // Only the attempt that flips it publishes the event: one event per disabling, however many messages fail.
  if (!(await deps.store.disableEndpoint(delivery.tenantId, endpointId, message, at))) return undefined;
  return {
    version: 1,
    tenantId: delivery.tenantId,
    endpointId,
    url: target.url,
    reason,
    message,
    advice:
      reason === 'gone'
        ? 'Register the endpoint again (POST /v1/webhook-endpoints) once it receives webhooks again.'
        : 'Fix the receiver (it must answer 2xx within 15 s), then register it again; the undelivered messages are in the webhooks dead-letter queue (see functions/webhooks/README.md for the redrive).',
    disabledAt: at,
  };
}

function describe(result: AttemptResult): string {
  if (result.statusCode === undefined) return result.error ?? 'no answer';
  const redirect = result.statusCode >= 300 && result.statusCode < 400 ? ' (redirects are not followed)' : '';
  return `HTTP ${result.statusCode}${redirect}${result.error ? `: ${result.error}` : ''}`;
}

import { DEFAULT_TENANT_ID, type SubjectRef, TenantId } from '../../events/identifiers.js';
import { EVENT_SOURCE } from '../../events/pipeline-events.js';
import { parseSubjectSettingsJson } from '../../events/subject-settings.js';
import type {
  PlanWebhookDeliveriesInput,
  PlanWebhookDeliveriesOutput,
  WebhookDelivery,
} from '../../state-machines/webhooks/contract.js';
import type { TaskLog } from '../ports.js';
import { webhookMessageId, webhookPayload, webhookType } from './message.js';
import { checkWebhookUrl, type WebhookUrlPolicy } from './url-guard.js';
import type { WebhookStore } from './webhook-store.js';

/** Port: a subject's recorded subject.json (the subject ledger), for its `webhook.url`. */
export interface SubjectWebhookSource {
  getSubject(ref: SubjectRef): Promise<{ settingsJson?: string | null } | undefined>;
}

export interface PlanDeliveriesDeps {
  store: Pick<WebhookStore, 'listEndpoints'>;
  subjects: SubjectWebhookSource;
  urlPolicy: WebhookUrlPolicy;
  now: () => number;
  log: TaskLog;
}

/**
 * Who receives one event: the tenant's enabled endpoints whose filter names its type, and the subject's own
 * `webhook.url` (subject.json), checked by the SSRF guard again. The tenant is the event's own (only the pipeline
 * publishes with our source, and the rule admits nothing else), so no event reaches another tenant's endpoints.
 * A redrive from the dead-letter queue plans its deliveries again from the first attempt, with the same ids.
 */
export async function planWebhookDeliveries(
  input: PlanWebhookDeliveriesInput,
  deps: PlanDeliveriesDeps,
): Promise<PlanWebhookDeliveriesOutput> {
  const plannedAt = new Date(deps.now()).toISOString();
  if ('redrive' in input) {
    return { deliveries: input.redrive.map((delivery) => ({ ...delivery, attempt: 0, plannedAt })) };
  }
  if (input.source !== EVENT_SOURCE) return { deliveries: [] };
  const tenant = TenantId.safeParse(input.detail.tenantId ?? DEFAULT_TENANT_ID);
  if (!tenant.success) {
    deps.log.warn('Event without a valid tenant: no webhook', { eventId: input.id });
    return { deliveries: [] };
  }
  const tenantId = tenant.data;
  const type = webhookType(input['detail-type']);
  const base = {
    messageId: webhookMessageId(input.id),
    tenantId,
    payload: webhookPayload(input['detail-type'], input.time, input.detail),
    attempt: 0,
    plannedAt,
  };
  const deliveries: WebhookDelivery[] = (await deps.store.listEndpoints(tenantId))
    .filter((endpoint) => endpoint.enabled)
    .filter((endpoint) => endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type))
    .map((endpoint) => ({ ...base, destination: { kind: 'endpoint', endpointId: endpoint.endpointId } }));

  const subjectId = input.detail.subjectId;
  if (typeof subjectId === 'string' && subjectId !== '') {
    const url = await subjectWebhookUrl(deps, { tenantId, subjectId });
    if (url) deliveries.push({ ...base, destination: { kind: 'subject-url', subjectId, url } });
  }
  return { deliveries };
}

async function subjectWebhookUrl(deps: PlanDeliveriesDeps, ref: SubjectRef): Promise<string | undefined> {
  const json = (await deps.subjects.getSubject(ref))?.settingsJson;
  if (!json) return undefined;
  const parsed = parseSubjectSettingsJson(json);
  const url = parsed.success ? parsed.settings.webhook?.url : undefined;
  if (!url) return undefined;
  const verdict = checkWebhookUrl(url, deps.urlPolicy);
  if (!verdict.ok) {
    // Refused at ingest already (Subject Rejected names webhook.url); never sent to, whatever the event.
    deps.log.warn('Subject webhook.url refused by the SSRF guard: not delivered', {
      subjectId: ref.subjectId,
      reason: verdict.reason,
    });
    return undefined;
  }
  return verdict.url.toString();
}

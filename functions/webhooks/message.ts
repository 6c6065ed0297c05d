/**
 * A webhook message as Standard Webhooks shapes it: `{"type", "timestamp", "data"}`, `type` the event's
 * detail-type in lower case, words joined by dots (`Subject Accepted` -> `subject.accepted`).
 */
export interface WebhookPayload {
  type: string;
  /** When the event happened (the EventBridge event's `time`), ISO 8601. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** Bodies stay under this (links, never images): Standard Webhooks asks for small payloads. */
export const MAX_WEBHOOK_BODY_BYTES = 20 * 1024;

/** `Avatars Ready` -> `avatars.ready`. */
export function webhookType(detailType: string): string {
  return detailType.trim().toLowerCase().split(/\s+/).join('.');
}

/** The stable id of one message: the same on every retry and on every endpoint it goes to. */
export function webhookMessageId(eventId: string): string {
  return `msg_${eventId.replace(/[^A-Za-z0-9_-]/g, '')}`;
}

/**
 * The message of one event. A detail that would make the body reach 20 KB (an order of many avatars, each with a
 * long presigned link) is sent thin: its top-level scalar fields (tenant, subject, model version, counts...) and
 * `truncated: true`, so the receiver knows to fetch the rest (the API's status) instead of trusting a partial list.
 */
export function webhookPayload(
  detailType: string,
  time: string,
  detail: Record<string, unknown>,
): WebhookPayload {
  const full: WebhookPayload = { type: webhookType(detailType), timestamp: time, data: detail };
  if (bodyBytes(full) < MAX_WEBHOOK_BODY_BYTES) return full;
  const thin = Object.fromEntries(
    Object.entries(detail).filter(([, value]) => value === null || typeof value !== 'object'),
  );
  return { ...full, data: { ...thin, truncated: true } };
}

export function webhookBody(payload: WebhookPayload): string {
  return JSON.stringify(payload);
}

function bodyBytes(payload: WebhookPayload): number {
  return Buffer.byteLength(webhookBody(payload));
}

import * as z from 'zod';
import { webhookType } from '../functions/webhooks/message.js';
import { schemaFileName } from './json-schemas.js';
import {
  EVENT_SOURCE,
  INCOMING_DETAIL_TYPES,
  PIPELINE_EVENTS,
  type PipelineDetailType,
} from './pipeline-events.js';

/** `Subject Accepted` -> `subjectAccepted`: ids of channels, messages and operations. */
function camel(detailType: string): string {
  const [first = '', ...rest] = detailType.split(/\s+/);
  return first.toLowerCase() + rest.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('');
}

/** A zod schema as JSON Schema draft-07 (AsyncAPI's default schema format is a superset of it). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'output',
    target: 'draft-7',
  }) as Record<string, unknown>;
  return rest;
}

const HEADERS = {
  type: 'object',
  required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  properties: {
    'webhook-id': { type: 'string', description: 'msg_<event id>: the same on every retry of this message' },
    'webhook-timestamp': { type: 'string', description: 'Unix seconds of this attempt' },
    'webhook-signature': {
      type: 'string',
      description:
        'v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"> with the endpoint (or default) secret; during a rotation two, space-separated',
    },
  },
};

/**
 * The AsyncAPI 3 document of the pipeline's events, generated from the same zod schemas as events/schemas: one
 * channel per detail-type on the EventBridge bus (what we publish, and what partners send), and the webhook
 * channel, whose messages are the Standard Webhooks bodies `{type, timestamp, data}`.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const webhookMessages: Record<string, unknown> = {};
  for (const [detailType, schema] of Object.entries(PIPELINE_EVENTS)) {
    const id = camel(detailType);
    const incoming = INCOMING_DETAIL_TYPES.includes(detailType as PipelineDetailType);
    messages[id] = {
      name: detailType,
      title: detailType,
      summary: incoming
        ? `Put on the bus by a partner, with its own source (any but "${EVENT_SOURCE}"); its tenant is the one its account maps to.`
        : `Published by the pipeline with source "${EVENT_SOURCE}"; detail.tenantId names the tenant (match it in your rule).`,
      contentType: 'application/json',
      payload: {
        type: 'object',
        required: ['detail-type', 'source', 'detail'],
        properties: {
          'detail-type': { const: detailType },
          source: incoming ? { not: { const: EVENT_SOURCE } } : { const: EVENT_SOURCE },
          account: { type: 'string' },
          id: { type: 'string' },
          time: { type: 'string' },
          detail: jsonSchema(schema),
        },
      },
      externalDocs: {
        description: `JSON Schema of the detail: events/schemas/${schemaFileName(detailType)}.schema.json`,
        url: `urn:${EVENT_SOURCE}:events:${schemaFileName(detailType)}:v1`,
      },
    };
    channels[id] = {
      address: `${EVENT_SOURCE}/${detailType}`,
      title: `${detailType} on the pipeline bus`,
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`${incoming ? 'receive' : 'publish'}${id.charAt(0).toUpperCase()}${id.slice(1)}`] = {
      action: incoming ? 'receive' : 'send',
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
    };
    if (incoming) continue;
    const type = webhookType(detailType);
    const webhookId = `${id}Webhook`;
    messages[webhookId] = {
      name: type,
      title: `${type} (webhook)`,
      summary: `The ${detailType} event as a signed Standard Webhook`,
      contentType: 'application/json',
      headers: HEADERS,
      payload: {
        type: 'object',
        required: ['type', 'timestamp', 'data'],
        properties: {
          type: { const: type },
          timestamp: { type: 'string', description: 'When the event happened (ISO 8601)' },
          data: jsonSchema(schema),
        },
      },
    };
    webhookMessages[webhookId] = { $ref: `#/components/messages/${webhookId}` };
  }
  channels.webhooks = {
    address: '{endpointUrl}',
    title: 'Webhooks to client apps',
    description:
      'POST to each registered endpoint (and to the webhook.url of subject.json), signed per Standard Webhooks; 2xx within 15 s is success, retried on the Standard Webhooks schedule otherwise; bodies under 20 KB (larger details are sent thin with data.truncated = true).',
    parameters: { endpointUrl: { description: 'The https URL of the endpoint' } },
    messages: webhookMessages,
  };
  operations.deliverWebhooks = {
    action: 'send',
    channel: { $ref: '#/channels/webhooks' },
    messages: Object.keys(webhookMessages).map((id) => ({ $ref: `#/channels/webhooks/messages/${id}` })),
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Avatar pipeline events',
      version: '1.0.0',
      description:
        'Generated from events/pipeline-events.ts by `npm run events:asyncapi`; do not edit. Every event on the pipeline EventBridge bus, and the webhooks sent to client apps.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}

/**
 * The webhooks workflow's contract. A rule on the pipeline's bus starts it for every event the pipeline publishes
 * (source `avatar-pipeline`), with the whole event as input; a redrive from the dead-letter queue starts it with
 * `{ "redrive": [...] }` instead. One execution per event, one Map iteration per destination, each waiting
 * out its own retry schedule in a Wait state.
 */
import * as z from 'zod';
import { TenantId } from '../../events/identifiers.js';
import { WebhookEndpointDisabled } from '../../events/pipeline-events.js';
import type { ContractError } from '../error-contract.js';

/** The EventBridge event as the rule delivers it (only what planning reads). */
export const WebhookEventInput = z.object({
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string(),
  time: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type WebhookEventInput = z.infer<typeof WebhookEventInput>;

export const WebhookDestination = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('endpoint'), endpointId: z.string().min(1) }),
  z.object({ kind: z.literal('subject-url'), subjectId: z.string().min(1), url: z.string().min(1) }),
]);
export type WebhookDestination = z.infer<typeof WebhookDestination>;

/** One message to one destination: what a Map iteration carries through every attempt (the id never changes). */
export const WebhookDelivery = z.object({
  messageId: z.string().min(1),
  tenantId: TenantId,
  destination: WebhookDestination,
  payload: z.object({ type: z.string(), timestamp: z.string(), data: z.record(z.string(), z.unknown()) }),
  /** The next attempt, 0-based (0: the immediate one). */
  attempt: z.number().int().nonnegative(),
  /** When the first attempt was planned. */
  plannedAt: z.string(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

/** What the dead-letter queue holds, and what a redrive starts the workflow with (every attempt from the first again). */
export const WebhookRedriveInput = z.object({ redrive: z.array(WebhookDelivery).min(1) });
export type WebhookRedriveInput = z.infer<typeof WebhookRedriveInput>;

export const PlanWebhookDeliveriesInput = z.union([WebhookRedriveInput, WebhookEventInput]);
export type PlanWebhookDeliveriesInput = z.infer<typeof PlanWebhookDeliveriesInput>;

export const PlanWebhookDeliveriesOutput = z.object({ deliveries: z.array(WebhookDelivery) });
export type PlanWebhookDeliveriesOutput = z.infer<typeof PlanWebhookDeliveriesOutput>;

export const DeliverWebhookInput = z.object({ delivery: WebhookDelivery });
export type DeliverWebhookInput = z.infer<typeof DeliverWebhookInput>;

/**
 * DeliverWebhook's result, which drives the Choice: `delivered` (a 2xx), `retry` after `waitSeconds`,
 * `exhausted` (schedule spent, or the destination is gone: to the dead-letter queue), `disabled` (the endpoint
 * was disabled by this attempt: publish the event, then the dead-letter queue), `dropped` (the endpoint was
 * deleted or disabled before: nothing to send to).
 */
export const DeliverWebhookOutput = z.object({
  delivery: WebhookDelivery,
  outcome: z.enum(['delivered', 'retry', 'exhausted', 'disabled', 'dropped']),
  waitSeconds: z.number().int().nonnegative(),
  disabled: WebhookEndpointDisabled.optional(),
  lastError: z.string().optional(),
});
export type DeliverWebhookOutput = z.infer<typeof DeliverWebhookOutput>;

export const WebhookStates = {
  plan: 'PlanWebhookDeliveries',
  deliverEach: 'DeliverEachWebhook',
  attempt: 'AttemptWebhookDelivery',
  nextStep: 'AfterWebhookAttempt',
  wait: 'WaitBeforeWebhookRetry',
  publishDisabled: 'PublishWebhookEndpointDisabled',
  deadLetter: 'SendWebhookToDeadLetterQueue',
  delivered: 'WebhookDelivered',
  ended: 'WebhookDeliveryEnded',
} as const;

export const WebhookErrors = {
  malformedTaskInput: { name: 'MalformedWebhookTaskInputError', retryable: false },
} as const satisfies Record<string, ContractError>;

/** Each task's schemas, by state name: the local runtime checks every result against its output schema. */
export const WebhookTaskSchemas = {
  PlanWebhookDeliveries: { input: PlanWebhookDeliveriesInput, output: PlanWebhookDeliveriesOutput },
  AttemptWebhookDelivery: { input: DeliverWebhookInput, output: DeliverWebhookOutput },
} as const;

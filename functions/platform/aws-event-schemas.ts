/**
 * The AWS event envelopes the pipeline's edges parse, as Powertools' parser (v2) defines them
 * (`@aws-lambda-powertools/parser/schemas/{eventbridge,s3,sns}` and its `JSONStringified` helper), field for field.
 * They are restated here because Powertools' modules import `{ z } from 'zod'`, the namespace object that keeps
 * every zod locale and the JSON Schema code in a bundle (~450 KB instead of ~85 KB with `import * as z`): the
 * cold-start bench measured that as the largest part of every function's bundle.
 */
import * as z from 'zod';

export const EventBridgeSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.string().optional(),
});

const S3EventNotificationEventBridgeDetailSchema = z.object({
  version: z.string(),
  bucket: z.object({ name: z.string() }),
  object: z.object({
    key: z.string(),
    size: z.number().nonnegative().optional(),
    etag: z.string().optional(),
    'version-id': z.string().optional(),
    sequencer: z.string().optional(),
  }),
  'request-id': z.string(),
  requester: z.string(),
  'source-ip-address': z.ipv4().optional(),
  reason: z.string().optional(),
  'deletion-type': z.string().optional(),
  'restore-expiry-time': z.string().optional(),
  'source-storage-class': z.string().optional(),
  'destination-storage-class': z.string().optional(),
  'destination-access-tier': z.string().optional(),
});

export const S3EventNotificationEventBridgeSchema = EventBridgeSchema.extend({
  detail: S3EventNotificationEventBridgeDetailSchema,
});

const SnsMsgAttribute = z.object({ Type: z.string(), Value: z.string() });

const SnsNotificationSchema = z.object({
  Subject: z.string().nullish(),
  TopicArn: z.string(),
  UnsubscribeUrl: z.url(),
  UnsubscribeURL: z.url().optional(),
  SigningCertUrl: z.url().optional(),
  SigningCertURL: z.url().optional(),
  Type: z.literal('Notification'),
  MessageAttributes: z.record(z.string(), SnsMsgAttribute).optional(),
  Message: z.string(),
  MessageId: z.string(),
  Signature: z.string().optional(),
  SignatureVersion: z.string().optional(),
  Timestamp: z.iso.datetime(),
});

const SnsRecordSchema = z.object({
  EventSource: z.literal('aws:sns'),
  EventVersion: z.string(),
  EventSubscriptionArn: z.string(),
  Sns: SnsNotificationSchema,
});

export const SnsSchema = z.object({ Records: z.array(SnsRecordSchema).nonempty() });

/** A string holding JSON, parsed and then checked against `schema`; bad JSON is one fatal issue. */
export const JSONStringified = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `Invalid JSON - ${(error as Error).message}`, fatal: true });
        return z.NEVER;
      }
    })
    .pipe(schema);

import { z } from 'zod';
import { MalformedObjectEventError } from './errors.js';

/**
 * The EventBridge `Object Created` event from S3, as the S3 user guide documents it. Only the fields the
 * ledger needs are required; `version-id` exists only on versioned buckets and `reason` names the API.
 */
export const S3ObjectCreatedEvent = z.object({
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  time: z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().int().nonnegative().default(0),
      etag: z.string().default(''),
      'version-id': z.string().optional(),
      sequencer: z.string(),
    }),
    reason: z.enum(['PutObject', 'POST Object', 'CopyObject', 'CompleteMultipartUpload']).or(z.string()),
  }),
});
export type S3ObjectCreatedEvent = z.infer<typeof S3ObjectCreatedEvent>;

export function parseObjectCreated(event: unknown): S3ObjectCreatedEvent {
  const parsed = S3ObjectCreatedEvent.safeParse(event);
  if (!parsed.success) {
    throw new MalformedObjectEventError(
      `Not an S3 "Object Created" EventBridge event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  // S3 URL-encodes keys in notifications (spaces arrive as "+").
  parsed.data.detail.object.key = decodeURIComponent(parsed.data.detail.object.key.replaceAll('+', ' '));
  return parsed.data;
}

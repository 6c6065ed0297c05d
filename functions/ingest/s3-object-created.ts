import * as z from 'zod';
import { S3EventNotificationEventBridgeSchema } from '../platform/aws-event-schemas.js';
import { MalformedObjectEventError } from './errors.js';

/** S3 limits object key names to 1024 bytes of UTF-8 (S3 user guide, "Naming Amazon S3 objects"). */
export const MAX_OBJECT_KEY_BYTES = 1024;

const PowertoolsDetail = S3EventNotificationEventBridgeSchema.shape.detail;

/**
 * The EventBridge `Object Created` event from S3, as the S3 user guide documents it: Powertools' schema of the
 * S3 -> EventBridge notification, narrowed to what the ledger needs. `detail-type` and `source` are pinned,
 * `sequencer` is required (the ledger orders deliveries by it), `size` and `etag` default for the rare event
 * without them, `version-id` exists only on versioned buckets and `reason` names the API.
 * `source-ip-address` is widened to any string: Powertools accepts IPv4 only, but a request over a dual-stack
 * endpoint comes from an IPv6 address, and an object written by an AWS service names the service instead.
 */
export const S3ObjectCreatedEvent = S3EventNotificationEventBridgeSchema.extend({
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  detail: PowertoolsDetail.extend({
    object: PowertoolsDetail.shape.object.extend({
      size: z.number().int().nonnegative().default(0),
      etag: z.string().default(''),
      sequencer: z.string(),
    }),
    'source-ip-address': z.string().optional(),
    reason: z.enum(['PutObject', 'POST Object', 'CopyObject', 'CompleteMultipartUpload']).or(z.string()),
  }),
});
export type S3ObjectCreatedEvent = z.infer<typeof S3ObjectCreatedEvent>;

/** What tells an event apart is reported first: an event of another kind says so before its other faults. */
const IDENTITY_FIELDS = ['detail-type', 'source'];
const rank = (issue: z.core.$ZodIssue) => {
  const at = IDENTITY_FIELDS.indexOf(String(issue.path[0]));
  return issue.path.length === 1 && at >= 0 ? at : IDENTITY_FIELDS.length;
};

/**
 * Parses and checks the event, and decodes its object key the way Powertools for Python's
 * `S3EventBridgeNotificationObject.key` does (`unquote_plus`): "+" is a space, then %XX escapes of UTF-8.
 * @throws MalformedObjectEventError naming the fields when the event is not a well-formed S3 `Object Created`
 *   event, including a key that is not valid URL encoding or is longer than S3 allows
 */
export function parseObjectCreated(event: unknown): S3ObjectCreatedEvent {
  const parsed = S3ObjectCreatedEvent.safeParse(event);
  if (!parsed.success) {
    const issues = [...parsed.error.issues].sort((a, b) => rank(a) - rank(b));
    throw new MalformedObjectEventError(
      `Not an S3 "Object Created" EventBridge event: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { cause: parsed.error },
    );
  }
  parsed.data.detail.object.key = decodeObjectKey(parsed.data.detail.object.key);
  return parsed.data;
}

/** The key as S3 stored it, from the URL-encoded form S3 puts in notifications (spaces arrive as "+"). */
export function decodeObjectKey(encoded: string): string {
  let key: string;
  try {
    key = decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch (error) {
    throw new MalformedObjectEventError(
      `Malformed S3 "Object Created" EventBridge event: detail.object.key ${quoted(encoded)} is not URL-encoded UTF-8 (a "%" not followed by two hex digits, or escapes that are not UTF-8)`,
      { cause: error },
    );
  }
  if (Buffer.from(key, 'utf8').toString('utf8') !== key) {
    throw new MalformedObjectEventError(
      `Malformed S3 "Object Created" EventBridge event: detail.object.key ${quoted(encoded)} holds a lone UTF-16 surrogate, which no S3 key (UTF-8) can`,
    );
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_OBJECT_KEY_BYTES) {
    throw new MalformedObjectEventError(
      `Malformed S3 "Object Created" EventBridge event: detail.object.key ${quoted(encoded)} is ${bytes} bytes long once decoded, over the ${MAX_OBJECT_KEY_BYTES} bytes S3 allows`,
    );
  }
  return key;
}

/** The raw key for a message: JSON-quoted (control characters visible), cut when very long. */
function quoted(key: string): string {
  return key.length > 300
    ? `${JSON.stringify(key.slice(0, 300))}... (${key.length} characters)`
    : JSON.stringify(key);
}

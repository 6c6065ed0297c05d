import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The AWS message shapes in ../shared/aws-events (as AWS documents them), with a fallback copy in test/fixtures. */
const here = dirname(fileURLToPath(import.meta.url));

export function awsEvent<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(here, '..', 'fixtures', 'aws-events', name), 'utf8')) as T;
}

/** An S3 -> EventBridge `Object Created` event for `key`, built from the documented sample. */
export function objectCreated(
  key: string,
  overrides: { etag?: string; sequencer?: string; size?: number; reason?: string } = {},
) {
  const event = awsEvent<{ detail: { object: Record<string, unknown>; reason: string } }>(
    's3-object-created.eventbridge.json',
  );
  event.detail.object.key = key;
  if (overrides.etag !== undefined) event.detail.object.etag = overrides.etag;
  if (overrides.sequencer !== undefined) event.detail.object.sequencer = overrides.sequencer;
  if (overrides.size !== undefined) event.detail.object.size = overrides.size;
  if (overrides.reason !== undefined) event.detail.reason = overrides.reason;
  return event;
}

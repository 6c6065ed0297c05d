import fc from 'fast-check';
import { MalformedObjectEventError } from '../../../functions/ingest/errors.js';
import {
  MAX_OBJECT_KEY_BYTES,
  parseObjectCreated,
  type S3ObjectCreatedEvent,
} from '../../../functions/ingest/s3-object-created.js';
import { awsEvent, objectCreated } from '../../support/aws-events.js';
import { anyJson, applyMutation, awkwardString, mutationOf, RUNS, thrownBy } from '../../support/fuzz.js';

const documented = awsEvent('s3-object-created.eventbridge.json');

/** As S3 puts a key in a notification: each character URL-encoded as UTF-8, spaces as "+". */
const s3Encoded = (key: string) => key.split('/').map(encodeURIComponent).join('/').replaceAll('%20', '+');

/** A parse either gives an event with the fields the ledger needs, typed, or a MalformedObjectEventError. */
function parsedOrTypedError(event: unknown): S3ObjectCreatedEvent | MalformedObjectEventError {
  let parsed: S3ObjectCreatedEvent;
  try {
    parsed = parseObjectCreated(event);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedObjectEventError);
    return error as MalformedObjectEventError;
  }
  const { key, size, etag, sequencer } = parsed.detail.object;
  expect(typeof key).toBe('string');
  expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_OBJECT_KEY_BYTES);
  expect(Number.isInteger(size) && size >= 0).toBe(true);
  expect([typeof etag, typeof sequencer]).toEqual(['string', 'string']);
  expect(parsed['detail-type']).toBe('Object Created');
  return parsed;
}

describe('parseObjectCreated, for any input', () => {
  it('gives a typed event or a MalformedObjectEventError for arbitrary JSON', () => {
    fc.assert(
      fc.property(anyJson, (event) => {
        // Act
        const outcome = parsedOrTypedError(event);
        // Assess
        expect(outcome).toBeInstanceOf(MalformedObjectEventError);
      }),
      RUNS,
    );
  });

  it('names the changed field when a mutated documented event is refused', () => {
    fc.assert(
      fc.property(mutationOf(documented), (mutation) => {
        // Prepare
        const event = applyMutation(documented, mutation);
        // Act
        const outcome = parsedOrTypedError(event);
        // Assess
        if (outcome instanceof MalformedObjectEventError) {
          expect(outcome.message).toContain(mutation.path.join('.'));
        }
      }),
      RUNS,
    );
  });

  it('gives the decoded key or a MalformedObjectEventError naming detail.object.key, for any key', () => {
    fc.assert(
      fc.property(fc.oneof(awkwardString, fc.stringMatching(/^[%+ A-Fa-f0-9Zë/]{0,40}$/)), (key) => {
        // Act
        const outcome = parsedOrTypedError(objectCreated(key));
        // Assess
        if (outcome instanceof MalformedObjectEventError) {
          expect(outcome.message).toContain('detail.object.key');
        }
      }),
      RUNS,
    );
  });

  it('gives back the very key S3 stored, whatever its characters, once S3 has encoded it', () => {
    const storedKey = fc
      .string({
        unit: fc.oneof(
          fc.constantFrom('%', '+', ' ', '/', 'ë', '日', '🙂', '%2B', '%25'),
          fc.string({ unit: 'binary', maxLength: 1 }),
        ),
        maxLength: 300,
      })
      .filter((key) => Buffer.byteLength(key) <= MAX_OBJECT_KEY_BYTES);
    fc.assert(
      fc.property(storedKey, (key) => {
        // Act
        const parsed = parseObjectCreated(objectCreated(s3Encoded(key)));
        // Assess
        expect(parsed.detail.object.key).toBe(key);
      }),
      RUNS,
    );
  });

  it('refuses a key with a lone surrogate or over 1024 bytes, naming detail.object.key', () => {
    const impossibleKey = fc.oneof(
      fc.string({ minLength: MAX_OBJECT_KEY_BYTES + 1, maxLength: 4000 }),
      fc
        .tuple(fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string())
        .map(([before, unit, after]) => `${before}${String.fromCharCode(unit)}${after}`)
        .filter((key) => Buffer.from(key).toString() !== key),
    );
    fc.assert(
      fc.property(impossibleKey, (key) => {
        // Act
        const error = thrownBy(() => parseObjectCreated(objectCreated(key)));
        // Assess
        expect(error).toBeInstanceOf(MalformedObjectEventError);
        expect((error as Error).message).toContain('detail.object.key');
      }),
      RUNS,
    );
  });
});

import { MalformedObjectEventError } from '../../../functions/ingest/errors.js';
import { classifyObjectKey } from '../../../functions/ingest/object-key.js';
import { parseObjectCreated } from '../../../functions/ingest/s3-object-created.js';
import { awsEvent, objectCreated } from '../../support/aws-events.js';
import { thrownBy } from '../../support/fuzz.js';

/** As S3 puts a key in a notification: each character URL-encoded as UTF-8, spaces as "+". */
const s3Encoded = (key: string) => key.split('/').map(encodeURIComponent).join('/').replaceAll('%20', '+');

describe('parseObjectCreated', () => {
  it('keeps the documented fields of the event, typed', () => {
    // Prepare
    const event = awsEvent('s3-object-created.eventbridge.json');
    // Act
    const parsed = parseObjectCreated(event);
    // Assess
    expect(parsed).toMatchObject({
      account: '111122223333',
      region: 'ca-central-1',
      time: '2021-11-12T00:00:00Z',
      detail: {
        bucket: { name: 'amzn-s3-demo-bucket1' },
        object: {
          key: 'subjects/ana/IMG_0001.jpg',
          size: 5242880,
          etag: 'b1946ac92492d2347c6235b4d2611184-2',
          'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
          sequencer: '617f08299329d189',
        },
        reason: 'CompleteMultipartUpload',
      },
    });
  });

  it.each([
    ['a space', 'subjects/ana/photo 1.jpg', 'subjects/ana/photo+1.jpg'],
    ['a plus sign', 'subjects/ana/1+2.jpg', 'subjects/ana/1%2B2.jpg'],
    ['a literal "%2B"', 'subjects/ana/a%2Bb.jpg', 'subjects/ana/a%252Bb.jpg'],
    ['a literal "%25"', 'subjects/ana/100%25.jpg', 'subjects/ana/100%2525.jpg'],
    ['a percent sign', 'subjects/ana/100%.jpg', 'subjects/ana/100%25.jpg'],
    [
      'non-ASCII letters, a space and a plus',
      'subjects/zoë/photo 1+2.jpg',
      'subjects/zo%C3%AB/photo+1%2B2.jpg',
    ],
    ['CJK and an emoji', 'subjects/ana/写真 🙂.jpg', 'subjects/ana/%E5%86%99%E7%9C%9F+%F0%9F%99%82.jpg'],
  ])('decodes a key with %s as S3 encodes it', (_, key, encoded) => {
    // Prepare
    expect(s3Encoded(key)).toBe(encoded);
    // Act
    const parsed = parseObjectCreated(objectCreated(encoded));
    // Assess
    expect(parsed.detail.object.key).toBe(key);
  });

  it('files a photo whose name has spaces, "+" and non-ASCII under its subject', () => {
    // Prepare
    const event = objectCreated(s3Encoded('subjects/zoe/zoë photo 1+2.jpg'));
    // Act
    const kind = classifyObjectKey(parseObjectCreated(event).detail.object.key);
    // Assess
    expect(kind).toEqual({ kind: 'photo', tenantId: 'default', subjectId: 'zoe', path: 'zoë photo 1+2.jpg' });
  });

  it.each([
    ['a lone "%"', 'subjects/ana/100%.jpg'],
    ['a cut-off escape', 'subjects/ana/%E0%A4%A.jpg'],
    ['a "%" before non-hex characters', 'subjects/ana/%ZZ.jpg'],
    ['escapes that are not UTF-8', 'subjects/ana/%C3.jpg'],
    ['an escape of a byte never used in UTF-8', 'subjects/ana/%FF.jpg'],
  ])('refuses a key with %s as a malformed event naming the key, not a bare URIError', (_, key) => {
    // Act
    const error = thrownBy(() => parseObjectCreated(objectCreated(key)));
    // Assess
    expect(error).toBeInstanceOf(MalformedObjectEventError);
    expect((error as Error).message).toContain('Malformed S3 "Object Created" EventBridge event');
    expect((error as Error).message).toContain(`detail.object.key ${JSON.stringify(key)}`);
    expect((error as Error).cause).toBeInstanceOf(URIError);
  });

  it('takes a key of 1024 bytes and refuses a longer one, which S3 cannot have sent', () => {
    // Prepare: "ë" is two bytes of UTF-8
    const longest = `subjects/ana/x${'ë'.repeat(503)}.jpg`;
    const tooLong = `subjects/ana/${'ë'.repeat(504)}.jpg`;
    // Act
    const parsed = parseObjectCreated(objectCreated(s3Encoded(longest)));
    const error = thrownBy(() => parseObjectCreated(objectCreated(s3Encoded(tooLong))));
    // Assess
    expect([Buffer.byteLength(longest), Buffer.byteLength(tooLong)]).toEqual([1024, 1025]);
    expect(parsed.detail.object.key).toBe(longest);
    expect(error).toBeInstanceOf(MalformedObjectEventError);
    expect((error as Error).message).toMatch(
      /detail\.object\.key .* 1025 bytes long once decoded, over the 1024/,
    );
  });

  it.each([
    ['an IPv6 client', '2001:db8::8a2e:370:7334'],
    ['an AWS service', 's3.amazonaws.com'],
  ])('takes an event from %s, whose source-ip-address Powertools would refuse', (_, address) => {
    // Prepare
    const event = objectCreated('subjects/ana/IMG_0001.jpg') as { detail: Record<string, unknown> };
    event.detail['source-ip-address'] = address;
    // Act
    const parsed = parseObjectCreated(event);
    // Assess
    expect(parsed.detail['source-ip-address']).toBe(address);
  });

  it('names the detail-type first for an event of another kind', () => {
    // Prepare
    const event = { ...awsEvent('s3-object-created.eventbridge.json'), 'detail-type': 'Object Deleted' };
    // Act
    const error = thrownBy(() => parseObjectCreated(event));
    // Assess
    expect(error).toBeInstanceOf(MalformedObjectEventError);
    expect((error as Error).message).toMatch(/^Not an S3 "Object Created" EventBridge event: detail-type: /);
  });
});

/**
 * Issue 11, retention: nothing the pipeline stores about a person is kept forever by accident. Lifecycle rules per
 * prefix of the ingest bucket, previous versions and incomplete uploads cleaned up, access logs expired.
 */
import { Match } from 'aws-cdk-lib/assertions';
import * as layout from '../../../functions/platform/bucket-layout.js';
import { propertiesOf, synthesizePipeline } from './synthesized-pipeline.js';

interface Rule {
  Id: string;
  Status: string;
  Prefix?: string;
  ExpirationInDays?: number;
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
  ExpiredObjectDeleteMarker?: boolean;
}

function rulesOf(context: Record<string, unknown> = {}) {
  const { stack, resources } = synthesizePipeline(context);
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const rules = (bucketId: string) =>
    (propertiesOf(resources, bucketId).LifecycleConfiguration as { Rules: Rule[] }).Rules;
  return {
    photos: rules(id(stack.photos.bucket)),
    accessLogs: rules(id(stack.photos.accessLogs)),
    resources,
  };
}

const byPrefix = (rules: Rule[]) => Object.fromEntries(rules.map((r) => [r.Prefix ?? '(bucket)', r]));

describe('ingest bucket lifecycle', () => {
  test('each prefix expires after its retention, with noncurrent versions after a day and aborted uploads', () => {
    // Prepare: the defaults

    // Act
    const { photos } = rulesOf();

    // Assess
    const rules = byPrefix(photos);
    const expected: Record<string, number> = {
      [layout.SUBJECTS_PREFIX]: 30,
      [layout.TENANTS_PREFIX]: 30,
      [layout.TRAINING_PREFIX]: 30,
      [layout.QUARANTINE_PREFIX]: 7,
      [layout.AVATARS_PREFIX]: 90,
      [layout.ASYNC_INFERENCE_PREFIX]: 7,
      [layout.ADAPTERS_PREFIX]: 7,
    };
    for (const [prefix, days] of Object.entries(expected)) {
      expect({ prefix, rule: rules[prefix] }).toEqual({
        prefix,
        rule: {
          Id: expect.any(String),
          Status: 'Enabled',
          Prefix: prefix,
          ExpirationInDays: days,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        },
      });
    }
    // The rest of the bucket (models/): previous versions and delete markers go, current models stay.
    expect(rules['(bucket)']).toEqual({
      Id: 'DeleteNoncurrentVersions',
      Status: 'Enabled',
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      ExpiredObjectDeleteMarker: true,
    });
    expect(rules[layout.MODELS_PREFIX]).toBeUndefined();
    expect(photos).toHaveLength(Object.keys(expected).length + 1);
  });

  test('every prefix of the bucket layout that holds a person’s data has a rule', () => {
    // Prepare: every *_PREFIX constant of bucket-layout.ts but models/ (kept until erasure) and the async subfolders
    const prefixes = Object.entries(layout)
      .filter(([name, value]) => name.endsWith('_PREFIX') && typeof value === 'string')
      .map(([, value]) => value as string)
      .filter((p) => p !== layout.MODELS_PREFIX && !p.startsWith(`${layout.ASYNC_INFERENCE_PREFIX}`));

    // Act
    const { photos } = rulesOf();

    // Assess
    const ruled = photos.map((r) => r.Prefix).filter(Boolean);
    for (const prefix of [...prefixes, layout.ASYNC_INFERENCE_PREFIX]) expect(ruled).toContain(prefix);
  });

  test('the retention keys of the context set the days', () => {
    // Prepare
    const context = {
      photoRetentionDays: '14',
      quarantineRetentionDays: 3,
      avatarRetentionDays: '365',
      trainingOutputRetentionDays: 2,
      noncurrentVersionRetentionDays: '5',
      accessLogRetentionDays: 30,
    };

    // Act
    const { photos, accessLogs } = rulesOf(context);

    // Assess
    const rules = byPrefix(photos);
    expect(rules[layout.SUBJECTS_PREFIX]?.ExpirationInDays).toBe(14);
    expect(rules[layout.TENANTS_PREFIX]?.ExpirationInDays).toBe(14);
    expect(rules[layout.TRAINING_PREFIX]?.ExpirationInDays).toBe(14);
    expect(rules[layout.QUARANTINE_PREFIX]?.ExpirationInDays).toBe(3);
    expect(rules[layout.AVATARS_PREFIX]?.ExpirationInDays).toBe(365);
    expect(rules[layout.ADAPTERS_PREFIX]?.ExpirationInDays).toBe(2);
    for (const rule of photos) expect(rule.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 5 });
    expect(accessLogs).toEqual([expect.objectContaining({ ExpirationInDays: 30 })]);
  });

  test('retention keys outside their bounds are refused, naming the key', () => {
    for (const [key, value] of [
      ['photoRetentionDays', 0],
      ['quarantineRetentionDays', '1.5'],
      ['avatarRetentionDays', 3651],
      ['noncurrentVersionRetentionDays', 366],
      ['accessLogRetentionDays', 'forever'],
    ] as const) {
      // Prepare, Act
      const attempt = () => synthesizePipeline({ [key]: value });
      // Assess
      expect(attempt).toThrow(`"${key}"`);
    }
  });
});

describe('access logs and ledger', () => {
  test('access logs expire after 90 days by default and incomplete uploads are aborted', () => {
    // Prepare, Act
    const { accessLogs } = rulesOf();

    // Assess
    expect(accessLogs).toEqual([
      {
        Id: 'ExpireAccessLogs',
        Status: 'Enabled',
        ExpirationInDays: 90,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
  });

  test('the ledger and the training state table expire items by their expiresAt attribute', () => {
    // Prepare
    const { stack, template } = synthesizePipeline();

    // Act
    const tables = [stack.ingest.ledger, stack.training.stateTable].map((t) =>
      stack.getLogicalId(t.node.defaultChild as never),
    );

    // Assess
    for (const id of tables) {
      expect(template.toJSON().Resources[id].Properties.TimeToLiveSpecification).toEqual({
        AttributeName: 'expiresAt',
        Enabled: true,
      });
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpiredObjectDeleteMarker: true })]),
      },
    });
  });

  test.each([
    [{}, '30'],
    [{ photoRetentionDays: 7 }, '7'],
  ])('the functions that write ledger object rows are told the photo retention (%j)', (context, days) => {
    // Prepare
    const { stack, resources } = synthesizePipeline(context);

    // Act
    const envOf = (fn: { node: { defaultChild?: unknown } }) =>
      (
        propertiesOf(resources, stack.getLogicalId(fn.node.defaultChild as never)).Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

    // Assess: PHOTO# and IGNORED# rows then get expiresAt = write time + days + 1 (test/unit/ingest/ledger-ttl)
    expect(envOf(stack.ingest.recordPhoto).PHOTO_RETENTION_DAYS).toBe(days);
    expect(envOf(stack.ingest.startWaitingSubjects).PHOTO_RETENTION_DAYS).toBe(days);
  });
});

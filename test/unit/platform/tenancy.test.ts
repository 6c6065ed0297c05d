import fc from 'fast-check';
import {
  DEFAULT_TENANT_ID,
  SUBJECT_ID_PATTERN,
  type SubjectRef,
  TENANT_ID_PATTERN,
} from '../../../events/identifiers.js';
import { classifyObjectKey } from '../../../functions/ingest/object-key.js';
import {
  ADAPTERS_PREFIX,
  AVATARS_PREFIX,
  adapterKey,
  avatarKey,
  isOwnedKey,
  MODELS_PREFIX,
  QUARANTINE_PREFIX,
  quarantineKey,
  subjectFolder,
  TRAINING_PREFIX,
  targetModelOf,
  trainingSetPrefix,
} from '../../../functions/platform/bucket-layout.js';
import { OwnershipError } from '../../../functions/platform/errors.js';
import { assertOwnedKeys } from '../../../functions/platform/ownership.js';

const tenantIds = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('-'))
  .filter((id) => id.length <= 32);
const subjectIds = fc.stringMatching(SUBJECT_ID_PATTERN);
const refs = fc.record({
  tenantId: fc.oneof(fc.constant(DEFAULT_TENANT_ID), tenantIds),
  subjectId: subjectIds,
});
const distinctRefs = fc
  .tuple(refs, refs)
  .filter(([a, b]) => a.tenantId !== b.tenantId || a.subjectId !== b.subjectId);

/** Every key the pipeline writes for a subject, with the prefix a task checks it under. */
function keysOf(ref: SubjectRef): Array<{ key: string; prefix?: string }> {
  const target = { ...ref, modelVersion: 'v-0123456789ab', requestId: 'req-1' };
  const image = { promptId: 'p01', imageIndex: 0 };
  return [
    { key: `${subjectFolder(ref)}photo.jpg` },
    { key: `${trainingSetPrefix(ref, 'is-0123456789abcdef')}images/01.jpg`, prefix: TRAINING_PREFIX },
    { key: adapterKey(ref, 'v-0123456789ab'), prefix: ADAPTERS_PREFIX },
    { key: `${MODELS_PREFIX}${targetModelOf(ref, 'v-0123456789ab')}`, prefix: MODELS_PREFIX },
    { key: avatarKey(target, image), prefix: AVATARS_PREFIX },
    { key: quarantineKey(target, image, 1), prefix: QUARANTINE_PREFIX },
  ];
}

describe('tenant-scoped bucket layout', () => {
  it('generates tenant ids the rule accepts', () => {
    // Act and assess: the generator above is only useful if it stays inside the rule.
    fc.assert(fc.property(tenantIds, (id) => TENANT_ID_PATTERN.test(id)));
  });

  it('never lets one subject own a key of another, of the same or another tenant', () => {
    fc.assert(
      fc.property(distinctRefs, ([owner, other]) => {
        for (const { key, prefix } of keysOf(other)) {
          // Act
          const owned = prefix ? isOwnedKey(owner, key, prefix) : key.startsWith(subjectFolder(owner));
          const check = () =>
            assertOwnedKeys(owner, [key], { task: 'AnyTask', ...(prefix ? { prefix } : {}) });
          // Assess
          expect(owned).toBe(false);
          expect(check).toThrow(OwnershipError);
        }
      }),
    );
  });

  it('accepts every key the pipeline writes for the subject itself', () => {
    fc.assert(
      fc.property(refs, (ref) => {
        for (const { key, prefix } of keysOf(ref)) {
          // Act and assess
          expect(() =>
            assertOwnedKeys(ref, [key], { task: 'AnyTask', ...(prefix ? { prefix } : {}) }),
          ).not.toThrow();
        }
      }),
    );
  });

  it('names the key, the subject and the expected folder when it refuses', () => {
    // Prepare
    const ana = { tenantId: 'acme', subjectId: 'ana' };
    // Act
    const refuse = () =>
      assertOwnedKeys(ana, ['training/globex/ana/is-0123456789abcdef/images/01.jpg'], {
        task: 'PrepareTrainingSet',
        prefix: TRAINING_PREFIX,
      });
    // Assess
    expect(refuse).toThrow(
      'PrepareTrainingSet was given "training/globex/ana/is-0123456789abcdef/images/01.jpg", which is not an object of acme/ana (expected a key under training/acme/ana/); nothing was read or written',
    );
  });
});

describe('drop folders of tenants', () => {
  it('reads the tenant and subject back from any photo key of a subject folder', () => {
    fc.assert(
      fc.property(refs, (ref) => {
        // Act
        const kind = classifyObjectKey(`${subjectFolder(ref)}photo.jpg`);
        // Assess
        expect(kind).toEqual({
          kind: 'photo',
          tenantId: ref.tenantId,
          subjectId: ref.subjectId,
          path: 'photo.jpg',
        });
      }),
    );
  });

  it.each([
    ['subjects/ana/1.jpg', { kind: 'photo', tenantId: 'default', subjectId: 'ana' }],
    ['tenants/acme/subjects/ana/1.jpg', { kind: 'photo', tenantId: 'acme', subjectId: 'ana' }],
    ['tenants/acme/subjects/ana/subject.json', { kind: 'settings', tenantId: 'acme', subjectId: 'ana' }],
    [
      'tenants/acme/subjects/Ana Maria/1.jpg',
      { kind: 'invalid-folder', tenantId: 'acme', folder: 'Ana Maria' },
    ],
  ])('classifies %s', (key, expected) => {
    // Act
    const kind = classifyObjectKey(key);
    // Assess
    expect(kind).toMatchObject(expected);
  });

  it.each([
    ['tenants/default/subjects/ana/1.jpg', 'the default tenant has one folder per subject, under subjects/'],
    ['tenants/Acme/subjects/ana/1.jpg', 'tenant ids are lower case'],
    ['tenants/a--b/subjects/ana/1.jpg', 'a tenant id has no "--"'],
    ['tenants/-acme/subjects/ana/1.jpg', 'a tenant id starts with a letter or digit'],
    ['tenants/acme/photos/ana/1.jpg', 'a tenant folder holds subjects/ only'],
    ['tenants/acme/1.jpg', 'a file at the top of a tenant folder'],
  ])('leaves %s outside the pipeline (%s), saying where a subject folder goes', (key) => {
    // Act
    const kind = classifyObjectKey(key);
    // Assess
    expect(kind.kind).toBe('outside');
    expect(kind).toMatchObject({ why: expect.stringContaining('tenants/<tenantId>/subjects/<subjectId>/') });
  });
});

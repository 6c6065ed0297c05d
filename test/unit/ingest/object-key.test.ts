import { SUBJECT_ID_PATTERN } from '../../../events/identifiers.js';
import { executionNameFor, imageSetIdOf } from '../../../functions/ingest/image-set.js';
import { classifyObjectKey } from '../../../functions/ingest/object-key.js';
import { isLaterSequencer } from '../../../functions/ingest/s3-sequencer.js';

describe('classifyObjectKey', () => {
  it.each([
    ['subjects/ana/IMG_0001.jpg', 'photo'],
    ['subjects/ana/holiday/IMG_0002.HEIC', 'photo'],
    ['subjects/ana/subject.json', 'settings'],
    ['subjects/ana/.DS_Store', 'junk'],
    ['subjects/ana/Thumbs.db', 'junk'],
    ['subjects/ana/desktop.ini', 'junk'],
    ['subjects/ana/__MACOSX/._IMG_0001.jpg', 'junk'],
    ['subjects/ana/._IMG_0002.jpg', 'junk'],
    ['subjects/ana/', 'outside'],
    ['uploads/ana/IMG_0001.jpg', 'outside'],
    ['subjects/bad id!/IMG.jpg', 'invalid-folder'],
    ['subjects/ana/Subject.JSON', 'settings'],
    ['subjects/ana/holiday/subject.json', 'junk'],
  ])('classifies %s as %s', (key, kind) => {
    // Act
    const result = classifyObjectKey(key);
    // Assess
    expect(result.kind).toBe(kind);
  });

  it('says why a folder name is not a valid subject id, and suggests one', () => {
    // Act
    const result = classifyObjectKey('subjects/bad id!/IMG.jpg');
    // Assess
    expect(result).toMatchObject({
      kind: 'invalid-folder',
      folder: 'bad id!',
      suggestedSubjectId: 'bad-id',
      why: expect.stringContaining('"bad id!"'),
    });
  });

  it.each([
    ['Zoë Smith', 'Zoe-Smith'],
    ['-leading-dash', 'leading-dash'],
    ['ana maria', 'ana-maria'],
    ['café  au lait', 'cafe-au-lait'],
    ['a'.repeat(70), 'a'.repeat(64)],
    ['日本語', expect.stringMatching(/^subject-[a-f0-9]{8}$/)],
    ['...', expect.stringMatching(/^subject-[a-f0-9]{8}$/)],
  ])('suggests a valid subject id for the folder "%s"', (folder, suggestion) => {
    // Act
    const result = classifyObjectKey(`subjects/${folder}/IMG.jpg`);
    // Assess
    expect(result).toMatchObject({ kind: 'invalid-folder', suggestedSubjectId: suggestion });
    if (result.kind === 'invalid-folder') expect(result.suggestedSubjectId).toMatch(SUBJECT_ID_PATTERN);
  });

  it('names a settings file in a subfolder as misplaced, with where it belongs', () => {
    // Act
    const result = classifyObjectKey('subjects/ana/holiday/subject.json');
    // Assess
    expect(result).toMatchObject({
      kind: 'junk',
      path: 'holiday/subject.json',
      why: expect.stringContaining('move it to subjects/ana/subject.json'),
    });
  });
});

describe('isLaterSequencer', () => {
  it('orders values of equal length', () => {
    expect(isLaterSequencer('617f08299329d18a', '617f08299329d189')).toBe(true);
    expect(isLaterSequencer('617f08299329d188', '617f08299329d189')).toBe(false);
  });

  it('pads the shorter value with zeros on the right before comparing', () => {
    expect(isLaterSequencer('617f0829932a', '617f08299329d189')).toBe(true);
    expect(isLaterSequencer('617f08299329d189', '617f08299329d189')).toBe(false);
  });

  it('treats a first event as later than nothing', () => {
    expect(isLaterSequencer('00', undefined)).toBe(true);
  });
});

describe('imageSetIdOf', () => {
  const photos = [
    { key: 'subjects/a/1.jpg', size: 1, etag: 'e1' },
    { key: 'subjects/a/2.jpg', size: 1, etag: 'e2' },
  ];

  it('is the same for the same contents in any order', () => {
    expect(imageSetIdOf(photos, 's')).toBe(imageSetIdOf([...photos].reverse(), 's'));
    expect(imageSetIdOf(photos, 's')).toMatch(/^is-[a-f0-9]{16}$/);
  });

  it('changes when a photo or subject.json changes', () => {
    const [first, second] = photos;
    if (!first || !second) throw new Error('two photos expected');
    const changed = [first, { ...second, etag: 'e3' }];
    expect(imageSetIdOf(changed, 's')).not.toBe(imageSetIdOf(photos, 's'));
    expect(imageSetIdOf(photos, 't')).not.toBe(imageSetIdOf(photos, 's'));
  });

  it('derives a valid Step Functions execution name per generation', () => {
    // Act
    const name = executionNameFor({ tenantId: 'default', subjectId: 'ana.maria@x' }, '0a1b2c3d', 2);
    const tenants = executionNameFor({ tenantId: 'acme', subjectId: 'ana' }, '0a1b2c3d', 2);
    const long = executionNameFor({ tenantId: 't'.repeat(32), subjectId: 'a'.repeat(64) }, '0a1b2c3d', 123);
    // Assess
    expect(name).toBe('ana_maria_x-0a1b2c3d-g2');
    expect(tenants).toBe('acme--ana-0a1b2c3d-g2');
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+-0a1b2c3d-g123$/);
  });
});

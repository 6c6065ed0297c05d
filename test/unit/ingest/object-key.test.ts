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
    ['subjects/bad id!/IMG.jpg', 'outside'],
  ])('classifies %s as %s', (key, kind) => {
    // Act
    const result = classifyObjectKey(key);
    // Assess
    expect(result.kind).toBe(kind);
  });

  it('says why a folder name is not a valid subject id', () => {
    const result = classifyObjectKey('subjects/bad id!/IMG.jpg');
    expect(result).toMatchObject({ kind: 'outside', why: expect.stringContaining('"bad id!"') });
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

  it('derives a valid Step Functions execution name', () => {
    const name = executionNameFor('ana.maria@x', 'is-0123456789abcdef');
    expect(name).toBe('ana_maria_x-is-0123456789abcdef');
    expect(executionNameFor('a'.repeat(64), 'is-0123456789abcdef').length).toBeLessThanOrEqual(80);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { inspectPhoto } from '../../../functions/validation/inspect-photo.js';
import { hammingDistance } from '../../../functions/validation/perceptual-hash.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';
import { decompressionBombPng } from '../../../local/samples/decompression-bomb-png.js';
import { generateSampleSubjects } from '../../../local/samples/generate-sample-subjects.js';
import { createSampleStore, type SampleStore } from './sample-store.js';

describe('generateSampleSubjects', () => {
  let samples: SampleStore;

  beforeAll(async () => {
    samples = await createSampleStore(['good-ana', 'good-ben', 'mixed-dee']);
  }, 30_000);
  afterAll(() => samples.remove());

  it('writes the good photos, the settings and the junk of each subject', () => {
    // Assess
    const ana = samples.subject('good-ana').files;
    expect(ana.filter((file) => file.expected === 'good')).toHaveLength(12);
    expect(ana).toContainEqual({ name: 'subject.json', expected: 'settings' });
    const ben = samples.subject('good-ben').files;
    expect(ben.filter((file) => file.expected === 'good')).toHaveLength(11);
    expect(ben.filter((file) => file.expected === 'junk').map((file) => file.name)).toEqual([
      '.DS_Store',
      'Thumbs.db',
      'desktop.ini',
      '__MACOSX/._IMG_0001.jpg',
      '._IMG_0002.jpg',
    ]);
  });

  it("writes ana's settings with the class word 'woman'", async () => {
    // Act
    const settings = JSON.parse(
      await readFile(join(samples.subject('good-ana').dir, 'subject.json'), 'utf8'),
    );

    // Assess
    expect(settings).toEqual({ classWord: 'woman' });
  });

  it('writes portraits of 768 to 1024 px whose perceptual hashes differ clearly', async () => {
    // Prepare
    const store = new FolderObjectStore(samples.root);
    const refs = await samples.photoRefs('good-ana');

    // Act
    const inspected = await Promise.all(refs.map((ref) => inspectPhoto(ref, store, validationPolicy())));

    // Assess
    const photos = inspected.flatMap((inspection) => (inspection.usable ? [inspection.photo] : []));
    expect(photos).toHaveLength(12);
    for (const photo of photos) {
      expect(Math.min(photo.width, photo.height)).toBeGreaterThanOrEqual(768);
      expect(Math.max(photo.width, photo.height)).toBeLessThanOrEqual(1024);
    }
    for (const [index, a] of photos.entries()) {
      for (const b of photos.slice(index + 1)) expect(hammingDistance(a.dHash, b.dHash)).toBeGreaterThan(10);
    }
  });

  it('stores one photo of ben sideways with EXIF orientation 6, portrait once rotated', async () => {
    // Act
    const metadata = await sharp(join(samples.subject('good-ben').dir, 'IMG_0011.jpg')).metadata();

    // Assess
    expect(metadata).toMatchObject({ orientation: 6, width: 1024, height: 768 });
    expect(metadata.autoOrient).toEqual({ width: 768, height: 1024 });
  });

  it('labels every bad file of dee with the problem it should raise', () => {
    // Assess
    const bad = samples
      .subject('mixed-dee')
      .files.filter((file) => file.expected !== 'good')
      .map((file) => [file.name, file.expected, file.duplicateOf]);
    expect(bad).toEqual([
      ['IMG_0001_copy.jpg', 'EXACT_DUPLICATE', 'IMG_0001.jpg'],
      ['IMG_0002_edited.jpg', 'NEAR_DUPLICATE', 'IMG_0002.jpg'],
      ['IMG_0101.jpg', 'TRUNCATED_OR_CORRUPT', undefined],
      ['IMG_0102.jpg', 'EMPTY_FILE', undefined],
      ['photo.jpg', 'NOT_AN_IMAGE', undefined],
      ['thumbnail.jpg', 'TOO_SMALL', undefined],
      ['IMG_4032.HEIC', 'HEIC_NOT_SUPPORTED', undefined],
      ['panorama.png', 'TOO_MANY_PIXELS', undefined],
    ]);
  });

  it('crafts a 900-megapixel PNG in about 100 KB with a valid header', async () => {
    // Act
    const png = decompressionBombPng(30_000);

    // Assess
    expect(png.byteLength).toBeLessThan(200_000);
    const metadata = await sharp(png, { limitInputPixels: false }).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 30_000, height: 30_000 });
  });

  it('is deterministic: the same seed writes the same bytes', async () => {
    // Prepare
    const again = await createSampleStore([]);
    try {
      // Act
      const [cam] = await generateSampleSubjects(join(again.root, 'a'), {
        subjects: ['too-few-cam'],
        seed: 7,
      });
      const [camAgain] = await generateSampleSubjects(join(again.root, 'b'), {
        subjects: ['too-few-cam'],
        seed: 7,
      });

      // Assess
      const first = await readFile(join(cam?.dir ?? '', 'IMG_0003.jpg'));
      const second = await readFile(join(camAgain?.dir ?? '', 'IMG_0003.jpg'));
      expect(first.equals(second)).toBe(true);
    } finally {
      await again.remove();
    }
  }, 30_000);
});

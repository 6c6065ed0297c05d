import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';
import { decompressionBombPng } from '../../../local/samples/decompression-bomb-png.js';

// The decode is wrapped in a spy so the test can prove the 900-megapixel PNG never reached it.
const actualDecode = await import('../../../functions/validation/decode-for-analysis.js');
const decodeForAnalysis = jest.fn(actualDecode.decodeForAnalysis);
jest.unstable_mockModule('../../../functions/validation/decode-for-analysis.js', () => ({
  ...actualDecode,
  decodeForAnalysis,
}));
const { inspectPhoto } = await import('../../../functions/validation/inspect-photo.js');

describe('a 900-megapixel PNG', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'avatar-bomb-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('is refused as TOO_MANY_PIXELS from its header, never decoded', async () => {
    // Prepare
    const store = new FolderObjectStore(root);
    const png = decompressionBombPng(30_000);
    await store.put('subjects/dee/panorama.png', png, 'image/png');

    // Act
    const inspection = await inspectPhoto(
      { key: 'subjects/dee/panorama.png', size: png.length, etag: '' },
      store,
      validationPolicy(),
    );

    // Assess
    expect(inspection).toMatchObject({ usable: false, problem: { code: 'TOO_MANY_PIXELS' } });
    expect(decodeForAnalysis).not.toHaveBeenCalled();
  });

  it('while an ordinary photo does go through the decode (the spy is live)', async () => {
    // Prepare
    const sharp = (await import('sharp')).default;
    const store = new FolderObjectStore(root);
    const jpeg = await sharp({ create: { width: 640, height: 640, channels: 3, background: '#aa8866' } })
      .jpeg()
      .toBuffer();
    await store.put('subjects/dee/plain.jpg', jpeg, 'image/jpeg');

    // Act
    await inspectPhoto(
      { key: 'subjects/dee/plain.jpg', size: jpeg.length, etag: '' },
      store,
      validationPolicy(),
    );

    // Assess
    expect(decodeForAnalysis).toHaveBeenCalledTimes(1);
  });
});

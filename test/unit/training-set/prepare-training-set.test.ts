import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { TrainingSetSummary } from '../../../events/pipeline-events.js';
import { SubjectSettings } from '../../../events/subject-settings.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { prepareTrainingSet } from '../../../functions/training-set/prepare-training-set.js';
import { prepareTrainingSetTask } from '../../../functions/training-set/prepare-training-set.task.js';

const parsePrepareTrainingSetInput = prepareTrainingSetTask.parse;

import type { PrepareTrainingSetInput } from '../../../state-machines/training/contract.js';

const policy = { resolution: 256, trainingPrefix: 'training/' };
const RED = { r: 255, g: 0, b: 0 };

/**
 * A grey photo with a red "face" square at a known place; stored sideways with EXIF orientation 6 when asked,
 * so a crop that ignored the orientation would miss the face.
 */
async function photoWithFace(
  width: number,
  height: number,
  face: { left: number; top: number; side: number },
  exif6 = false,
) {
  const upright = await sharp({ create: { width, height, channels: 3, background: '#777777' } })
    .composite([
      {
        input: { create: { width: face.side, height: face.side, channels: 3, background: RED } },
        left: face.left,
        top: face.top,
      },
    ])
    .png()
    .toBuffer();
  if (!exif6) return sharp(upright).jpeg({ quality: 95 }).toBuffer();
  return sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
}

async function pixelAt(jpeg: Uint8Array, x: number, y: number) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return { r: data[offset] ?? 0, g: data[offset + 1] ?? 0, b: data[offset + 2] ?? 0 };
}

describe('prepareTrainingSet', () => {
  let root: string;
  let store: FolderObjectStore;
  let input: PrepareTrainingSetInput;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'avatar-training-'));
    store = new FolderObjectStore(root);
    // Landscape, face right of centre; and portrait stored sideways, face in the upper left.
    await store.put(
      'subjects/ana/a.jpg',
      await photoWithFace(1200, 800, { left: 700, top: 300, side: 160 }),
      'image/jpeg',
    );
    await store.put(
      'subjects/ana/b.jpg',
      await photoWithFace(600, 900, { left: 100, top: 150, side: 150 }, true),
      'image/jpeg',
    );
    input = {
      tenantId: 'default',
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      settings: SubjectSettings.parse({ classWord: 'woman' }),
      photos: [
        {
          key: 'subjects/ana/a.jpg',
          faceBox: { left: 700 / 1200, top: 300 / 800, width: 160 / 1200, height: 160 / 800 },
        },
        {
          key: 'subjects/ana/b.jpg',
          faceBox: { left: 100 / 600, top: 150 / 900, width: 150 / 600, height: 150 / 900 },
        },
      ],
    };
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes face-centred square crops at the training resolution, EXIF orientation applied', async () => {
    // Act
    await prepareTrainingSet(input, { store, policy });

    // Assess
    for (const key of [
      'training/default/ana/is-0123456789abcdef/images/01.jpg',
      'training/default/ana/is-0123456789abcdef/images/02.jpg',
    ]) {
      const crop = await store.get(key);
      expect(await sharp(crop).metadata()).toMatchObject({ format: 'jpeg', width: 256, height: 256 });
      const centre = await pixelAt(crop, 128, 128);
      expect(centre.r).toBeGreaterThan(200);
      expect(centre.g).toBeLessThan(60);
      // 2.6 face sides: the face spans the middle ~38% of the crop, so the corners are background.
      const corner = await pixelAt(crop, 10, 10);
      expect(corner.r).toBeLessThan(150);
      expect(Math.abs(corner.r - corner.g)).toBeLessThan(30);
    }
  });

  it('writes the dataset manifest and returns the training set summary', async () => {
    // Act
    const output = await prepareTrainingSet(input, { store, policy });

    // Assess
    expect(TrainingSetSummary.parse(output.trainingSet)).toEqual({
      manifestKey: 'training/default/ana/is-0123456789abcdef/manifest.json',
      prefix: 'training/default/ana/is-0123456789abcdef/',
      resolution: 256,
      imageCount: 2,
      instancePrompt: 'a photo of zwx woman',
      classPrompt: 'a photo of woman',
    });
    const manifest = JSON.parse(
      Buffer.from(await store.get(output.trainingSet.manifestKey)).toString('utf8'),
    );
    expect(manifest).toEqual({
      schemaVersion: 1,
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      resolution: 256,
      instancePrompt: 'a photo of zwx woman',
      classPrompt: 'a photo of woman',
      images: [
        { key: 'training/default/ana/is-0123456789abcdef/images/01.jpg', sourceKey: 'subjects/ana/a.jpg' },
        { key: 'training/default/ana/is-0123456789abcdef/images/02.jpg', sourceKey: 'subjects/ana/b.jpg' },
      ],
    });
  });

  it('is idempotent: a second run writes the same keys with the same contents', async () => {
    // Prepare
    await prepareTrainingSet(input, { store, policy });
    const before = await store.list('training/');
    const bodies = await Promise.all(before.map((object) => store.get(object.key)));

    // Act
    await prepareTrainingSet(input, { store, policy });

    // Assess
    const after = await store.list('training/');
    expect(after).toEqual(before);
    const again = await Promise.all(after.map((object) => store.get(object.key)));
    for (const [index, body] of again.entries()) {
      expect(Buffer.from(body).equals(Buffer.from(bodies[index] ?? []))).toBe(true);
    }
  });

  it('refuses a malformed payload at the edge with a typed error naming the field', () => {
    // Act / Assess
    expect(() =>
      parsePrepareTrainingSetInput({
        tenantId: 'default',
        subjectId: 'ana',
        imageSetId: 'is-1',
        photos: [],
        settings: {},
      }),
    ).toThrow(
      expect.objectContaining({
        name: 'MalformedPrepareTrainingSetInputError',
        message: expect.stringContaining('photos'),
      }),
    );
  });
});

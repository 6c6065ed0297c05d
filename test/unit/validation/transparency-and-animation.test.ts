import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { TRANSPARENT_BACKGROUND } from '../../../functions/platform/photo-pixels.js';
import { cropTrainingImage } from '../../../functions/training-set/crop-training-image.js';
import { decodeForAnalysis } from '../../../functions/validation/decode-for-analysis.js';
import { inspectPhoto } from '../../../functions/validation/inspect-photo.js';
import { apngFrameCount } from '../../../functions/validation/read-image-header.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';
import { renderSyntheticPortrait } from '../../../local/samples/synthetic-portrait.js';

/**
 * Validation and the training crop decode a photo the same way (functions/platform/photo-pixels.ts): transparency
 * flattened onto one background, and the first frame of an animation, used with a note that says so.
 */
const SIDE = 800;
const FACE_BOX = { left: 0.35, top: 0.3, width: 0.3, height: 0.35 };
const MAX_PIXELS = 50_000_000;
const WHITE = [255, 255, 255];

const folders: string[] = [];
/** A folder standing in for the bucket, removed after the tests. */
function tempStore(): FolderObjectStore {
  const folder = mkdtempSync(join(tmpdir(), 'pixels-'));
  folders.push(folder);
  return new FolderObjectStore(folder);
}
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** An opaque portrait in the middle of a fully transparent canvas: a cut-out, as background removers save it. */
async function cutOut(seed: number): Promise<Buffer> {
  const portrait = await (await renderSyntheticPortrait({ width: SIDE / 2, height: SIDE / 2, seed }))
    .png()
    .toBuffer();
  return sharp({
    create: { width: SIDE, height: SIDE, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .composite([{ input: portrait, left: SIDE / 4, top: SIDE / 4 }])
    .png()
    .toBuffer();
}

/** A plain frame of one colour, so a decode shows which frame it read. */
function frame(colour: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

const RED = { r: 220, g: 30, b: 30 };
const BLUE = { r: 30, g: 30, b: 220 };
const GREEN = { r: 30, g: 200, b: 30 };

async function pixelAt(image: Uint8Array | Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [...data.subarray(offset, offset + 3)];
}

const near = (actual: number[], expected: number[], tolerance = 12) =>
  actual.every((value, index) => Math.abs(value - (expected[index] ?? 0)) <= tolerance);

describe('transparency: judged and trained on the same background', () => {
  const encodings: [string, (png: Buffer) => Promise<Buffer>][] = [
    ['RGBA PNG', async (png) => png],
    ['grey + alpha PNG', (png) => sharp(png).toColourspace('b-w').png().toBuffer()],
    ['WebP with alpha', (png) => sharp(png).webp({ quality: 95, alphaQuality: 100 }).toBuffer()],
  ];

  it.each(encodings)(
    '%s: validation and the training crop both see white where it is transparent',
    async (_, encode) => {
      // Prepare
      const bytes = await encode(await cutOut(11));

      // Act
      const analysis = await decodeForAnalysis(bytes, {
        longSidePx: 1024,
        maxPixels: MAX_PIXELS,
        hasAlpha: true,
      });
      const crop = await cropTrainingImage(bytes, FACE_BOX, { resolution: 256, maxPixels: MAX_PIXELS });

      // Assess
      expect(TRANSPARENT_BACKGROUND).toBe('#ffffff');
      expect(analysis.transparent).toBe(true);
      const { data, width, channels } = analysis.image.pixels;
      expect(near([...data.subarray(0, 3)], WHITE)).toBe(true);
      const lastRow = (width * (analysis.image.pixels.height - 1) + width - 1) * channels;
      expect(near([...data.subarray(lastRow, lastRow + 3)], WHITE)).toBe(true);
      expect(near(await pixelAt(crop, 0, 0), WHITE)).toBe(true);
      expect(near(await pixelAt(crop, 255, 255), WHITE)).toBe(true);
    },
  );

  it('notes a transparent background on the photo, and says nothing of an opaque one that merely has an alpha channel', async () => {
    // Prepare
    const store = tempStore();
    const opaqueWithAlpha = await sharp(await frame(RED))
      .ensureAlpha(1)
      .png()
      .toBuffer();
    await store.put('subjects/ana/cut/out.png', await cutOut(12), 'image/png');
    await store.put('subjects/ana/opaque.png', opaqueWithAlpha, 'image/png');
    const policy = validationPolicy();

    // Act
    const [cut, opaque] = await Promise.all(
      ['subjects/ana/cut/out.png', 'subjects/ana/opaque.png'].map(async (key) =>
        inspectPhoto(await store.head(key), store, policy),
      ),
    );

    // Assess
    if (!cut?.usable || !opaque?.usable) throw new Error('both photos should pass the file checks');
    expect(cut.photo.notes).toEqual([
      expect.stringMatching(/^cut\/out\.png has a transparent background.*white/),
    ]);
    expect(opaque.photo.notes).toEqual([]);
  });
});

/** An APNG built by hand: sharp writes only stills, and an animated PNG must be recognised as one. */
function animatedPng(frames: Buffer[]): Buffer {
  const chunksOf = (png: Buffer) => {
    const chunks: { type: string; data: Buffer }[] = [];
    for (let offset = 8; offset < png.length; ) {
      const length = png.readUInt32BE(offset);
      chunks.push({
        type: png.toString('latin1', offset + 4, offset + 8),
        data: png.subarray(offset + 8, offset + 8 + length),
      });
      offset += 12 + length;
    }
    return chunks;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const u32 = (...values: number[]) =>
    Buffer.concat(
      values.map((value) => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(value);
        return b;
      }),
    );
  const frameControl = (sequence: number) =>
    chunk('fcTL', Buffer.concat([u32(sequence, SIDE, SIDE, 0, 0), Buffer.from([0, 1, 0, 10, 0, 0])]));
  const first = chunksOf(frames[0] as Buffer);
  const out = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  let sequence = 0;
  for (const { type, data } of first) {
    if (type === 'IDAT' && sequence === 0) {
      out.push(chunk('acTL', u32(frames.length, 0)), frameControl(sequence++));
    }
    if (type === 'IEND') {
      for (const next of frames.slice(1)) {
        out.push(frameControl(sequence++));
        for (const idat of chunksOf(next).filter((c) => c.type === 'IDAT')) {
          out.push(chunk('fdAT', Buffer.concat([u32(sequence++), idat.data])));
        }
      }
    }
    out.push(chunk(type, data));
  }
  return Buffer.concat(out);
}

describe('animation: the first frame is used, and the photo says so', () => {
  const animations: [string, number, () => Promise<Buffer>][] = [
    [
      'animated WebP',
      3,
      async () =>
        sharp([await frame(RED), await frame(BLUE), await frame(GREEN)], { join: { animated: true } })
          .webp({ quality: 95 })
          .toBuffer(),
    ],
    ['animated PNG (APNG)', 2, async () => animatedPng([await frame(RED), await frame(BLUE)])],
  ];

  it.each(animations)(
    '%s: analysis and crop are of frame 1; the note counts %i frames',
    async (_, frames, make) => {
      // Prepare
      const bytes = await make();
      const store = tempStore();
      await store.put('subjects/ana/clips/moving.img', bytes, 'image/webp');

      // Act
      const inspection = await inspectPhoto(
        await store.head('subjects/ana/clips/moving.img'),
        store,
        validationPolicy(),
      );
      const crop = await cropTrainingImage(bytes, FACE_BOX, { resolution: 256, maxPixels: MAX_PIXELS });

      // Assess
      if (!inspection.usable) throw new Error(`expected usable, got ${JSON.stringify(inspection)}`);
      expect(inspection.photo.notes).toEqual([
        `clips/moving.img is animated (${frames} frames): only its first frame is used, for validation and training`,
      ]);
      expect(inspection.photo.height).toBe(SIDE);
      const { data } = inspection.photo.analysis.pixels;
      expect(near([...data.subarray(0, 3)], [RED.r, RED.g, RED.b], 20)).toBe(true);
      expect(near(await pixelAt(crop, 128, 128), [RED.r, RED.g, RED.b], 20)).toBe(true);
    },
  );

  it('counts APNG frames from acTL, and calls a still PNG one frame', async () => {
    // Prepare
    const still = await frame(RED);

    // Act / Assess
    expect(apngFrameCount(still)).toBe(1);
    expect(apngFrameCount(animatedPng([still, await frame(BLUE), await frame(GREEN), still]))).toBe(4);
    expect(apngFrameCount(still.subarray(0, 20))).toBe(1);
  });
});

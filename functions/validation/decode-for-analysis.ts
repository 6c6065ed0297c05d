import sharp, { type OutputInfo } from 'sharp';
import { flattenTransparency, photoInputOptions } from '../platform/photo-pixels.js';
import type { AnalysisImage } from './analysis-image.js';
import { CorruptImageError } from './errors.js';
import { qualityScore } from './image-quality.js';
import {
  DHASH_HEIGHT,
  DHASH_WIDTH,
  differenceHash,
  FRAMING_THUMBNAIL_SIDE,
  type ShotSignature,
  shotSignature,
  WIDE_HASH_HEIGHT,
  WIDE_HASH_WIDTH,
} from './perceptual-hash.js';

/** What every later check needs, from one decode of the photo. */
export interface DecodedForAnalysis {
  image: AnalysisImage;
  dHash: bigint;
  /** The near-duplicate signal (perceptual-hash.ts): a 256-bit dHash and crop-tolerant framing hashes. */
  signature: ShotSignature;
  qualityScore: number;
  /** Some pixel is not fully opaque: the analysis (like the training crop) sees it flattened onto white. */
  transparent: boolean;
}

/**
 * Decodes once, small: with a resize in the pipeline libjpeg/libwebp shrink while decoding. `failOn:
 * 'truncated'` turns a half-uploaded file into an error instead of a grey bottom half. Everything else works
 * on these pixels: the perceptual hash, the quality measures (at half size, where a Laplacian costs a quarter),
 * and the JPEG for Rekognition, encoded only if an analyzer asks for it. The first frame of an animation and
 * transparency flattened onto white, exactly as the training crop decodes it (functions/platform/photo-pixels.ts).
 * @param options.hasAlpha from the header: only then is opacity measured (one more small pass)
 */
export async function decodeForAnalysis(
  bytes: Uint8Array,
  options: { longSidePx: number; maxPixels: number; hasAlpha?: boolean },
): Promise<DecodedForAnalysis> {
  let decoded: { data: Buffer; info: OutputInfo };
  let transparent = false;
  try {
    const shrunk = sharp(bytes, photoInputOptions(options.maxPixels)).resize({
      width: options.longSidePx,
      height: options.longSidePx,
      fit: 'inside',
      withoutEnlargement: true,
    });
    [decoded, transparent] = await Promise.all([
      flattenTransparency(shrunk.clone()).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
      options.hasAlpha
        ? shrunk
            .clone()
            .stats()
            .then((stats) => !stats.isOpaque)
        : Promise.resolve(false),
    ]);
  } catch (error) {
    throw new CorruptImageError((error as Error).message, { cause: error });
  }
  const { data, info } = decoded;
  const pixels = { data, width: info.width, height: info.height, channels: info.channels };
  const fromPixels = () =>
    sharp(data, {
      raw: { width: info.width, height: info.height, channels: info.channels },
      limitInputPixels: options.maxPixels,
    });
  // One greyscale thumbnail of the whole frame; every perceptual hash is cut from it (a resize of 16 K pixels
  // each, not of the whole decode).
  const [stats, framing] = await Promise.all([
    fromPixels()
      .resize({ width: Math.max(1, Math.round(info.width / 2)) })
      .greyscale()
      .stats(),
    fromPixels()
      .greyscale()
      .resize(FRAMING_THUMBNAIL_SIDE, FRAMING_THUMBNAIL_SIDE, { fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer(),
  ]);
  const fromThumbnail = (width: number, height: number) =>
    sharp(framing, { raw: { width: FRAMING_THUMBNAIL_SIDE, height: FRAMING_THUMBNAIL_SIDE, channels: 1 } })
      .resize(width, height, { fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer();
  const [thumbnail, wide] = await Promise.all([
    fromThumbnail(DHASH_WIDTH, DHASH_HEIGHT),
    fromThumbnail(WIDE_HASH_WIDTH, WIDE_HASH_HEIGHT),
  ]);
  const sharpness = stats.sharpness;
  const meanBrightness = stats.channels[0]?.mean ?? 128;
  let jpeg: Promise<Uint8Array> | undefined;
  return {
    image: {
      pixels,
      sharpness,
      meanBrightness,
      jpeg: () => {
        jpeg ??= fromPixels().jpeg({ quality: 88 }).toBuffer();
        return jpeg;
      },
    },
    dHash: differenceHash(new Uint8Array(thumbnail.buffer, thumbnail.byteOffset, DHASH_WIDTH * DHASH_HEIGHT)),
    signature: shotSignature(new Uint8Array(wide), new Uint8Array(framing)),
    qualityScore: qualityScore(sharpness, meanBrightness),
    transparent,
  };
}

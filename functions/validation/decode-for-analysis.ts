import sharp, { type OutputInfo } from 'sharp';
import { qualityScore } from './image-quality.js';
import { DHASH_HEIGHT, DHASH_WIDTH, differenceHash } from './perceptual-hash.js';

/** What every later check needs, from one decode of the photo. */
export interface AnalysisImage {
  /** EXIF-oriented, at most `longSidePx` on the long side, no metadata: what Rekognition receives (<= 5 MB). */
  jpeg: Uint8Array;
  dHash: bigint;
  qualityScore: number;
}

export class CorruptImageError extends Error {
  override name = 'CorruptImageError';
}

/**
 * Decodes once, small: with a resize in the pipeline libjpeg/libwebp shrink while decoding, so a 12 MP JPEG
 * costs about a quarter of a full decode. `failOn: 'truncated'` turns a half-uploaded file into an error
 * instead of a grey bottom half.
 */
export async function decodeForAnalysis(
  bytes: Uint8Array,
  options: { longSidePx: number; maxPixels: number },
): Promise<AnalysisImage> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { failOn: 'truncated', limitInputPixels: options.maxPixels })
      .rotate()
      .resize({
        width: options.longSidePx,
        height: options.longSidePx,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new CorruptImageError((error as Error).message, { cause: error });
  }
  const { data, info } = decoded;
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  const limit = { limitInputPixels: options.maxPixels };
  const [jpeg, stats, thumbnail] = await Promise.all([
    sharp(data, { ...raw, ...limit })
      .jpeg({ quality: 88, mozjpeg: false })
      .toBuffer(),
    sharp(data, { ...raw, ...limit })
      .greyscale()
      .stats(),
    sharp(data, { ...raw, ...limit })
      .greyscale()
      .resize(DHASH_WIDTH, DHASH_HEIGHT, { fit: 'fill' })
      .raw()
      .toBuffer(),
  ]);
  return {
    jpeg,
    dHash: differenceHash(new Uint8Array(thumbnail.buffer, thumbnail.byteOffset, DHASH_WIDTH * DHASH_HEIGHT)),
    qualityScore: qualityScore(stats.sharpness, stats.channels[0]?.mean ?? 128),
  };
}

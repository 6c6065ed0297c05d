import sharp, { type Metadata } from 'sharp';

export type ImageHeader =
  | { kind: 'ok'; width: number; height: number }
  | { kind: 'too-many-pixels'; pixels?: number }
  | { kind: 'corrupt' };

/**
 * Dimensions after EXIF orientation, from the header alone: no pixel is decoded, so a 900-megapixel
 * "decompression bomb" is refused in milliseconds and without its gigabytes.
 */
export async function readImageHeader(bytes: Uint8Array, maxPixels: number): Promise<ImageHeader> {
  let metadata: Metadata;
  try {
    // metadata() reads the header only, so no limit is needed here; with one, sharp refuses to even say how
    // large the image is, and the person would not learn by how much their photo is over.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    // sharp refuses to even describe an image over the pixel limit; that refusal is the answer we want.
    if (/pixel limit/i.test((error as Error).message)) return { kind: 'too-many-pixels' };
    return { kind: 'corrupt' };
  }
  const width = metadata.autoOrient?.width ?? metadata.width;
  const height = metadata.autoOrient?.height ?? metadata.height;
  if (!width || !height) return { kind: 'corrupt' };
  if (width * height > maxPixels) return { kind: 'too-many-pixels', pixels: width * height };
  return { kind: 'ok', width, height };
}

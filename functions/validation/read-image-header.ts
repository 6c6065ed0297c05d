import sharp, { type Metadata } from 'sharp';

export type ImageHeader =
  | {
      kind: 'ok';
      width: number;
      height: number;
      /** Frames of an animated WebP or PNG (APNG); 1 for a still. */
      frames: number;
      /** Has an alpha channel (whether any pixel is transparent is measured at decode). */
      hasAlpha: boolean;
    }
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
  const frames = Math.max(metadata.pages ?? 1, metadata.format === 'png' ? apngFrameCount(bytes) : 1);
  return { kind: 'ok', width, height, frames, hasAlpha: metadata.hasAlpha === true };
}

/**
 * Frames of an animated PNG, from its `acTL` chunk (which must precede the first IDAT); 1 for a still PNG.
 * libvips reads an APNG as its default image without saying it is animated, so the chunk is read here.
 */
export function apngFrameCount(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // After the 8-byte signature: length (4), type (4), data, CRC (4) per chunk.
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === 'IDAT' || type === 'IEND') return 1;
    if (type === 'acTL' && length >= 8 && offset + 12 <= bytes.length) {
      return Math.max(1, view.getUint32(offset + 8));
    }
    offset += 12 + length;
  }
  return 1;
}

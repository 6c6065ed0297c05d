import type { Sharp, SharpOptions } from 'sharp';

/**
 * How a dropped photo becomes pixels, defined once for every stage that decodes it: validation (what the face
 * analyzer, the moderator and the quality measures see) and the training crop (what the model learns from) must
 * see the same picture, or a photo judged good is not the photo trained on.
 *
 * - **Transparency** is flattened onto this colour. A cut-out portrait (a PNG or WebP with a transparent
 *   background) is judged and trained on white; without flattening, a JPEG encoder drops the alpha channel and
 *   the background turns black in the crop while validation saw white.
 * - **Animation**: only the first frame of an animated WebP or PNG is decoded (`pages: 1`, `page: 0`), and the
 *   photo is used with a note saying so (see `photoNotes`), rather than refused: a short clip or a "live" still
 *   usually starts on the shot the person meant.
 */
export const TRANSPARENT_BACKGROUND = '#ffffff';

/** Input options of every decode of a dropped photo: EXIF orientation applied, first frame only, bounded. */
export function photoInputOptions(maxPixels: number): SharpOptions {
  return { failOn: 'truncated', limitInputPixels: maxPixels, autoOrient: true, pages: 1, page: 0 };
}

/** Transparent pixels onto the one background (a no-op for an opaque image). */
export function flattenTransparency(image: Sharp): Sharp {
  return image.flatten({ background: TRANSPARENT_BACKGROUND });
}

/** What was done to a photo that the person who dropped it should know, in words. */
export function photoNotes(path: string, facts: { frames: number; transparent: boolean }): string[] {
  const notes: string[] = [];
  if (facts.frames > 1) {
    notes.push(
      `${path} is animated (${facts.frames} frames): only its first frame is used, for validation and training`,
    );
  }
  if (facts.transparent) {
    notes.push(
      `${path} has a transparent background: it was judged, and is trained, on white (${TRANSPARENT_BACKGROUND})`,
    );
  }
  return notes;
}

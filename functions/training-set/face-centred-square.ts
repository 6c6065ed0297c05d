import type { FaceBox } from '../../state-machines/training/contract.js';

export interface SquareRegion {
  left: number;
  top: number;
  size: number;
}

/** Face box side times this: head, hair and a little shoulder, as DreamBooth subject photos are framed. */
export const DEFAULT_CROP_SCALE = 2.6;

/**
 * The largest useful square around the face, in pixels of the oriented image: `scale` times the face's longer
 * side, centred on the face, shrunk to fit and then slid back inside the image where it would cross an edge
 * (so the face is off-centre only when the photo leaves no room).
 */
export function faceCentredSquare(
  width: number,
  height: number,
  faceBox: FaceBox,
  scale = DEFAULT_CROP_SCALE,
): SquareRegion {
  const faceSide = Math.max(faceBox.width * width, faceBox.height * height);
  const size = Math.max(1, Math.round(Math.min(width, height, faceSide * scale)));
  const centreX = (faceBox.left + faceBox.width / 2) * width;
  const centreY = (faceBox.top + faceBox.height / 2) * height;
  const clamp = (value: number, limit: number) =>
    Math.min(limit - size, Math.max(0, Math.round(value - size / 2)));
  return { left: clamp(centreX, width), top: clamp(centreY, height), size };
}

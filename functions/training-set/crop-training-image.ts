import sharp from 'sharp';
import type { FaceBox } from '../../state-machines/training/contract.js';
import { flattenTransparency, photoInputOptions } from '../platform/photo-pixels.js';
import { faceCentredSquare } from './face-centred-square.js';

/**
 * One training image: EXIF orientation applied first (the face box is in oriented coordinates), then the
 * face-centred square, resized to the training resolution, as a high-quality JPEG without metadata. Decoded as
 * validation decodes it (functions/platform/photo-pixels.ts): the first frame of an animation, transparency
 * flattened onto white. Output is a pure function of the inputs, so a retried task writes the same bytes.
 */
export async function cropTrainingImage(
  photo: Uint8Array,
  faceBox: FaceBox,
  options: { resolution: number; maxPixels: number },
): Promise<Buffer> {
  const input = photoInputOptions(options.maxPixels);
  const oriented = await sharp(photo, input).metadata();
  const orientedWidth = oriented.autoOrient?.width ?? oriented.width ?? 0;
  const orientedHeight = oriented.autoOrient?.height ?? oriented.height ?? 0;
  const square = faceCentredSquare(orientedWidth, orientedHeight, faceBox);
  const resized = sharp(photo, input)
    .extract({ left: square.left, top: square.top, width: square.size, height: square.size })
    .resize(options.resolution, options.resolution, { fit: 'fill' });
  return flattenTransparency(resized).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
}

import sharp, { type Sharp } from 'sharp';
import type { AnalysisImage, DetectedFace, FaceAnalyzer } from '../../functions/task-registry.js';
import type { FaceBox } from '../../state-machines/training/contract.js';

/** Side of the thumbnail the saliency search runs on: the point is approximate anyway. */
const SALIENCY_SIDE = 256;
/** Assumed face height as a share of the shorter side: a typical head-and-shoulders portrait. */
const ASSUMED_FACE_SHARE = 0.35;
const MAX_INPUT_PIXELS = 50_000_000;

export function faceAnalysisStandInNote(): string {
  return (
    'Faces and head poses were NOT checked by Amazon Rekognition: a local stand-in assumed one frontal face ' +
    "centred on the image's most salient point, with an estimated size. Sharpness and brightness are real measures."
  );
}

/**
 * Local stand-in for Rekognition DetectFaces. It does NOT detect faces: it reports exactly one face, frontal,
 * whose box is centred on the saliency point sharp finds (skin tones, saturation, detail) and sized as a
 * typical portrait's face. Sharpness and brightness are measured for real with sharp `stats()`, so blurry
 * and dark photos are still caught locally. The result says so in `note`, and `performedBy` is
 * 'local-stand-in', so no event ever claims a face check that did not happen.
 */
export class SaliencyFaceAnalyzer implements FaceAnalyzer {
  readonly performedBy = 'local-stand-in' as const;
  readonly note = faceAnalysisStandInNote();

  async detectFaces(image: AnalysisImage): Promise<DetectedFace[]> {
    const { data, width, height, channels } = image.pixels;
    if (!width || !height) return [];
    // The saliency search runs on a thumbnail: the point is approximate anyway, and it costs next to nothing.
    const thumbnail = await sharp(data, {
      raw: { width, height, channels },
      limitInputPixels: MAX_INPUT_PIXELS,
    })
      .resize(SALIENCY_SIDE, SALIENCY_SIDE, { fit: 'inside' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const small = { raw: { width: thumbnail.info.width, height: thumbnail.info.height, channels } } as const;
    const [centreX, centreY] = await Promise.all([
      salientPoint(sharp(thumbnail.data, small), 'x', thumbnail.info.width, thumbnail.info.height),
      salientPoint(sharp(thumbnail.data, small), 'y', thumbnail.info.width, thumbnail.info.height),
    ]);
    return [
      {
        box: boxAround(centreX, centreY, width, height),
        confidence: 50,
        pose: { yaw: 0, pitch: 0, roll: 0 },
        // Real measures, taken once by the validation decode (at half the analysis size).
        quality: {
          sharpness: sharpnessOutOf100(image.sharpness),
          brightness: Math.round((image.meanBrightness / 255) * 1000) / 10,
        },
      },
    ];
  }
}

/**
 * Where along one axis sharp's attention strategy would crop. A cover crop only searches along the axis it
 * cuts, so a thin strip across the other axis forces a search along the one we ask about. The crop offset is
 * used rather than attentionX/Y, which sharp reports in the coordinates of a shrunk-on-load decode.
 */
async function salientPoint(image: Sharp, axis: 'x' | 'y', width: number, height: number): Promise<number> {
  const strip = SALIENCY_SIDE / 8;
  const [targetWidth, targetHeight] = axis === 'x' ? [strip, SALIENCY_SIDE] : [SALIENCY_SIDE, strip];
  const { info } = await image
    .resize(targetWidth, targetHeight, { fit: 'cover', position: 'attention' })
    .toBuffer({ resolveWithObject: true });
  const scale = Math.max(targetWidth / width, targetHeight / height);
  const resizedSide = axis === 'x' ? width * scale : height * scale;
  const cropStart = -((axis === 'x' ? info.cropOffsetLeft : info.cropOffsetTop) ?? 0);
  return Math.min(1, Math.max(0, (cropStart + strip / 2) / resizedSide));
}

function boxAround(centreX: number, centreY: number, width: number, height: number): FaceBox {
  const facePx = ASSUMED_FACE_SHARE * Math.min(width, height);
  const boxHeight = Math.min(1, facePx / height);
  const boxWidth = Math.min(1, (facePx * 0.8) / width);
  const clamp = (value: number, size: number) => Math.min(1 - size, Math.max(0, value - size / 2));
  return {
    left: clamp(centreX, boxWidth),
    top: clamp(centreY, boxHeight),
    width: boxWidth,
    height: boxHeight,
  };
}

/**
 * sharp's sharpness (standard deviation of the Laplacian, measured at half the analysis size) on
 * Rekognition's 0-100 scale: ~0.5 is a soft, out-of-focus photo, 2 and more a crisp one.
 */
function sharpnessOutOf100(laplacianDeviation: number): number {
  return Math.round(Math.min(100, Math.max(0, laplacianDeviation * 20)) * 10) / 10;
}

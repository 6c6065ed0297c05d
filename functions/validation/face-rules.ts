import type { FaceBox } from '../../state-machines/training/contract.js';
import type { DetectedFace } from './face-analysis.js';
import { type PhotoProblem, photoProblem } from './photo-problems.js';
import type { ValidationPolicy } from './validation-policy.js';

/**
 * A face at least this fraction of the main face's height counts as a second person. Smaller ones are
 * bystanders far behind: the face-centred crop leaves them out, so they do not confuse training.
 */
const SECOND_PERSON_RATIO = 0.5;

export type FaceVerdict =
  | { usable: true; face: DetectedFace; faceBox: FaceBox }
  | { usable: false; problem: PhotoProblem };

/** Judges the analyzer's faces against the policy: one clear, frontal, sharp, well-lit face of useful size. */
export function judgeFaces(
  /** The photo's path inside its subject folder, as messages name it. */
  fileName: string,
  faces: readonly DetectedFace[],
  policy: ValidationPolicy,
): FaceVerdict {
  const largestFirst = [...faces].sort((a, b) => b.box.height - a.box.height);
  const main = largestFirst[0];
  if (!main) return { usable: false, problem: photoProblem.noFace(fileName) };

  const people = largestFirst.filter((face) => face.box.height >= main.box.height * SECOND_PERSON_RATIO);
  if (people.length > 1)
    return { usable: false, problem: photoProblem.multipleFaces(fileName, people.length) };

  if (main.box.height < policy.minFaceHeightRatio) {
    return {
      usable: false,
      problem: photoProblem.faceTooSmall(fileName, main.box.height, policy.minFaceHeightRatio),
    };
  }
  const { yaw, pitch } = main.pose;
  if (Math.abs(yaw) > policy.maxYawDegrees || Math.abs(pitch) > policy.maxPitchDegrees) {
    return {
      usable: false,
      problem: photoProblem.faceNotFrontal(
        fileName,
        yaw,
        pitch,
        Math.min(policy.maxYawDegrees, policy.maxPitchDegrees),
      ),
    };
  }
  if (main.quality.sharpness < policy.minSharpness) {
    return {
      usable: false,
      problem: photoProblem.tooBlurry(fileName, main.quality.sharpness, policy.minSharpness),
    };
  }
  const { brightness } = main.quality;
  if (brightness < policy.minBrightness || brightness > policy.maxBrightness) {
    return {
      usable: false,
      problem: photoProblem.badLighting(fileName, brightness, policy.minBrightness, policy.maxBrightness),
    };
  }
  return { usable: true, face: main, faceBox: clampBox(main.box) };
}

/** Rekognition boxes may poke outside the image (a face cut by the frame); crops need them inside. */
function clampBox(box: FaceBox): FaceBox {
  const left = Math.min(1, Math.max(0, box.left));
  const top = Math.min(1, Math.max(0, box.top));
  return {
    left,
    top,
    width: Math.max(0, Math.min(1 - left, box.width + Math.min(0, box.left))),
    height: Math.max(0, Math.min(1 - top, box.height + Math.min(0, box.top))),
  };
}

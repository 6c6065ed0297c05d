import type { PhotoProblemCode } from '../../events/photo-verdicts.js';
import { pathInSubjectFolder } from '../platform/bucket-layout.js';

/** Why one photo is excluded, before it is tied to its key: the words the person who dropped it reads. */
export interface PhotoProblem {
  code: PhotoProblemCode;
  reason: string;
  advice: string;
  duplicateOf?: string;
}

const GOOD_PHOTO =
  'a clear photo of the subject alone, face well lit and looking roughly at the camera, at least 512 px on each side';

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const megapixels = (pixels: number) => `${(pixels / 1_000_000).toFixed(1)} megapixels`;

/**
 * One builder per problem code, so every exclusion says what is wrong and what to do in the same voice. Each takes
 * the photo's `path` inside its subject folder (`a/photo.jpg`, see pathInSubjectFolder): two `photo.jpg` in
 * different subfolders are never confused in a message.
 */
export const photoProblem = {
  missing: (path: string): PhotoProblem => ({
    // No dedicated code in the published contract: an object deleted after upload reads as nothing to use.
    code: 'EMPTY_FILE',
    reason: `${path} was deleted from the folder after it was uploaded, so it could not be read`,
    advice: `Upload ${path} again if you meant to include it`,
  }),
  emptyFile: (path: string): PhotoProblem => ({
    code: 'EMPTY_FILE',
    reason: `${path} is empty (0 bytes): the upload or the copy did not finish`,
    advice: `Upload ${path} again from the original photo`,
  }),
  fileTooLarge: (path: string, size: number, limit: number): PhotoProblem => ({
    code: 'FILE_TOO_LARGE',
    reason: `${path} is ${megabytes(size)}, more than the ${megabytes(limit)} limit`,
    advice: `Export ${path} as a JPEG at a smaller size (a 12 megapixel JPEG is usually under 10 MB) and upload it again`,
  }),
  notAnImage: (path: string): PhotoProblem => ({
    code: 'NOT_AN_IMAGE',
    reason: `${path} is not an image: its content is not JPEG, PNG or WebP whatever its name says`,
    advice: `Remove ${path} from the folder, or replace it with the photo itself saved as JPEG`,
  }),
  heic: (path: string): PhotoProblem => ({
    code: 'HEIC_NOT_SUPPORTED',
    reason: `${path} is a HEIC/HEIF photo (the iPhone's default format), which cannot be used`,
    advice:
      'Convert it to JPEG: export it as JPEG from Photos, or on the iPhone set Settings > Camera > Formats > Most Compatible so new photos are JPEG, then upload it again',
  }),
  unsupportedFormat: (path: string, format: string): PhotoProblem => ({
    code: 'UNSUPPORTED_FORMAT',
    reason: `${path} is a ${format} file; only JPEG, PNG and WebP photos are accepted`,
    advice: `Convert ${path} to JPEG and upload it again`,
  }),
  truncated: (path: string): PhotoProblem => ({
    code: 'TRUNCATED_OR_CORRUPT',
    reason: `${path} is cut short or corrupt and cannot be decoded completely`,
    advice: `Upload ${path} again from the original photo; the first upload probably did not finish`,
  }),
  tooManyPixels: (path: string, limit: number, pixels?: number): PhotoProblem => ({
    code: 'TOO_MANY_PIXELS',
    reason:
      pixels === undefined
        ? `${path} has more than ${megapixels(limit)}`
        : `${path} has ${megapixels(pixels)}, more than the ${megapixels(limit)} limit`,
    advice: `Resize ${path} to at most ${megapixels(limit)} (for example 4000 x 3000) and upload it again`,
  }),
  tooSmall: (path: string, width: number, height: number, minSide: number): PhotoProblem => ({
    code: 'TOO_SMALL',
    reason: `${path} is ${width} x ${height} px; each side must be at least ${minSide} px`,
    advice: `Use the original photo rather than a thumbnail or a screenshot of ${path}`,
  }),
  exactDuplicate: (path: string, keptKey: string): PhotoProblem => ({
    code: 'EXACT_DUPLICATE',
    reason: `${path} is a byte-for-byte copy of ${pathInSubjectFolder(keptKey)}`,
    advice: 'Nothing to do: the copy is ignored. Add a different photo if you need more',
    duplicateOf: keptKey,
  }),
  nearDuplicate: (path: string, keptKey: string): PhotoProblem => ({
    code: 'NEAR_DUPLICATE',
    reason: `${path} is almost the same shot as ${pathInSubjectFolder(keptKey)}, which was kept as the better of the two`,
    advice:
      'Use photos that differ in pose, expression, background or lighting: near copies teach the model nothing new',
    duplicateOf: keptKey,
  }),
  noFace: (path: string): PhotoProblem => ({
    code: 'NO_FACE',
    reason: `No face was found in ${path}`,
    advice: `Replace ${path} with ${GOOD_PHOTO}`,
  }),
  multipleFaces: (path: string, count: number): PhotoProblem => ({
    code: 'MULTIPLE_FACES',
    reason: `${path} shows ${count} faces; the model must learn one person`,
    advice: `Crop ${path} to the subject alone, or replace it with a photo of the subject alone`,
  }),
  faceTooSmall: (path: string, heightRatio: number, minRatio: number): PhotoProblem => ({
    code: 'FACE_TOO_SMALL',
    reason: `The face in ${path} is ${percent(heightRatio)} of the photo's height; at least ${percent(minRatio)} is needed`,
    advice: `Crop ${path} closer to the face, or use a photo taken nearer to the subject`,
  }),
  faceNotFrontal: (path: string, yaw: number, pitch: number, maxDegrees: number): PhotoProblem => ({
    code: 'FACE_NOT_FRONTAL',
    reason: `The face in ${path} is turned too far (left/right ${Math.round(yaw)} deg, up/down ${Math.round(pitch)} deg; at most ${maxDegrees} deg)`,
    advice: `Replace ${path} with a photo where the subject looks roughly towards the camera`,
  }),
  tooBlurry: (path: string, sharpness: number, minSharpness: number): PhotoProblem => ({
    code: 'TOO_BLURRY',
    reason: `The face in ${path} is too blurry (sharpness ${Math.round(sharpness)} of 100, at least ${minSharpness} needed)`,
    advice: `Replace ${path} with a sharper photo: steady camera, focus on the face, enough light`,
  }),
  badLighting: (path: string, brightness: number, min: number, max: number): PhotoProblem => ({
    code: 'BAD_LIGHTING',
    reason: `The face in ${path} is ${brightness < min ? 'too dark' : 'overexposed'} (brightness ${Math.round(brightness)} of 100; ${min} to ${max} is needed)`,
    advice: `Replace ${path} with a photo in even daylight, without strong backlight or flash glare`,
  }),
  unsafeContent: (path: string, categories: string[]): PhotoProblem => ({
    code: 'UNSAFE_CONTENT',
    reason: `${path} was flagged for unsafe content (${categories.join(', ')})`,
    advice: `Remove ${path} and use an everyday photo of the subject`,
  }),
  differentPerson: (
    path: string,
    similarity: number,
    referencePath: string,
    minSimilarity: number,
  ): PhotoProblem => ({
    code: 'DIFFERENT_PERSON',
    reason: `${path} looks like a different person than the other photos: its face is ${Math.round(similarity)}% similar to the one in ${referencePath} (the set's reference photo), at least ${minSimilarity}% is needed`,
    advice: `Remove ${path} if it shows someone else; a set of two people trains a blend of both. If it is the same person, replace it with a clearer, more frontal photo`,
  }),
  overSetLimit: (path: string, maxPhotos: number): PhotoProblem => ({
    code: 'OVER_SET_LIMIT',
    reason: `${path} is usable, but the set has more than ${maxPhotos} usable photos and the best ${maxPhotos} were kept`,
    advice: `Nothing to do. To train on ${path}, drop a set with at most ${maxPhotos} photos that includes it`,
  }),
};

export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

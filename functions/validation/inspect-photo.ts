import { createHash } from 'node:crypto';
import type { PhotoRef } from '../../events/pipeline-events.js';
import { pathInSubjectFolder } from '../platform/bucket-layout.js';
import { ObjectNotFoundError } from '../platform/errors.js';
import type { ObjectStore } from '../platform/object-store.js';
import { photoNotes } from '../platform/photo-pixels.js';
import type { AnalysisImage } from './analysis-image.js';
import { decodeForAnalysis } from './decode-for-analysis.js';
import { CorruptImageError } from './errors.js';
import type { ShotSignature } from './perceptual-hash.js';
import { baseName, type PhotoProblem, photoProblem } from './photo-problems.js';
import { readImageHeader } from './read-image-header.js';
import { sniffFormat } from './sniff-format.js';
import type { ValidationPolicy } from './validation-policy.js';

/** A photo that passed every check that needs only its own bytes. */
export interface InspectedPhoto {
  key: string;
  fileName: string;
  format: 'jpeg' | 'png' | 'webp';
  /** After EXIF orientation. */
  width: number;
  height: number;
  sha256: string;
  dHash: bigint;
  signature: ShotSignature;
  qualityScore: number;
  /** What was done to the photo that the person should know (first frame of an animation, transparency). */
  notes: string[];
  /** The oriented, shrunk decode that the face analyzer and the moderator receive. */
  analysis: AnalysisImage;
}

export type Inspection =
  | { key: string; fileName: string; usable: true; photo: InspectedPhoto }
  | { key: string; fileName: string; usable: false; problem: PhotoProblem };

/**
 * The file checks, cheapest first, each one stopping before the next costs anything:
 * head (no download) -> magic bytes -> header (no decode) -> one small decode.
 */
export async function inspectPhoto(
  ref: PhotoRef,
  store: ObjectStore,
  policy: ValidationPolicy,
): Promise<Inspection> {
  const fileName = baseName(ref.key);
  // Messages name the photo by its path in the folder: two photo.jpg in different subfolders stay apart.
  const path = pathInSubjectFolder(ref.key);
  const excluded = (problem: PhotoProblem): Inspection => ({
    key: ref.key,
    fileName,
    usable: false,
    problem,
  });

  let bytes: Uint8Array;
  try {
    const { size } = await store.head(ref.key);
    if (size === 0) return excluded(photoProblem.emptyFile(path));
    if (size > policy.maxFileBytes) {
      return excluded(photoProblem.fileTooLarge(path, size, policy.maxFileBytes));
    }
    bytes = await store.get(ref.key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return excluded(photoProblem.missing(path));
    throw error;
  }
  if (bytes.byteLength === 0) return excluded(photoProblem.emptyFile(path));

  const sniffed = sniffFormat(bytes);
  if (sniffed.kind === 'heic') return excluded(photoProblem.heic(path));
  if (sniffed.kind === 'unsupported') return excluded(photoProblem.unsupportedFormat(path, sniffed.format));
  if (sniffed.kind === 'not-an-image') return excluded(photoProblem.notAnImage(path));

  const header = await readImageHeader(bytes, policy.maxPixels);
  if (header.kind === 'too-many-pixels') {
    return excluded(photoProblem.tooManyPixels(path, policy.maxPixels, header.pixels));
  }
  if (header.kind === 'corrupt') return excluded(photoProblem.truncated(path));
  if (Math.min(header.width, header.height) < policy.minSidePx) {
    return excluded(photoProblem.tooSmall(path, header.width, header.height, policy.minSidePx));
  }

  let analysis: Awaited<ReturnType<typeof decodeForAnalysis>>;
  try {
    analysis = await decodeForAnalysis(bytes, {
      longSidePx: policy.analysisLongSidePx,
      maxPixels: policy.maxPixels,
      hasAlpha: header.hasAlpha,
    });
  } catch (error) {
    if (error instanceof CorruptImageError) return excluded(photoProblem.truncated(path));
    throw error;
  }

  return {
    key: ref.key,
    fileName,
    usable: true,
    photo: {
      key: ref.key,
      fileName,
      format: sniffed.format,
      width: header.width,
      height: header.height,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      dHash: analysis.dHash,
      signature: analysis.signature,
      qualityScore: analysis.qualityScore,
      notes: photoNotes(path, { frames: header.frames, transparent: analysis.transparent }),
      analysis: analysis.image,
    },
  };
}

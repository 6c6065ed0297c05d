import { pathInSubjectFolder } from '../platform/bucket-layout.js';
import { type PhotoProblem, photoProblem } from './photo-problems.js';

export interface RankedPhoto {
  key: string;
  fileName: string;
  qualityScore: number;
}

/**
 * Keeps the best `maxPhotos` by quality (ties by key, for a stable answer); the rest are named as
 * OVER_SET_LIMIT so the person knows they were fine but not needed. `kept` keeps the input order.
 */
export function keepBest<T extends RankedPhoto>(
  photos: readonly T[],
  maxPhotos: number,
): { kept: T[]; overLimit: Array<{ photo: T; problem: PhotoProblem }> } {
  if (photos.length <= maxPhotos) return { kept: [...photos], overLimit: [] };
  const ranked = [...photos].sort(
    (a, b) => b.qualityScore - a.qualityScore || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const best = new Set(ranked.slice(0, maxPhotos));
  return {
    kept: photos.filter((photo) => best.has(photo)),
    overLimit: photos
      .filter((photo) => !best.has(photo))
      .map((photo) => ({
        photo,
        problem: photoProblem.overSetLimit(pathInSubjectFolder(photo.key), maxPhotos),
      })),
  };
}

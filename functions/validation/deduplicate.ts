import { pathInSubjectFolder } from '../platform/bucket-layout.js';
import { hammingDistance } from './perceptual-hash.js';
import { type PhotoProblem, photoProblem } from './photo-problems.js';

export interface DeduplicationCandidate {
  key: string;
  fileName: string;
  sha256: string;
  dHash: bigint;
  qualityScore: number;
}

export interface Deduplication<T extends DeduplicationCandidate> {
  kept: T[];
  duplicates: Array<{ photo: T; problem: PhotoProblem }>;
}

/**
 * Keeps one photo of each shot. Candidates are visited best first (quality, then key for a stable answer),
 * so the photo kept is always the better of a pair and `duplicateOf` always names a kept photo.
 * `kept` is returned in the input order.
 */
export function deduplicate<T extends DeduplicationCandidate>(
  candidates: readonly T[],
  /**
   * Whether two photos are the same shot; a number is the older rule, a 64-bit dHash Hamming distance at or under
   * which two photos count as one shot (validation uses `isSameShot`, which `npm run bench` shows is stronger).
   */
  sameShot: number | ((a: T, b: T) => boolean),
): Deduplication<T> {
  const isSame =
    typeof sameShot === 'number' ? (a: T, b: T) => hammingDistance(a.dHash, b.dHash) <= sameShot : sameShot;
  const bestFirst = [...candidates].sort((a, b) => b.qualityScore - a.qualityScore || byKey(a.key, b.key));
  const keptSet = new Set<T>();
  const byDigest = new Map<string, T>();
  /** Near duplicates set aside so far, each with the kept photo it is a copy of. */
  const nearCopies = new Map<T, T>();
  const duplicates: Deduplication<T>['duplicates'] = [];
  for (const photo of bestFirst) {
    const identical = byDigest.get(photo.sha256);
    if (identical) {
      duplicates.push({
        photo,
        problem: photoProblem.exactDuplicate(pathInSubjectFolder(photo.key), identical.key),
      });
      continue;
    }
    // A copy of a copy is a copy too: a photo like one already set aside as a near duplicate belongs to the photo
    // that one was kept for (so two variants of a shot are caught even when they are far from the one kept).
    const similar =
      [...keptSet].find((kept) => isSame(kept, photo)) ??
      [...nearCopies].find(([copy]) => isSame(copy, photo))?.[1];
    if (similar) {
      nearCopies.set(photo, similar);
      duplicates.push({
        photo,
        problem: photoProblem.nearDuplicate(pathInSubjectFolder(photo.key), similar.key),
      });
      continue;
    }
    keptSet.add(photo);
    byDigest.set(photo.sha256, photo);
  }
  return { kept: candidates.filter((photo) => keptSet.has(photo)), duplicates };
}

/** Code-unit order: the same answer in every locale. */
function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

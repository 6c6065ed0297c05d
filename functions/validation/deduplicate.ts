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
  maxDistance: number,
): Deduplication<T> {
  const bestFirst = [...candidates].sort((a, b) => b.qualityScore - a.qualityScore || byKey(a.key, b.key));
  const keptSet = new Set<T>();
  const byDigest = new Map<string, T>();
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
    const similar = [...keptSet].find((kept) => hammingDistance(kept.dHash, photo.dHash) <= maxDistance);
    if (similar) {
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

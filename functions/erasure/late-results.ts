import { ADAPTERS_PREFIX, ASYNC_INFERENCE_PREFIX, adapterKey } from '../platform/bucket-layout.js';
import { keyInBucket } from '../platform/s3-uri.js';
import type { TrainingPlanRow } from '../training/callback-tokens.js';
import type { ErasureTombstones } from './erasure-tombstones.js';
import { DELETE_BATCH_SIZE, type ObjectVersions } from './object-versions.js';

export interface LateResultDeps {
  tombstones: ErasureTombstones;
  versions: ObjectVersions;
  bucket: string;
}

/** Whether the training of this plan began before its subject was erased: its results are erased data. */
export async function isErasedTraining(plan: TrainingPlanRow, deps: Pick<LateResultDeps, 'tombstones'>) {
  if (!plan.tenantId || !plan.subjectId || plan.createdAt === undefined) return false;
  return deps.tombstones.erasedSince({ tenantId: plan.tenantId, subjectId: plan.subjectId }, plan.createdAt);
}

/**
 * Deletes every version of what a training of an erased subject left when it finished after the erasure: its
 * adapter package, its response and its error body. Returns how many versions went.
 */
export async function deleteLateResults(
  plan: TrainingPlanRow,
  locations: readonly (string | undefined)[],
  deps: LateResultDeps,
): Promise<number> {
  const keys = new Set<string>();
  if (plan.tenantId && plan.subjectId && plan.modelVersion) {
    keys.add(adapterKey({ tenantId: plan.tenantId, subjectId: plan.subjectId }, plan.modelVersion));
  }
  for (const location of [...locations, plan.outputLocation, plan.failureLocation]) {
    if (!location) continue;
    try {
      const key = keyInBucket(location, deps.bucket);
      // Only where the endpoint writes: a notification naming any other key deletes nothing.
      if (key.startsWith(ASYNC_INFERENCE_PREFIX) || key.startsWith(ADAPTERS_PREFIX)) keys.add(key);
    } catch {
      // Another bucket's location: not ours.
    }
  }
  let deleted = 0;
  for (const key of keys) {
    const versions = (await deps.versions.list(key)).filter((v) => v.key === key);
    for (let i = 0; i < versions.length; i += DELETE_BATCH_SIZE) {
      deleted += await deps.versions.delete(versions.slice(i, i + DELETE_BATCH_SIZE));
    }
  }
  return deleted;
}

import type { SubjectRef } from '../../events/identifiers.js';
import type { ErasedData, ErasureStepInput } from '../../state-machines/erasure/contract.js';
import { DELETE_BATCH_SIZE, type ObjectVersion, type ObjectVersions } from './object-versions.js';
import type { SubjectEraser, TrainingStateRow } from './subject-erasers.js';
import { subjectObjectGroups } from './subject-objects.js';

export interface EraseSubjectDataDeps {
  versions: ObjectVersions;
  bucket: string;
  erasers: readonly SubjectEraser[];
  /** The subject's rows of the training state table: they name its async-inference results. */
  trainingRows: (ref: SubjectRef) => Promise<TrainingStateRow[]>;
}

/**
 * Deletes every version and delete marker of every object of the subject (DeleteObjects, 1,000 at a time), then
 * every row of every store. Objects first: the callback rows name the async-inference results. Safe to repeat.
 */
export async function eraseSubjectData(
  input: ErasureStepInput,
  deps: EraseSubjectDataDeps,
): Promise<ErasedData> {
  const ref = input.request;
  const groups = subjectObjectGroups(ref, deps.bucket, await deps.trainingRows(ref));
  const objects: ErasedData['objects'] = [];
  for (const group of groups) {
    const versions = await listAll(deps.versions, group.listPrefixes);
    let deleted = 0;
    for (let start = 0; start < versions.length; start += DELETE_BATCH_SIZE) {
      deleted += await deps.versions.delete(versions.slice(start, start + DELETE_BATCH_SIZE));
    }
    objects.push({ prefix: group.prefix, versionsDeleted: deleted });
  }
  const records: ErasedData['records'] = [];
  for (const eraser of deps.erasers) {
    records.push({ store: eraser.store, rowsDeleted: await eraser.erase(ref) });
  }
  return { objects, records };
}

/** Every version under any of the prefixes, each once (two prefixes may overlap). */
export async function listAll(
  versions: ObjectVersions,
  prefixes: readonly string[],
): Promise<ObjectVersion[]> {
  const seen = new Map<string, ObjectVersion>();
  for (const prefix of prefixes) {
    for (const v of await versions.list(prefix)) seen.set(`${v.key}\u0000${v.versionId}`, v);
  }
  return [...seen.values()];
}

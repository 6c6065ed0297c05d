import type { SubjectRef } from '../../events/identifiers.js';
import {
  ADAPTERS_PREFIX,
  ASYNC_FAILURE_PREFIX,
  ASYNC_OUTPUT_PREFIX,
  AVATARS_PREFIX,
  MODELS_PREFIX,
  QUARANTINE_PREFIX,
  subjectFolder,
  subjectScope,
  TRAINING_PREFIX,
} from '../platform/bucket-layout.js';
import { keyInBucket } from '../platform/s3-uri.js';
import type { TrainingStateRow } from './subject-erasers.js';

/** One line of the manifest: a name, and the key prefixes whose every version belongs to the subject. */
export interface SubjectObjectGroup {
  prefix: string;
  listPrefixes: string[];
}

/**
 * Every object of the subject, by top-level prefix of the bucket layout: the dropped photos, the crops, manifests
 * and training requests, the adapters, the multi-model endpoint's packages, the avatars, the quarantine, and the
 * async-inference results and error bodies. The last two are not named after the subject (SageMaker picks the
 * names): they are the locations the callback token rows recorded, and (locally) the keys named by inference id.
 */
export function subjectObjectGroups(
  ref: SubjectRef,
  bucket: string,
  trainingRows: readonly TrainingStateRow[],
): SubjectObjectGroup[] {
  const scope = subjectScope(ref);
  const inference = inferenceKeys(bucket, trainingRows);
  return [
    { prefix: subjectFolder(ref), listPrefixes: [subjectFolder(ref)] },
    ...[TRAINING_PREFIX, ADAPTERS_PREFIX, MODELS_PREFIX, AVATARS_PREFIX, QUARANTINE_PREFIX].map((top) => ({
      prefix: `${top}${scope}`,
      listPrefixes: [`${top}${scope}`],
    })),
    { prefix: ASYNC_OUTPUT_PREFIX, listPrefixes: inference.output },
    { prefix: ASYNC_FAILURE_PREFIX, listPrefixes: inference.failures },
  ];
}

function inferenceKeys(bucket: string, rows: readonly TrainingStateRow[]) {
  const output = new Set<string>();
  const failures = new Set<string>();
  const keyOf = (location: string) => {
    try {
      return keyInBucket(location, bucket);
    } catch {
      return undefined; // another bucket's location is not ours to delete
    }
  };
  for (const row of rows) {
    if (!row.pk.startsWith('INFERENCE#')) continue;
    const inferenceId = row.pk.slice('INFERENCE#'.length);
    // Results named by inference id (the local endpoint's), and the exact locations SageMaker returned.
    output.add(`${ASYNC_OUTPUT_PREFIX}${inferenceId}.`);
    failures.add(`${ASYNC_FAILURE_PREFIX}${inferenceId}.`);
    const out = row.outputLocation ? keyOf(row.outputLocation) : undefined;
    const failed = row.failureLocation ? keyOf(row.failureLocation) : undefined;
    if (out?.startsWith(ASYNC_OUTPUT_PREFIX)) output.add(out);
    if (failed?.startsWith(ASYNC_FAILURE_PREFIX)) failures.add(failed);
  }
  return { output: [...output], failures: [...failures] };
}

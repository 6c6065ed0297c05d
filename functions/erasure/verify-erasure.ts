import type { SubjectRef } from '../../events/identifiers.js';
import type { SubjectErased } from '../../events/pipeline-events.js';
import type {
  ErasedData,
  ErasureProgress,
  VerifyErasureInput,
} from '../../state-machines/erasure/contract.js';
import { listAll } from './erase-subject-data.js';
import type { ObjectVersions } from './object-versions.js';
import type { SubjectEraser, TrainingStateRow } from './subject-erasers.js';
import { subjectObjectGroups } from './subject-objects.js';

export interface VerifyErasureDeps {
  versions: ObjectVersions;
  bucket: string;
  erasers: readonly SubjectEraser[];
  trainingRows: (ref: SubjectRef) => Promise<TrainingStateRow[]>;
  now: () => number;
}

/**
 * Lists again what the erasure deleted: every prefix's versions and every store's rows. Nothing left: the
 * erasure is complete, and Subject Erased carries the manifest (counts deleted, and the zero the re-list found).
 * Something left (a write racing the erasure): another pass deletes it.
 */
export async function verifyErasure(
  input: VerifyErasureInput,
  deps: VerifyErasureDeps,
): Promise<ErasureProgress> {
  const { request } = input;
  const totals = addUp(input.totals, input.erased);
  // The async-inference results are named by the training rows the pass just deleted: what it deleted is known
  // from its own counts, and a re-list of the subject's prefixes covers the rest.
  const groups = subjectObjectGroups(request, deps.bucket, await deps.trainingRows(request));
  const remainingObjects = new Map<string, number>();
  for (const group of groups) {
    remainingObjects.set(group.prefix, (await listAll(deps.versions, group.listPrefixes)).length);
  }
  const remainingRows = new Map<string, number>();
  for (const eraser of deps.erasers) remainingRows.set(eraser.store, await eraser.remaining(request));
  const remaining =
    [...remainingObjects.values()].reduce((a, b) => a + b, 0) +
    [...remainingRows.values()].reduce((a, b) => a + b, 0);
  const attempt = input.attempt + 1;
  if (remaining > 0) return { attempt, complete: false, totals };
  const now = deps.now();
  const subjectErased: SubjectErased = {
    version: 1,
    tenantId: request.tenantId,
    subjectId: request.subjectId,
    erasureId: request.erasureId,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
    requestedBy: request.requestedBy,
    requestedAt: request.requestedAt,
    erasedAt: new Date(now).toISOString(),
    seconds: Math.max(0, (now - Date.parse(request.requestedAt)) / 1000),
    executionsStopped: input.stopped.stopped,
    manifest: {
      objects: totals.objects.map((o) => ({ ...o, remaining: remainingObjects.get(o.prefix) ?? 0 })),
      records: totals.records.map((r) => ({ ...r, remaining: remainingRows.get(r.store) ?? 0 })),
      remaining,
    },
  };
  return { attempt, complete: true, totals, subjectErased };
}

function addUp(a: ErasedData, b: ErasedData): ErasedData {
  const objects = new Map<string, number>();
  for (const o of [...a.objects, ...b.objects])
    objects.set(o.prefix, (objects.get(o.prefix) ?? 0) + o.versionsDeleted);
  const records = new Map<string, number>();
  for (const r of [...a.records, ...b.records])
    records.set(r.store, (records.get(r.store) ?? 0) + r.rowsDeleted);
  return {
    objects: [...objects].map(([prefix, versionsDeleted]) => ({ prefix, versionsDeleted })),
    records: [...records].map(([store, rowsDeleted]) => ({ store, rowsDeleted })),
  };
}

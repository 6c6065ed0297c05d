import type { SubjectSettings } from '../../events/subject-settings.js';
import type { ObjectStore } from '../platform/object-store.js';
import { classifyObjectKey } from './object-key.js';
import type { S3ObjectCreatedEvent } from './s3-object-created.js';
import type { SealingPolicy } from './sealing-policy.js';
import { checkSubjectSettings, type SettingsLimits, settingsTooLarge } from './settings-check.js';
import { ensureGenerationStarted, reportRejectedFolder, type StartDeps } from './start-generation.js';
import type { ActivityEffect, SubjectRecord } from './subject-ledger.js';

export interface IngestDeps extends StartDeps {
  store: ObjectStore;
  policy: SealingPolicy;
  limits: SettingsLimits;
  now: () => number;
}

export type RecordOutcome =
  | { action: 'ignored'; why: string }
  | { action: 'rejected-folder'; folder: string }
  | { action: 'unchanged'; tenantId: string; subjectId: string; started: boolean }
  | { action: 'recorded'; tenantId: string; subjectId: string; effect: ActivityEffect; started: boolean };

/**
 * Records one object of a subject folder in the ledger and makes sure the execution of the subject's current
 * generation runs: that execution settles the set (it waits until the drop is over) and seals it, so the order in
 * which a browser uploads a folder never decides what is trained. Replays and out-of-order deliveries change
 * nothing; a folder name that cannot be a subject id gets its own explained rejection, once.
 */
export async function recordObjectCreated(
  event: S3ObjectCreatedEvent,
  deps: IngestDeps,
): Promise<RecordOutcome> {
  const { key, size, etag, sequencer } = event.detail.object;
  const kind = classifyObjectKey(key);
  const cleanEtag = etag.replaceAll('"', '');
  let changed: boolean;
  let reopens = true;
  switch (kind.kind) {
    case 'outside':
      // Not the key (issue 11, logs without data): the ObjectsIgnored metric counts these.
      deps.log('Object ignored: not a file in a subject folder', {});
      return { action: 'ignored', why: kind.why };
    case 'invalid-folder':
      await reportRejectedFolder(kind, deps);
      return { action: 'rejected-folder', folder: kind.folder };
    case 'junk':
      changed = await deps.ledger.recordIgnoredFile(kind, key, kind.why);
      // Junk never makes a new set of the same photos (it would train them twice); it only counts while open.
      reopens = false;
      break;
    case 'settings':
      changed = await deps.ledger.recordSettings(kind, {
        etag: cleanEtag,
        sequencer,
        ...(await readSettings(deps.store, key, size, deps.limits)),
      });
      break;
    case 'photo':
      changed = await deps.ledger.recordPhoto(kind, { key, size, etag: cleanEtag, sequencer });
      break;
  }
  const { subjectId } = kind;
  const owner = { tenantId: kind.tenantId, subjectId };
  let subject: SubjectRecord | undefined;
  let effect: ActivityEffect | undefined;
  if (changed) ({ subject, effect } = await deps.ledger.noteActivity(owner, deps.now(), { reopens }));
  else subject = await deps.ledger.getSubject(owner);
  // Also for unchanged objects: a retried event whose start failed the first time still starts it.
  const started = subject ? await ensureGenerationStarted(subject, deps) : false;
  if (!effect) return { action: 'unchanged', ...owner, started };
  return { action: 'recorded', ...owner, effect, started };
}

/** subject.json is checked now against everything that will use it; its problem travels with the set. */
async function readSettings(
  store: ObjectStore,
  key: string,
  size: number,
  limits: SettingsLimits,
): Promise<{ json?: string; problem?: string }> {
  const tooLarge = settingsTooLarge(key, size || (await store.head(key)).size);
  if (tooLarge) return { problem: tooLarge };
  const verdict = checkSubjectSettings(key, new TextDecoder().decode(await store.get(key)), limits);
  if ('problem' in verdict) return { problem: verdict.problem };
  return { json: JSON.stringify(verdict.settings satisfies SubjectSettings) };
}

import { parseSubjectSettingsJson } from '../../events/subject-settings.js';
import type { ObjectStore } from '../platform/object-store.js';
import { classifyObjectKey } from './object-key.js';
import type { S3ObjectCreatedEvent } from './s3-object-created.js';
import { type SealingDeps, sealSubject } from './seal-subject.js';

export type RecordOutcome =
  | { action: 'ignored'; why: string }
  | { action: 'unchanged' }
  | { action: 'recorded'; subjectId: string; sealed: boolean; executionName?: string };

/**
 * Records one object of a subject folder in the ledger and seals the subject when subject.json says the
 * folder is complete. Replays and out-of-order deliveries change nothing.
 */
export async function recordObjectCreated(
  event: S3ObjectCreatedEvent,
  deps: SealingDeps & { store: ObjectStore },
): Promise<RecordOutcome> {
  const { key, size, etag, sequencer } = event.detail.object;
  const kind = classifyObjectKey(key);
  const cleanEtag = etag.replaceAll('"', '');
  switch (kind.kind) {
    case 'outside':
      deps.log('Object ignored', { key, why: kind.why });
      return { action: 'ignored', why: kind.why };
    case 'junk':
      await deps.ledger.recordIgnoredFile(kind.subjectId, key, kind.why);
      return { action: 'ignored', why: kind.why };
    case 'settings': {
      const settings = await readSettings(deps.store, key);
      const changed = await deps.ledger.recordSettings(kind.subjectId, {
        etag: cleanEtag,
        sequencer,
        ...settings,
      });
      if (!changed) return { action: 'unchanged' };
      break;
    }
    case 'photo': {
      const photo = { key, size, etag: cleanEtag, sequencer };
      if (!(await deps.ledger.recordPhoto(kind.subjectId, photo))) return { action: 'unchanged' };
      break;
    }
  }
  const subject = await deps.ledger.noteActivity(kind.subjectId, deps.now());
  if (subject.settingsEtag) {
    const photos = await deps.ledger.listPhotos(kind.subjectId);
    if (photos.length >= deps.policy.minPhotos) {
      return {
        action: 'recorded',
        subjectId: kind.subjectId,
        ...(await sealSubject(subject, 'subject-json', deps)),
      };
    }
  }
  return { action: 'recorded', subjectId: kind.subjectId, sealed: false };
}

async function readSettings(store: ObjectStore, key: string): Promise<{ json?: string; problem?: string }> {
  const parsed = parseSubjectSettingsJson(new TextDecoder().decode(await store.get(key)));
  if (parsed.success) return { json: JSON.stringify(parsed.settings) };
  const { kind, problems } = parsed.error;
  if (kind === 'not-json') {
    return {
      problem: `${key} is not valid JSON (${problems[0]?.message}); fix it or delete it and upload it again`,
    };
  }
  const issues = problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ');
  return { problem: `${key} has invalid settings (${issues}); fix them and upload it again` };
}

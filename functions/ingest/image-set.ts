import { createHash } from 'node:crypto';
import type { PhotoRef } from '../../events/pipeline-events.js';

/**
 * The identity of a sealed set: a hash of every photo (key and content etag) and of the subject.json
 * content. The same folder contents always give the same id, so the execution name derived from it makes
 * a second StartExecution for the same set a no-op.
 */
export function imageSetIdOf(photos: readonly PhotoRef[], settingsEtag: string | undefined): string {
  const hash = createHash('sha256');
  for (const photo of [...photos].sort((a, b) => a.key.localeCompare(b.key))) {
    hash.update(`${photo.key}\u0000${photo.etag}\n`);
  }
  hash.update(`settings\u0000${settingsEtag ?? 'none'}`);
  return `is-${hash.digest('hex').slice(0, 16)}`;
}

/** Step Functions execution names: at most 80 characters of [A-Za-z0-9-_]. */
export function executionNameFor(subjectId: string, imageSetId: string): string {
  const safeSubject = subjectId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80 - imageSetId.length - 1);
  return `${safeSubject}-${imageSetId}`;
}

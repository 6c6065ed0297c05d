import { createHash } from 'node:crypto';
import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';
import type { PhotoRef } from '../../events/pipeline-events.js';

/**
 * The identity of a sealed set: a hash of every photo (key and content etag) and of the subject.json
 * content. The same folder contents always give the same id (and so the same model version).
 */
export function imageSetIdOf(photos: readonly PhotoRef[], settingsEtag: string | undefined): string {
  const hash = createHash('sha256');
  for (const photo of [...photos].sort((a, b) => a.key.localeCompare(b.key))) {
    hash.update(`${photo.key}\u0000${photo.etag}\n`);
  }
  hash.update(`settings\u0000${settingsEtag ?? 'none'}`);
  return `is-${hash.digest('hex').slice(0, 16)}`;
}

/**
 * The execution that runs one generation of a subject: at most 80 characters of [A-Za-z0-9-_]. Starting it again
 * (a replayed event, the sweep) is a no-op, so a generation is trained at most once; the incarnation keeps a
 * recreated subject (after erasure) from meeting the names of the old one, which Step Functions keeps 90 days.
 */
export function executionNameFor(ref: SubjectRef, incarnation: string, generation: number): string {
  const suffix = `-${incarnation}-g${generation}`;
  // The default tenant's names stay short (`ana-0a1b2c3d-g1`); another tenant's start with it (`acme--ana-...`).
  const tenant = ref.tenantId === DEFAULT_TENANT_ID ? '' : `${ref.tenantId}--`;
  const safeSubject = `${tenant}${ref.subjectId}`
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 80 - suffix.length);
  return `${safeSubject}${suffix}`;
}

/**
 * Whether `name` is an execution of the subject's training workflow (any incarnation and generation), as
 * executionNameFor makes them: `ana-0a1b2c3d-g1` is ana's, `ana-b-0a1b2c3d-g1` is not.
 */
export function isExecutionOfSubject(name: string, ref: SubjectRef): boolean {
  const tenant = ref.tenantId === DEFAULT_TENANT_ID ? '' : `${ref.tenantId}--`;
  const safeSubject = `${tenant}${ref.subjectId}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const match = /^(.+)-[0-9a-f]{8}-g\d+$/.exec(name);
  if (!match?.[1]) return false;
  // A long id is cut to fit 80 characters: the cut name is then a prefix of the subject's.
  return match[1] === safeSubject || (name.length === 80 && safeSubject.startsWith(match[1]));
}

/** The one execution that reports a folder whose name is not a valid subject id: one per folder name. */
export function rejectedFolderExecutionName(tenantId: string, folder: string): string {
  return `rejected-folder-${createHash('sha256').update(`${tenantId}\u0000${folder}`).digest('hex').slice(0, 32)}`;
}

/** A stable, valid id for events about a folder whose name is not one. */
export function rejectedFolderSubjectId(folder: string): string {
  return `invalid-folder-${createHash('sha256').update(folder).digest('hex').slice(0, 12)}`;
}

/** A content hash of the folder name, in the shape of an image set id (Subject Rejected carries one). */
export function rejectedFolderImageSetId(folder: string): string {
  return `is-${createHash('sha256').update(`folder\u0000${folder}`).digest('hex').slice(0, 16)}`;
}

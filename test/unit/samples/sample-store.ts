import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PhotoRef } from '../../../events/pipeline-events.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import {
  generateSampleSubjects,
  type SampleSubject,
  type SampleSubjectName,
} from '../../../local/samples/generate-sample-subjects.js';

/** A bucket-like temp folder holding generated subjects under `subjects/`, as the ingest bucket does. */
export interface SampleStore {
  root: string;
  store: FolderObjectStore;
  subject(name: SampleSubjectName): SampleSubject;
  /** The candidate photos of a subject as ingest hands them on: junk and subject.json left out. */
  photoRefs(name: SampleSubjectName): Promise<PhotoRef[]>;
  remove(): Promise<void>;
}

export async function createSampleStore(subjects: readonly SampleSubjectName[]): Promise<SampleStore> {
  const root = await mkdtemp(join(tmpdir(), 'avatar-samples-'));
  const generated = await generateSampleSubjects(join(root, 'subjects'), { subjects });
  const store = new FolderObjectStore(root);
  const subject = (name: SampleSubjectName) => {
    const found = generated.find((candidate) => candidate.subjectId === name);
    if (!found) throw new Error(`Subject ${name} was not generated`);
    return found;
  };
  return {
    root,
    store,
    subject,
    photoRefs: async (name) => {
      const candidates = new Set(
        subject(name)
          .files.filter((file) => file.expected !== 'junk' && file.expected !== 'settings')
          .map((file) => `subjects/${name}/${file.name}`),
      );
      const objects = await store.list(`subjects/${name}/`);
      return objects.filter((object) => candidates.has(object.key));
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

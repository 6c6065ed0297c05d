import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleSubjects } from '../../local/samples/generate-sample-subjects.js';

export interface SamplePhoto {
  name: string;
  body: Buffer;
}

/** The usable photos of the generated sample subject good-ana, read once per test file; `remove` deletes them. */
export async function goodSamplePhotos(
  prefix: string,
): Promise<{ photos: SamplePhoto[]; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const [ana] = await generateSampleSubjects(dir, { subjects: ['good-ana'] });
  if (!ana) throw new Error('no sample subject');
  const photos = await Promise.all(
    ana.files
      .filter((file) => file.expected === 'good')
      .map(async (file) => ({ name: file.name, body: await readFile(join(ana.dir, file.name)) })),
  );
  return { photos, remove: () => rm(dir, { recursive: true, force: true }) };
}

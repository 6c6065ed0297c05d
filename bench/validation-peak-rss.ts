/**
 * Peak memory (RSS) of validating 15 photos of 12 MP, in a process of its own so that nothing else the bench
 * holds (the photos it generated, other benchmarks' heaps) is counted: `tsx bench/validation-peak-rss.ts <dir>`
 * validates the photos in <dir> (a folder store laid out as `subjects/bench/...`) and prints the process's
 * peak resident set in MB, and the same for a process that only loaded the modules (the floor under it).
 */
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SubjectSettings } from '../events/subject-settings.js';
import { FolderObjectStore } from '../functions/platform/folder-object-store.js';
import { validateImageSet } from '../functions/validation/validate-image-set.js';
import { validationPolicy } from '../functions/validation/validation-policy.js';
import { UnscreenedContentModerator } from '../local/stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../local/stand-ins/face-analysis.js';

/**
 * VmHWM, the high-water mark of this process's own memory map: `maxRSS` (getrusage) would not do, since Linux
 * carries it over a fork and exec, so a child of the bench would report the bench's own peak.
 */
const peakRssMb = () => {
  const line = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
};

export async function validateFolder(root: string): Promise<void> {
  const store = new FolderObjectStore(root);
  const names = (await readdir(join(root, 'subjects', 'bench'))).sort();
  const photos = await Promise.all(
    names.map(async (name) => {
      const key = `subjects/bench/${name}`;
      return { key, size: (await stat(join(root, key))).size, etag: '' };
    }),
  );
  await validateImageSet(
    {
      tenantId: 'default',
      subjectId: 'bench',
      imageSetId: 'is-0000000000000000',
      photos,
      settings: SubjectSettings.parse({}),
    },
    {
      store,
      faceAnalyzer: new SaliencyFaceAnalyzer(),
      moderator: new UnscreenedContentModerator(),
      policy: validationPolicy(),
    },
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const floorMb = peakRssMb();
  if (process.argv[2]) await validateFolder(process.argv[2]);
  process.stdout.write(JSON.stringify({ floorMb, peakRssMb: peakRssMb() }));
}

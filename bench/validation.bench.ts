import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { SubjectSettings } from '../events/subject-settings.js';
import { FolderObjectStore } from '../functions/platform/folder-object-store.js';
import { mapWithConcurrency } from '../functions/validation/bounded-concurrency.js';
import { validateImageSet } from '../functions/validation/validate-image-set.js';
import { validationPolicy } from '../functions/validation/validation-policy.js';
import { generatePhoto12MP } from '../local/samples/generate-sample-subjects.js';
import { UnscreenedContentModerator } from '../local/stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../local/stand-ins/face-analysis.js';

const PHOTOS = 15;
const RUNS = 3;

export interface ValidationBenchmark {
  photos: number;
  megapixels: number;
  /** Median over runs of decoding every photo in full, one after another (libvips still uses every core). */
  bareDecodeMs: number;
  /** The same decodes, as many at once as validation runs photos at once (policy.concurrency). */
  bareDecodeConcurrentMs: number;
  /** Median over runs of validateImageSet on the same photos (folder store, local stand-ins). */
  validationMs: number;
  /** validationMs / the faster of the two bare decodes; the target is <= 1.2. */
  ratio: number;
  /** Peak RSS of a process that validated the 15 photos (target <= 1,024 MB), and of one that only loaded. */
  peakRssMb: number;
  floorRssMb: number;
}

/** The memory ValidateImages is deployed with (infra/constructs/training.ts). */
export const VALIDATION_MEMORY_MB = 1769;
/** What it had before peak RSS was measured. */
export const PREVIOUS_VALIDATION_MEMORY_MB = 3008;

/** Peak RSS of validating the photos under `root` in a fresh process (see validation-peak-rss.ts). */
async function peakRssOf(root: string, withPhotos: boolean): Promise<{ floorMb: number; peakRssMb: number }> {
  const script = fileURLToPath(new URL('./validation-peak-rss.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', script, ...(withPhotos ? [root] : [])],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as { floorMb: number; peakRssMb: number };
}

/**
 * Whole-set validation against the cost of merely decoding the photos. Shrink-on-load should make the
 * validation's single small decode cheaper than a full one, so checks, hashing and the stand-ins fit in the rest.
 */
export async function benchValidation(): Promise<ValidationBenchmark> {
  const root = await mkdtemp(join(tmpdir(), 'avatar-bench-'));
  try {
    const store = new FolderObjectStore(root);
    const photos = await Promise.all(
      Array.from({ length: PHOTOS }, (_, index) => generatePhoto12MP(index + 1)),
    );
    const refs = await Promise.all(
      photos.map(async (body, index) => {
        const key = `subjects/bench/IMG_${String(index + 1).padStart(4, '0')}.jpg`;
        await store.put(key, body, 'image/jpeg');
        return { key, size: body.length, etag: '' };
      }),
    );
    const deps = {
      store,
      faceAnalyzer: new SaliencyFaceAnalyzer(),
      moderator: new UnscreenedContentModerator(),
      policy: validationPolicy(),
    };
    const input = {
      tenantId: 'default',
      subjectId: 'bench',
      imageSetId: 'is-0000000000000000',
      photos: refs,
      settings: SubjectSettings.parse({}),
    };

    const decode = (body: Buffer) => sharp(body, { limitInputPixels: 50_000_000 }).raw().toBuffer();
    const bare: number[] = [];
    const bareConcurrent: number[] = [];
    const validation: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      bare.push(
        await timed(async () => {
          for (const body of photos) await decode(body);
        }),
      );
      bareConcurrent.push(
        await timed(() => mapWithConcurrency(photos, deps.policy.concurrency, (body) => decode(body))),
      );
      validation.push(await timed(() => validateImageSet(input, deps)));
    }
    const rss = await peakRssOf(root, true);
    const floor = await peakRssOf(root, false);
    const bareDecodeMs = median(bare);
    const bareDecodeConcurrentMs = median(bareConcurrent);
    const validationMs = median(validation);
    return {
      photos: PHOTOS,
      megapixels: 12,
      bareDecodeMs: Math.round(bareDecodeMs),
      bareDecodeConcurrentMs: Math.round(bareDecodeConcurrentMs),
      validationMs: Math.round(validationMs),
      ratio: Math.round((validationMs / Math.min(bareDecodeMs, bareDecodeConcurrentMs)) * 100) / 100,
      peakRssMb: Math.round(rss.peakRssMb),
      floorRssMb: Math.round(floor.peakRssMb),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchValidation());
}

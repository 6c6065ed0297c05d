import { readdir, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DataFolder } from '../state/data-folder.js';
import { type EventLog, type RunMarker, readEventLog } from '../state/event-log.js';
import { type CostEstimate, estimateCost } from './cost-estimate.js';
import { renderGallery } from './gallery-html.js';
import {
  currentSet,
  type GenerationResult,
  type ImageSetResult,
  type SubjectResult,
  subjectResults,
  type TimelineEntry,
} from './subject-results.js';
import { Thumbnails } from './thumbnails.js';

/** An image on the page: a thumbnail (`src`) and, where the original is safe to open, a link to it. */
export interface GalleryImage {
  src: string;
  href?: string;
  alt: string;
}

export type PhotoVerdict = 'used' | 'excluded' | 'usable' | 'ignored';

export interface GalleryPhoto {
  fileName: string;
  verdict: PhotoVerdict;
  code?: string;
  reason?: string;
  advice?: string;
  preview?: GalleryImage;
  /** Why there is no preview. */
  noPreview?: string;
}

export interface GalleryAvatar {
  image?: GalleryImage;
  seed: number;
  missing?: string;
}

export interface GalleryPrompt {
  prompt: string;
  style?: string;
  delivered: GalleryAvatar[];
  withheld: { seed: number; attempts: number; reason: string }[];
}

export interface GalleryGeneration {
  result: GenerationResult;
  prompts: GalleryPrompt[];
}

export interface GallerySubject {
  subjectId: string;
  result: SubjectResult;
  set?: ImageSetResult;
  photos: GalleryPhoto[];
  crops: GalleryImage[];
  generations: GalleryGeneration[];
  cost?: CostEstimate;
  timeline: TimelineEntry[];
}

export interface GalleryModel {
  generatedAt: string;
  dataDir: string;
  runs: RunMarker[];
  subjects: GallerySubject[];
}

/**
 * Writes `DATA/report/index.html`: every subject of the data folder with its timeline, its photos' verdicts
 * (thumbnails), training crops, model, prompts and their screening verdicts, delivered avatars, withheld ones
 * (named, not shown) and an estimated AWS cost. A static page: no script, no network, relative links that work
 * from file://.
 */
export async function writeGallery(
  data: DataFolder,
  options: { log?: EventLog; now?: Date } = {},
): Promise<{ file: string; subjects: number }> {
  const log = options.log ?? (await readEventLog(data.events));
  const results = subjectResults(log);
  const thumbnails = new Thumbnails(join(data.report, 'thumbs'));
  const subjects: GallerySubject[] = [];
  for (const result of [...results.values()].sort((a, b) => a.subjectId.localeCompare(b.subjectId))) {
    subjects.push(await gallerySubject(result, data, thumbnails));
  }
  await thumbnails.prune();
  const model: GalleryModel = {
    generatedAt: (options.now ?? new Date()).toISOString(),
    dataDir: data.root,
    runs: log.runs,
    subjects,
  };
  await writeFile(data.reportIndex, renderGallery(model));
  return { file: data.reportIndex, subjects: subjects.length };
}

async function gallerySubject(
  result: SubjectResult,
  data: DataFolder,
  thumbnails: Thumbnails,
): Promise<GallerySubject> {
  const set = currentSet(result);
  const base = { subjectId: result.subjectId, result, timeline: result.timeline };
  if (!set) return { ...base, photos: [], crops: [], generations: [] };
  const page = data.report;
  const bucketFile = (key: string) => join(data.bucket, ...key.split('/'));
  // The original is linked only when it could be previewed: a 900-megapixel bomb is never one click away.
  const image = async (key: string, group: string, alt: string): Promise<Shown> => {
    const thumb = await thumbnails.of(bucketFile(key), group);
    if (!thumb.ok) return { why: thumb.why };
    return { preview: { src: href(page, thumb.file), alt, href: href(page, bucketFile(key)) } };
  };

  const verdicts = set.accepted ?? set.rejected;
  const excluded = new Map((verdicts?.photosExcluded ?? []).map((p) => [p.key, p]));
  const used = new Set((set.accepted?.photosUsed ?? []).map((p) => p.key));
  const photos: GalleryPhoto[] = [];
  for (const photo of set.received.photos) {
    const fileName = photo.key.split('/').at(-1) ?? photo.key;
    const problem = excluded.get(photo.key);
    const verdict: PhotoVerdict = problem ? 'excluded' : used.has(photo.key) ? 'used' : 'usable';
    const words =
      verdict === 'used'
        ? 'used for training'
        : verdict === 'excluded'
          ? `excluded: ${problem?.reason}`
          : verdicts
            ? 'usable, but the set as a whole was not accepted'
            : 'not judged yet';
    const shown = await image(
      photo.key,
      result.subjectId,
      `Photo ${fileName} of ${result.subjectId}, ${words}`,
    );
    photos.push({
      fileName,
      verdict,
      ...(problem ? { code: problem.code, reason: problem.reason, advice: problem.advice } : {}),
      ...('preview' in shown ? { preview: shown.preview } : { noPreview: shown.why }),
    });
  }
  for (const key of set.received.ignoredFiles) {
    photos.push({
      fileName: key.split('/').at(-1) ?? key,
      verdict: 'ignored',
      reason: 'Folder junk (not a photo); never counted.',
      noPreview: 'not a photo',
    });
  }

  const crops: GalleryImage[] = [];
  if (set.accepted) {
    const prefix = set.accepted.trainingSet.prefix.replace(/\/?$/, '/');
    const keys = (await listKeys(data.bucket, prefix)).filter((key) => /\.(jpe?g|png|webp)$/i.test(key));
    for (const [index, key] of keys.entries()) {
      const shown = await image(
        key,
        result.subjectId,
        `Training crop ${index + 1} of ${keys.length} for ${result.subjectId}: ${set.accepted.trainingSet.resolution} px square, centred on the face`,
      );
      if ('preview' in shown) crops.push(shown.preview);
    }
  }

  const generations: GalleryGeneration[] = [];
  for (const generation of set.generations) {
    const prompts: GalleryPrompt[] = [];
    for (const prompt of generation.avatarsReady?.prompts ?? []) {
      const delivered: GalleryAvatar[] = [];
      for (const [index, avatar] of prompt.delivered.entries()) {
        const shown = await image(
          avatar.key,
          result.subjectId,
          `Avatar ${index + 1} of ${result.subjectId} for "${prompt.prompt}" (seed ${avatar.seed})${generation.avatarsReady?.generatedBy === 'local-stand-in' ? ', a placeholder drawn by the local stand-in' : ''}`,
        );
        delivered.push({
          seed: avatar.seed,
          ...('preview' in shown ? { image: shown.preview } : { missing: shown.why }),
        });
      }
      prompts.push({
        prompt: prompt.prompt,
        ...(prompt.style ? { style: prompt.style } : {}),
        delivered,
        withheld: prompt.withheld,
      });
    }
    generations.push({ result: generation, prompts });
  }
  return { ...base, set, photos, crops, generations, cost: estimateCost(set) };
}

type Shown = { preview: GalleryImage } | { why: string };

async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  const folder = join(bucket, ...prefix.split('/').filter(Boolean));
  try {
    const entries = await readdir(folder, { withFileTypes: true, recursive: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(bucket, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .sort();
  } catch {
    return [];
  }
}

/** A relative URL from the page's folder to a file, each segment encoded (keys may hold spaces, `%`, `#`). */
function href(from: string, file: string): string {
  return relative(from, file).split(sep).map(encodeURIComponent).join('/');
}

import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** Photos above this are not previewed (a decompression bomb is refused from its header, as validation does). */
const MAX_PREVIEW_PIXELS = 50_000_000;

export type Thumbnail = { ok: true; file: string } | { ok: false; why: string };

/**
 * Small JPEG previews for the gallery, kept under `report/thumbs/`: one per source file and version (its
 * path, size and modification time name the thumbnail), so rewriting the gallery only makes the new ones.
 */
export class Thumbnails {
  private readonly made = new Set<string>();

  constructor(
    private readonly folder: string,
    private readonly size = 240,
  ) {}

  async of(source: string, group: string): Promise<Thumbnail> {
    let info: { size: number; mtimeMs: number };
    try {
      info = await stat(source);
    } catch {
      return { ok: false, why: 'the file is no longer in the bucket' };
    }
    if (info.size === 0) return { ok: false, why: 'the file is empty' };
    const name = createHash('sha256')
      .update(`${source}\n${info.size}\n${info.mtimeMs}`)
      .digest('hex')
      .slice(0, 16);
    const file = join(this.folder, safeSegment(group), `${name}.jpg`);
    this.made.add(file);
    try {
      await stat(file);
      return { ok: true, file };
    } catch {
      // Not made yet.
    }
    try {
      await mkdir(dirname(file), { recursive: true });
      await sharp(source, { limitInputPixels: MAX_PREVIEW_PIXELS, failOn: 'error' })
        .rotate()
        .resize(this.size, this.size, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 78 })
        .toFile(file);
      return { ok: true, file };
    } catch (error) {
      this.made.delete(file);
      return { ok: false, why: previewProblem(error as Error) };
    }
  }

  /** Deletes thumbnails of files that are gone or changed. */
  async prune(): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(this.folder, { recursive: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const file = join(this.folder, entry);
      if (entry.endsWith('.jpg') && !this.made.has(file)) await rm(file, { force: true });
    }
  }
}

function previewProblem(error: Error): string {
  const message = error.message;
  if (/pixel limit/i.test(message)) return 'too many pixels to preview safely';
  if (/unsupported image format|bad seek|heif/i.test(message))
    return 'a format the browser preview cannot show';
  if (/premature end|truncat|corrupt|VipsJpeg|invalid/i.test(message)) return 'the file is damaged';
  return 'it cannot be decoded as an image';
}

function safeSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

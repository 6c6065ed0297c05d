import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ObjectNotFoundError } from './errors.js';
import type { ObjectStore, StoredObject } from './object-store.js';

/** A folder that behaves like a bucket: the local mode's storage. Etags are MD5 of the body, as S3's are. */
export class FolderObjectStore implements ObjectStore {
  /** MD5s by path, valid while size and mtime are unchanged: `head` stays a stat, as S3's HEAD is cheap. */
  private readonly etags = new Map<string, { size: number; mtimeMs: number; etag: string }>();

  constructor(readonly root: string) {}

  pathOf(key: string): string {
    if (key.startsWith('/') || key.split('/').includes('..')) {
      throw new Error(`Object key "${key}" is not allowed: keys are relative and never contain ".."`);
    }
    return join(this.root, ...key.split('/'));
  }

  async head(key: string): Promise<StoredObject> {
    const path = this.pathOf(key);
    try {
      return { key, ...(await this.describe(path)) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, _contentType: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader never sees half an object (S3 puts are atomic too).
    const partial = `${path}.partial-${process.pid}`;
    await writeFile(partial, body);
    await rename(partial, path);
    const { size, mtimeMs } = await stat(path);
    this.etags.set(path, { size, mtimeMs, etag: md5(typeof body === 'string' ? Buffer.from(body) : body) });
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.put(toKey, await this.get(fromKey), 'application/octet-stream');
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const found: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(path);
        } else if (entry.isFile() && !entry.name.includes('.partial-')) {
          const key = relative(this.root, path).split(sep).join('/');
          if (key.startsWith(prefix)) found.push({ key, ...(await this.describe(path)) });
        }
      }
    };
    await walk(this.root);
    return found.sort((a, b) => a.key.localeCompare(b.key));
  }
  /**
   * Deletes the object for good (the folder keeps no versions) and the folders it leaves empty, up to the root:
   * an erased subject leaves no empty `subjects/<id>/` behind either. Missing keys are fine (idempotent).
   */
  async remove(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    this.etags.delete(path);
    for (let dir = dirname(path); dir.startsWith(this.root) && dir !== this.root; dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): the folders above are not empty either
      }
    }
  }

  private async describe(path: string): Promise<{ size: number; etag: string }> {
    const { size, mtimeMs } = await stat(path);
    const cached = this.etags.get(path);
    if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return { size, etag: cached.etag };
    const etag = md5(await readFile(path));
    this.etags.set(path, { size, mtimeMs, etag });
    return { size, etag };
  }
}

function md5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

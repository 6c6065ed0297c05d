import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ObjectNotFoundError, type ObjectStore, type StoredObject } from './object-store.js';

/** A folder that behaves like a bucket: the local mode's storage. Etags are MD5 of the body, as S3's are. */
export class FolderObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  pathOf(key: string): string {
    if (key.startsWith('/') || key.split('/').includes('..')) {
      throw new Error(`Object key "${key}" is not allowed: keys are relative and never contain ".."`);
    }
    return join(this.root, ...key.split('/'));
  }

  async head(key: string): Promise<StoredObject> {
    const body = await this.get(key);
    return { key, size: body.byteLength, etag: md5(body) };
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
          if (key.startsWith(prefix)) {
            const body = await readFile(path);
            found.push({ key, size: (await stat(path)).size, etag: md5(body) });
          }
        }
      }
    };
    await walk(this.root);
    return found.sort((a, b) => a.key.localeCompare(b.key));
  }
}

function md5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

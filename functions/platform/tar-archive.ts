import { Readable } from 'node:stream';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';

/**
 * Model packages (`<name>.tar.gz`) with tar-stream: regular files and directories, paths of any length (tar-stream
 * writes a ustar header when the path fits, a PAX `path` record when it does not, as Python's tarfile does with
 * PAX_FORMAT on the container side), deterministic (sorted entries, mtime 0, uid/gid 0, no owner names, fixed
 * modes, gzip header without name or time) so the same files always give the same bytes.
 */
export interface TarEntry {
  path: string;
  /** Absent for a directory (path ending in `/`). */
  body?: Uint8Array;
}

const EPOCH = new Date(0);

export async function createTarGz(entries: TarEntry[]): Promise<Uint8Array> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk) => chunks.push(chunk as Buffer));
  const finished = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  // Code-unit order: the same bytes in every locale.
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const isDirectory = entry.path.endsWith('/');
    const header: Parameters<typeof archive.entry>[0] = {
      name: isDirectory ? entry.path.slice(0, -1) : entry.path,
      type: isDirectory ? 'directory' : 'file',
      mode: isDirectory ? 0o755 : 0o644,
      mtime: EPOCH,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
    };
    await new Promise<void>((resolve, reject) => {
      const written = (error?: Error | null) => (error ? reject(error) : resolve());
      if (isDirectory) archive.entry(header, written);
      else archive.entry(header, Buffer.from(entry.body ?? new Uint8Array()), written);
    });
  }
  archive.finalize();
  await finished;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

export class InvalidArchiveError extends Error {
  override name = 'InvalidArchiveError';
}

/** Every entry of a `.tar.gz`, directories ending with `/`; PAX and GNU long names are read as the full path. */
export async function readTarGz(archive: Uint8Array): Promise<TarEntry[]> {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive);
  } catch (error) {
    throw new InvalidArchiveError(`Not a gzip archive: ${(error as Error).message}`);
  }
  const entries: TarEntry[] = [];
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (chunk) => parts.push(chunk as Buffer));
      stream.on('end', () => {
        if (header.type === 'directory') {
          entries.push({ path: header.name.endsWith('/') ? header.name : `${header.name}/` });
        } else {
          entries.push({ path: header.name, body: Buffer.concat(parts) });
        }
        next();
      });
      stream.resume();
    });
    reader.on('finish', resolve);
    reader.on('error', (error: Error) =>
      reject(new InvalidArchiveError(`Not a tar archive: ${error.message}`)),
    );
  });
  Readable.from([tar]).pipe(reader);
  await done;
  return entries;
}

/** One entry of an archive as listed: its type as the tar header says, its size, and its body when asked for. */
export interface TarListing {
  /** Directories end with `/`. */
  path: string;
  /** tar-stream's header type: 'file', 'directory', 'symlink', 'link', 'character-device', ... */
  type: string;
  size: number;
  body?: Uint8Array;
}

/**
 * Every entry of a `.tar.gz`, streamed: only the bodies `keepBody` asks for (and at most `maxBodyBytes` of each) are
 * held in memory, so a package of large weights is checked without a second copy of it.
 */
export async function listTarGz(
  archive: Uint8Array,
  keepBody: (path: string) => boolean = () => false,
  maxBodyBytes = 64 * 1024,
): Promise<TarListing[]> {
  const entries: TarListing[] = [];
  const reader = extract();
  const gunzip = createGunzip();
  const done = new Promise<void>((resolve, reject) => {
    const fail = (kind: string) => (error: Error) =>
      reject(new InvalidArchiveError(`Not a ${kind} archive: ${error.message}`));
    gunzip.on('error', fail('gzip'));
    reader.on('error', fail('tar'));
    reader.on('entry', (header, stream, next) => {
      const isDirectory = header.type === 'directory';
      const path = isDirectory && !header.name.endsWith('/') ? `${header.name}/` : header.name;
      const listing: TarListing = { path, type: header.type ?? 'file', size: header.size ?? 0 };
      const keep = !isDirectory && keepBody(path) && listing.size <= maxBodyBytes;
      const parts: Buffer[] = [];
      if (keep) stream.on('data', (chunk) => parts.push(chunk as Buffer));
      stream.on('end', () => {
        if (keep) listing.body = Buffer.concat(parts);
        entries.push(listing);
        next();
      });
      stream.resume();
    });
    reader.on('finish', resolve);
  });
  Readable.from([Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)])
    .pipe(gunzip)
    .pipe(reader);
  await done;
  return entries;
}

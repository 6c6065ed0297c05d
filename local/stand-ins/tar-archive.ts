import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Just enough of the POSIX ustar format for model packages (`<name>.tar.gz`): regular files and directories,
 * paths up to 100 bytes, deterministic (fixed mtime, uid, gid, modes) so the same files give the same bytes.
 */
export interface TarEntry {
  path: string;
  /** Absent for a directory (path ending in `/`). */
  body?: Uint8Array;
}

const BLOCK = 512;

export function createTarGz(entries: TarEntry[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const entry of [...entries].sort((a, b) => a.path.localeCompare(b.path))) {
    const isDirectory = entry.path.endsWith('/');
    const body = entry.body ?? new Uint8Array();
    blocks.push(header(entry.path, isDirectory ? 0 : body.byteLength, isDirectory));
    if (!isDirectory) {
      blocks.push(body, new Uint8Array((BLOCK - (body.byteLength % BLOCK)) % BLOCK));
    }
  }
  blocks.push(new Uint8Array(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

export class InvalidArchiveError extends Error {
  override name = 'InvalidArchiveError';
}

export function readTarGz(archive: Uint8Array): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive);
  } catch (error) {
    throw new InvalidArchiveError(`Not a gzip archive: ${(error as Error).message}`);
  }
  const entries: TarEntry[] = [];
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const name = text(block, 0, 100);
    const prefix = text(block, 345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    const size = Number.parseInt(text(block, 124, 12) || '0', 8);
    const type = String.fromCharCode(block[156] ?? 48);
    offset += BLOCK;
    if (type === '5') entries.push({ path: path.endsWith('/') ? path : `${path}/` });
    else entries.push({ path, body: tar.subarray(offset, offset + size) });
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

function header(path: string, size: number, isDirectory: boolean): Uint8Array {
  if (Buffer.byteLength(path) > 100)
    throw new InvalidArchiveError(`Path too long for this tar writer: ${path}`);
  const block = Buffer.alloc(BLOCK);
  block.write(path, 0, 'utf8');
  block.write(isDirectory ? '0000755\0' : '0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(isDirectory ? '5' : '0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  block.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw
    .subarray(0, end === -1 ? length : end)
    .toString('utf8')
    .trim();
}

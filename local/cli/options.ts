import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { DataFolder } from '../state/data-folder.js';
import { UsageError } from './errors.js';

export const DEFAULT_DATA_DIR = '.local-data';

export function dataOption(): Option {
  return new Option(
    '--data <dir>',
    'the data folder: bucket, events, ledger, registry and queue (kept between runs), report',
  ).default(DEFAULT_DATA_DIR);
}

/** A data folder that a run has already filled (for status, gallery, send-event). */
export function existingDataFolder(dir: string): DataFolder {
  const data = new DataFolder(resolve(dir));
  if (!existsSync(data.events) && !existsSync(data.state)) {
    throw new UsageError(
      `--data ${dir}: no local pipeline data there yet; run \`npm start\` first (or pass the --data of that run)`,
    );
  }
  return data;
}

/** A folder that must exist. */
export function existingFolder(flag: string, dir: string): string {
  const path = resolve(dir);
  if (!existsSync(path)) throw new UsageError(`${flag} ${dir}: no such folder`);
  if (!statSync(path).isDirectory()) throw new UsageError(`${flag} ${dir}: not a folder`);
  return path;
}

export function existingFile(flag: string, file: string): string {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`${flag} ${file}: no such file`);
  if (!statSync(path).isFile()) throw new UsageError(`${flag} ${file}: not a file`);
  return path;
}

export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL (e.g. http://localhost:8080).');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('not an http(s) URL (e.g. http://localhost:8080).');
  }
  return value.replace(/\/+$/, '');
}

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('not a whole number of 1 or more.');
  return Number(value);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 bytes. */
export function webhookSecret(value: string): string {
  const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value)?.[1];
  const bytes = key ? Buffer.from(key, 'base64').length : 0;
  if (bytes < 24 || bytes > 64)
    throw new InvalidArgumentError('not a webhook secret: whsec_ and the base64 of 24 to 64 random bytes.');
  return value;
}

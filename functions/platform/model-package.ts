import { createHash } from 'node:crypto';
import layoutJson from '../../sagemaker/model-package-layout.json' with { type: 'json' };
import { InvalidArchiveError, listTarGz, type TarListing } from './tar-archive.js';

/**
 * The adapter package the multi-model endpoint loads (TargetModel `<tenantId>/<subjectId>/<version>.tar.gz`):
 * weights, a manifest and a config.pbtxt that names the serving image's backend, and no code. The code (model.py)
 * is baked into the serving image as the `avatar_lora` Triton backend; the training role writes packages, so
 * DeployModel refuses, before anything is deployed, a package that holds anything Triton or Python could run
 * (sagemaker/model-package-layout.json, applied by the same rules as sagemaker/training/src/avatar_training/
 * packaging.py's check_layout / check_config / check_package).
 */
export interface PackageLayout {
  modelNamePattern: string;
  backend: string;
  requiredEntries: string[];
  requiredDirectories: string[];
  allowedEntries: string[];
  adapterDirectory: string;
  adapterFileSuffixes: string[];
  forbiddenSuffixes: string[];
  forbiddenNames: string[];
  configFields: string[];
}

export const PACKAGE_LAYOUT: PackageLayout = layoutJson;
export const CONFIG_FILE = 'config.pbtxt';
export const METADATA_FILE = '1/avatar-model.json';
/** A config.pbtxt larger than this is not ours (the template is about 2 KB). */
const MAX_CONFIG_BYTES = 64 * 1024;
const PLACEHOLDER = '<model>';

export class InvalidModelPackageError extends Error {
  override name = 'InvalidModelPackageError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** Same rule as packaging.triton_model_name in the training container. */
export function tritonModelName(subjectId: string, modelVersion: string): string {
  const unsafe = /[^A-Za-z0-9_-]/g;
  const digest = createHash('sha256').update(`${subjectId}/${modelVersion}`).digest('hex').slice(0, 8);
  return `avatar_${subjectId.replace(unsafe, '_')}_${modelVersion.replace(unsafe, '_')}_${digest}`;
}

function isCode(entry: string, layout: PackageLayout): boolean {
  const base = entry.replace(/\/$/, '').split('/').pop() ?? '';
  const lower = base.toLowerCase();
  return layout.forbiddenNames.includes(base) || layout.forbiddenSuffixes.some((s) => lower.endsWith(s));
}

function isUnsafeName(entry: string): boolean {
  const parts = entry.replace(/\/$/, '').split('/');
  return (
    entry.startsWith('/') || entry.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')
  );
}

/** Problems with a package's entry names (directories end with `/`); empty when they follow the layout. */
export function layoutProblems(
  entries: string[],
  modelName: string,
  layout: PackageLayout = PACKAGE_LAYOUT,
): string[] {
  const expand = (pattern: string) => pattern.replaceAll(PLACEHOLDER, modelName);
  const names = [...new Set(entries)];
  const allowed = new Set(layout.allowedEntries.map(expand));
  const adapter = expand(layout.adapterDirectory);
  const problems: string[] = [];
  if (!new RegExp(layout.modelNamePattern).test(modelName)) {
    problems.push(`"${modelName}" is not a Triton model name`);
  }
  const strays: string[] = [];
  for (const name of names) {
    if (isUnsafeName(name)) problems.push(`unsafe entry name "${name}"`);
    else if (isCode(name, layout)) {
      problems.push(
        `carries code: ${name} (the code is the serving image's backend; a package holds weights, a manifest and config.pbtxt only)`,
      );
    } else if (!name.startsWith(`${modelName}/`)) strays.push(name);
    else if (allowed.has(name)) continue;
    else if (name.startsWith(adapter)) {
      const lower = name.toLowerCase();
      if (!name.endsWith('/') && !layout.adapterFileSuffixes.some((s) => lower.endsWith(s))) {
        problems.push(
          `unexpected adapter file ${name} (only ${layout.adapterFileSuffixes.join(', ')} files)`,
        );
      }
    } else {
      problems.push(
        `unexpected entry ${name} (a package holds only ${[...allowed].sort().join(', ')} and files under ${adapter})`,
      );
    }
  }
  if (strays.length > 0) problems.push(`entries outside ${modelName}/: ${strays.sort().join(', ')}`);
  const present = new Set(names);
  for (const required of layout.requiredEntries.map(expand)) {
    if (!present.has(required)) problems.push(`missing ${required}`);
  }
  for (const folder of layout.requiredDirectories.map(expand)) {
    if (!present.has(folder)) problems.push(`missing folder ${folder}`);
    else if (!names.some((n) => n.startsWith(folder) && n !== folder && !n.endsWith('/'))) {
      problems.push(`folder ${folder} is empty`);
    }
  }
  return problems;
}

// Strings (with escapes) and comments, left to right, so that a '#' in a string and a quote in a comment are what
// Triton's text-format parser takes them for.
const CONFIG_TOKENS = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g;
// A field name: an identifier followed by ':' (scalar) or a message / list opener.
const CONFIG_FIELD = /(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_]*)\s*(?=[:{[<])/g;
const count = (text: string, chars: string) => [...text].filter((c) => chars.includes(c)).length;

/**
 * Problems with a package's config.pbtxt: it must name the model and our backend, once each at the top level as
 * one plain string, and set no field but the layout's configFields (strings and comments masked first, so a field
 * hidden in either is neither missed nor invented).
 */
export function configProblems(
  text: string,
  modelName: string,
  layout: PackageLayout = PACKAGE_LAYOUT,
): string[] {
  const strings: string[] = [];
  const masked = text.replace(CONFIG_TOKENS, (token) => {
    if (token.startsWith('#')) return ' ';
    strings.push(token.slice(1, -1));
    return `"${strings.length - 1}"`;
  });
  const refused: string[] = [];
  const top = new Map<string, (string | undefined)[]>();
  let depth = 0;
  let scanned = 0;
  for (const match of masked.matchAll(CONFIG_FIELD)) {
    const between = masked.slice(scanned, match.index);
    depth += count(between, '{[<') - count(between, '}]>');
    scanned = match.index;
    const field = match[1] ?? '';
    if (!layout.configFields.includes(field) && !refused.includes(field)) refused.push(field);
    if (depth === 0) {
      const value = /^\s*:\s*"(\d+)"(?!\s*")/.exec(masked.slice(match.index + match[0].length));
      const values = top.get(field) ?? [];
      values.push(value ? strings[Number(value[1])] : undefined);
      top.set(field, values);
    }
  }
  const problems: string[] = [];
  if (refused.length > 0) {
    problems.push(
      `${CONFIG_FILE} sets ${refused.join(', ')}: a package may set only ${layout.configFields.join(', ')}`,
    );
  }
  const named = (values: (string | undefined)[]) =>
    values.map((v) => (v === undefined ? 'a value that is not one plain string' : `"${v}"`)).join(', ') ||
    'nowhere';
  const backends = top.get('backend') ?? [];
  if (backends.length !== 1 || backends[0] !== layout.backend) {
    problems.push(
      `${CONFIG_FILE} names the backend ${named(backends)}, not "${layout.backend}" (the serving image's backend)`,
    );
  }
  const names = top.get('name') ?? [];
  if (names.length !== 1 || names[0] !== modelName) {
    problems.push(`${CONFIG_FILE} names the model ${named(names)}, not "${modelName}" (its folder)`);
  }
  return problems;
}

/** Problems with a listed package: its entries, their types and its config.pbtxt. */
export function packageProblems(
  entries: TarListing[],
  layout: PackageLayout = PACKAGE_LAYOUT,
): { modelName: string; problems: string[] } {
  const modelName = entries[0]?.path.split('/')[0] ?? '';
  if (entries.length === 0) return { modelName, problems: ['the package is empty'] };
  const problems = layoutProblems(
    entries.map((e) => e.path),
    modelName,
    layout,
  );
  for (const entry of entries) {
    if (entry.type !== 'file' && entry.type !== 'directory') {
      problems.push(`${entry.path} is not a regular file or folder (links and devices are refused)`);
    }
  }
  const config = entries.find((e) => e.path === `${modelName}/${CONFIG_FILE}` && e.type === 'file');
  if (config && config.size > MAX_CONFIG_BYTES) {
    problems.push(`${config.path} is ${config.size} bytes, more than ${MAX_CONFIG_BYTES}`);
  } else if (config) {
    problems.push(
      ...configProblems(Buffer.from(config.body ?? new Uint8Array()).toString('utf8'), modelName, layout),
    );
  }
  return { modelName, problems };
}

/**
 * Checks a package against the layout and returns its model name and manifest (`1/avatar-model.json`).
 * @throws InvalidModelPackageError naming every problem (the entry that carries code, the backend named, ...)
 */
export async function inspectModelPackage(
  archive: Uint8Array,
): Promise<{ modelName: string; metadata: Record<string, unknown> }> {
  let entries: TarListing[];
  try {
    entries = await listTarGz(
      archive,
      (path) => path.endsWith(`/${CONFIG_FILE}`) || path.endsWith(`/${METADATA_FILE}`),
      MAX_CONFIG_BYTES,
    );
  } catch (error) {
    if (error instanceof InvalidArchiveError) throw new InvalidModelPackageError([error.message]);
    throw error;
  }
  const { modelName, problems } = packageProblems(entries);
  if (problems.length > 0) throw new InvalidModelPackageError(problems);
  const metadata = entries.find((entry) => entry.path === `${modelName}/${METADATA_FILE}`)?.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(metadata ?? new Uint8Array()).toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidModelPackageError([
      `${modelName}/${METADATA_FILE} is not a JSON object (or is over ${MAX_CONFIG_BYTES} bytes)`,
    ]);
  }
  return { modelName, metadata: parsed as Record<string, unknown> };
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createTarGz, readTarGz, type TarEntry } from '../../functions/platform/tar-archive.js';

/**
 * The adapter package the multi-model endpoint loads (TargetModel `<subjectId>/<version>.tar.gz`), as
 * sagemaker/training/src/avatar_training/packaging.py builds it and sagemaker/model-package-layout.json
 * describes it. The stand-ins build and check packages with the same layout and the same templates.
 */
const sagemakerDir = fileURLToPath(new URL('../../sagemaker/', import.meta.url));

export interface PackageLayout {
  modelNamePattern: string;
  requiredEntries: string[];
  requiredDirectories: string[];
}

export async function packageLayout(): Promise<PackageLayout> {
  return JSON.parse(await readFile(`${sagemakerDir}model-package-layout.json`, 'utf8')) as PackageLayout;
}

/** Same rule as packaging.triton_model_name in the training container. */
export function tritonModelName(subjectId: string, modelVersion: string): string {
  const unsafe = /[^A-Za-z0-9_-]/g;
  const digest = createHash('sha256').update(`${subjectId}/${modelVersion}`).digest('hex').slice(0, 8);
  return `avatar_${subjectId.replace(unsafe, '_')}_${modelVersion.replace(unsafe, '_')}_${digest}`;
}

export async function buildModelPackage(model: {
  subjectId: string;
  modelVersion: string;
  metadata: Record<string, unknown>;
  adapterFiles: Record<string, Uint8Array | string>;
}): Promise<Uint8Array> {
  const name = tritonModelName(model.subjectId, model.modelVersion);
  const template = `${sagemakerDir}serving/model_template/`;
  const config = (await readFile(`${template}config.pbtxt`, 'utf8')).replaceAll('__MODEL_NAME__', name);
  const entries: TarEntry[] = [
    { path: `${name}/` },
    { path: `${name}/config.pbtxt`, body: Buffer.from(config) },
    { path: `${name}/1/` },
    { path: `${name}/1/model.py`, body: await readFile(`${template}model.py`) },
    {
      path: `${name}/1/avatar-model.json`,
      body: Buffer.from(`${JSON.stringify(model.metadata, null, 2)}\n`),
    },
    { path: `${name}/1/adapter/` },
    ...Object.entries(model.adapterFiles).map(([file, body]) => ({
      path: `${name}/1/adapter/${file}`,
      body: typeof body === 'string' ? Buffer.from(body) : body,
    })),
  ];
  return createTarGz(entries);
}

export class InvalidModelPackageError extends Error {
  override name = 'InvalidModelPackageError';
}

/** Checks a package against the layout; returns its model name and metadata. */
export async function inspectModelPackage(
  archive: Uint8Array,
): Promise<{ modelName: string; metadata: Record<string, unknown> }> {
  const layout = await packageLayout();
  const entries = await readTarGz(archive);
  const modelName = entries[0]?.path.split('/')[0] ?? '';
  if (!new RegExp(layout.modelNamePattern).test(modelName)) {
    throw new InvalidModelPackageError(`"${modelName}" is not a Triton model name`);
  }
  const paths = new Set(entries.map((entry) => entry.path));
  for (const required of layout.requiredEntries.map((p) => p.replace('<model>', modelName))) {
    if (!paths.has(required)) throw new InvalidModelPackageError(`The package lacks ${required}`);
  }
  for (const dir of layout.requiredDirectories.map((p) => p.replace('<model>', modelName))) {
    if (!entries.some((entry) => entry.path.startsWith(dir) && entry.body)) {
      throw new InvalidModelPackageError(`The package has no file under ${dir}`);
    }
  }
  const metadata = entries.find((entry) => entry.path === `${modelName}/1/avatar-model.json`)?.body;
  return { modelName, metadata: JSON.parse(Buffer.from(metadata ?? '{}').toString('utf8')) };
}

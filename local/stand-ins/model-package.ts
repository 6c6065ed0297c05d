import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE, METADATA_FILE, tritonModelName } from '../../functions/platform/model-package.js';
import { createTarGz, type TarEntry } from '../../functions/platform/tar-archive.js';

export {
  InvalidModelPackageError,
  inspectModelPackage,
  tritonModelName,
} from '../../functions/platform/model-package.js';

/**
 * The adapter package the multi-model endpoint loads (TargetModel `<tenantId>/<subjectId>/<version>.tar.gz`), as
 * sagemaker/training/src/avatar_training/packaging.py builds it and sagemaker/model-package-layout.json
 * describes it: config.pbtxt rendered from the same template (it names the serving image's avatar_lora backend),
 * the manifest and the adapter files, and no code. functions/platform/model-package.ts checks it, as DeployModel
 * and the local multi-model endpoint do.
 */
const sagemakerDir = fileURLToPath(new URL('../../sagemaker/', import.meta.url));

export async function buildModelPackage(model: {
  subjectId: string;
  modelVersion: string;
  metadata: Record<string, unknown>;
  adapterFiles: Record<string, Uint8Array | string>;
}): Promise<Uint8Array> {
  const name = tritonModelName(model.subjectId, model.modelVersion);
  const template = `${sagemakerDir}serving/model_template/${CONFIG_FILE}`;
  const config = (await readFile(template, 'utf8')).replaceAll('__MODEL_NAME__', name);
  const entries: TarEntry[] = [
    { path: `${name}/` },
    { path: `${name}/${CONFIG_FILE}`, body: Buffer.from(config) },
    { path: `${name}/1/` },
    {
      path: `${name}/${METADATA_FILE}`,
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

/** `npm run events:schemas`: regenerates events/schemas from the zod schemas (a test fails when they drift). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { identifiersDocument } from './identifiers.js';
import { pipelineJsonSchemas } from './json-schemas.js';
import { hyperparametersDocument } from './training-settings.js';

const dir = fileURLToPath(new URL('./schemas/', import.meta.url));
await mkdir(dir, { recursive: true });
for (const [file, schema] of Object.entries(pipelineJsonSchemas())) {
  await writeFile(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote events/schemas/${file}`);
}

const hyperparameters = fileURLToPath(
  new URL('../sagemaker/training/src/avatar_training/hyperparameters.json', import.meta.url),
);
await mkdir(join(hyperparameters, '..'), { recursive: true });
await writeFile(hyperparameters, `${JSON.stringify(hyperparametersDocument(), null, 2)}\n`);
console.log('wrote sagemaker/training/src/avatar_training/hyperparameters.json');

const identifiers = fileURLToPath(
  new URL('../sagemaker/training/src/avatar_training/identifiers.json', import.meta.url),
);
await writeFile(identifiers, `${JSON.stringify(identifiersDocument(), null, 2)}\n`);
console.log('wrote sagemaker/training/src/avatar_training/identifiers.json');

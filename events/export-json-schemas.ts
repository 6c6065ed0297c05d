/** `npm run events:schemas`: regenerates events/schemas from the zod schemas (a test fails when they drift). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipelineJsonSchemas } from './json-schemas.js';

const dir = fileURLToPath(new URL('./schemas/', import.meta.url));
await mkdir(dir, { recursive: true });
for (const [file, schema] of Object.entries(pipelineJsonSchemas())) {
  await writeFile(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote events/schemas/${file}`);
}

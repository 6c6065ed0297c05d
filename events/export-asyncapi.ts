/** `npm run events:asyncapi`: regenerates events/asyncapi.json from the zod schemas (a test fails when it drifts). */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { asyncApiDocument } from './asyncapi.js';

const file = fileURLToPath(new URL('./asyncapi.json', import.meta.url));
await writeFile(file, `${JSON.stringify(asyncApiDocument(), null, 2)}\n`);
console.log('wrote events/asyncapi.json');

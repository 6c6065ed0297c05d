import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from './openapi.js';
import { API_ROUTES } from './routes.js';

/** `npm run api:openapi`: rewrites functions/api/openapi.json from the routes' zod schemas. */
export const OPENAPI_FILE = fileURLToPath(new URL('./openapi.json', import.meta.url));
export const renderOpenApi = () => `${JSON.stringify(openApiDocument(API_ROUTES), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}

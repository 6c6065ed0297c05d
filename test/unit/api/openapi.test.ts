import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { OPENAPI_FILE, renderOpenApi } from '../../../functions/api/write-openapi.js';

describe('the OpenAPI document of the HTTP API', () => {
  it('is committed as `npm run api:openapi` writes it from the zod schemas', () => {
    // Prepare
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    // Act
    const generated = renderOpenApi();
    // Assess
    expect(committed).toBe(generated);
  });

  it('validates as OpenAPI 3.1 and documents every route with its problems', async () => {
    // Prepare
    const document = JSON.parse(renderOpenApi());
    // Act
    const result = await validate(structuredClone(document));
    // Assess
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(document.openapi).toBe('3.1.0');
    for (const route of API_ROUTES) {
      const operation = document.paths[route.path][route.method.toLowerCase()];
      expect(operation.operationId).toBe(route.name);
      expect(operation.responses[String(route.docs.success.status)]).toBeDefined();
      expect(operation.responses['400'].content['application/problem+json']).toBeDefined();
    }
  });

  it('carries the same subject.json settings schema as the events, and the Idempotency-Key header', () => {
    // Prepare
    const document = JSON.parse(renderOpenApi());
    // Act
    const create = document.paths['/v1/subjects'].post.requestBody.content['application/json'].schema;
    const order = document.paths['/v1/subjects/{id}/generations'].post;
    // Assess
    expect(create.properties.settings.properties.classWord).toBeDefined();
    expect(create.properties.settings.additionalProperties).toBe(false);
    expect(order.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
    );
  });
});

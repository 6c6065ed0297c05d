import * as z from 'zod';
import type { AnyRoute } from './route.js';
import { ProblemDocument } from './schemas.js';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid: every bad field is named, with the fix',
  401: 'No credential, or one that is not valid',
  404: 'You have nothing with that id',
  409: 'Conflicts with the current state',
  422: 'Idempotency-Key reused with another body',
  429: 'Throttled, or the GPU images of the day are used up',
  500: 'Internal error',
};

const schemaOf = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

/**
 * The OpenAPI 3.1 document of the routes, from the zod schemas they validate with (JSON Schema 2020-12 is
 * OpenAPI 3.1's own dialect). `npm run api:openapi` writes it to functions/api/openapi.json; a test checks the
 * committed file is what this writes.
 */
export function openApiDocument(routes: readonly AnyRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { docs } = route;
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
        name: match[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(docs.query ?? {}).map(([name, q]) => ({
        name,
        in: 'query',
        required: q.required ?? false,
        description: q.description,
        schema: { type: 'string' },
      })),
      ...Object.entries(docs.headers ?? {}).map(([name, h]) => ({
        name,
        in: 'header',
        required: h.required ?? false,
        description: h.description,
        schema: { type: 'string' },
      })),
    ];
    const problems = [...new Set([400, ...(docs.public ? [] : [401]), ...docs.problems, 500])].sort();
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = {
      operationId: route.name,
      summary: docs.summary,
      ...(docs.public ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(docs.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(docs.body, 'input') } },
            },
          }
        : {}),
      responses: {
        [String(docs.success.status)]: {
          description: docs.success.description,
          content: { 'application/json': { schema: schemaOf(docs.success.schema, 'output') } },
        },
        ...Object.fromEntries(
          problems.map((status) => [
            String(status),
            {
              description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
              content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
          ]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Avatar pipeline HTTP API',
      version: '1.0.0',
      description:
        'Subjects, presigned uploads, status and generations of the avatar pipeline. Errors are RFC 9457 problems naming the field and the fix.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer apk_<clientId>_<secret>',
        },
      },
      schemas: { Problem: schemaOf(ProblemDocument, 'output') },
    },
    paths,
  };
}

import * as z from 'zod';
import { json } from './http.js';
import openApi from './openapi.json' with { type: 'json' };
import { defineRoute, type RoutePortsWith } from './route.js';

/** GET /v1/openapi.json: the committed document (npm run api:openapi), public so a partner can read it first. */
export const getOpenApiRoute = defineRoute({
  name: 'apiGetOpenApi',
  method: 'GET',
  path: '/v1/openapi.json',
  entry: 'functions/api/get-openapi.handler.ts',
  env: [],
  docs: {
    summary: 'This OpenAPI 3.1 document',
    public: true,
    success: {
      status: 200,
      description: 'The document',
      schema: z.object({ openapi: z.string() }).passthrough(),
    },
    problems: [],
  },
  // No port: the document is built in.
  build: (_env, _ports: RoutePortsWith<never>) => async () =>
    json(200, openApi, { 'cache-control': 'public, max-age=300' }),
});

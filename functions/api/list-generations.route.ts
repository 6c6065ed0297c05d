import { listGenerations } from './list-generations.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { SUBJECT_ENV, subjectDeps } from './route-deps.js';
import { GenerationList } from './schemas.js';

export const listGenerationsRoute = defineRoute({
  name: 'apiListGenerations',
  method: 'GET',
  path: '/v1/subjects/{id}/generations',
  entry: 'functions/api/list-generations.handler.ts',
  env: [...SUBJECT_ENV],
  docs: {
    summary: "A subject's generations, a page at a time",
    query: {
      limit: { description: '1-100, default 20' },
      cursor: { description: 'nextCursor of the previous page' },
    },
    success: { status: 200, description: 'One page', schema: GenerationList },
    problems: [404],
  },
  build: (env, ports: RoutePortsWith<'documentClient'>) => {
    const deps = subjectDeps(env, ports);
    return (request) => listGenerations(request, deps);
  },
});

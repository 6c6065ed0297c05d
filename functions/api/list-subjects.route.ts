import { listSubjects } from './list-subjects.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { SUBJECT_ENV, subjectDeps } from './route-deps.js';
import { SubjectList } from './schemas.js';

export const listSubjectsRoute = defineRoute({
  name: 'apiListSubjects',
  method: 'GET',
  path: '/v1/subjects',
  entry: 'functions/api/list-subjects.handler.ts',
  env: [...SUBJECT_ENV],
  docs: {
    summary: 'Your subjects, a page at a time',
    query: {
      limit: { description: '1-100, default 20' },
      cursor: { description: 'nextCursor of the previous page' },
    },
    success: { status: 200, description: 'One page', schema: SubjectList },
    problems: [],
  },
  build: (env, ports: RoutePortsWith<'documentClient'>) => {
    const deps = subjectDeps(env, ports);
    return (request) => listSubjects(request, deps);
  },
});

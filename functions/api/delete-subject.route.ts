import * as z from 'zod';
import { deleteSubject } from './delete-subject.js';
import { defineRoute } from './route.js';
import { SUBJECT_ENV, subjectDeps } from './route-deps.js';

export const deleteSubjectRoute = defineRoute({
  name: 'apiDeleteSubject',
  method: 'DELETE',
  path: '/v1/subjects/{id}',
  entry: 'functions/api/delete-subject.handler.ts',
  env: [...SUBJECT_ENV],
  docs: {
    summary: 'Erase a subject (501 until the erasure workflow is wired)',
    success: { status: 202, description: 'Erasure started', schema: z.object({ id: z.string() }) },
    problems: [404, 501],
  },
  build: (env, ports) => {
    const deps = subjectDeps(env, ports);
    return (request) => deleteSubject(request, deps);
  },
});

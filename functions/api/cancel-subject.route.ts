import * as z from 'zod';
import { cancelSubject } from './cancel-subject.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { SUBJECT_ENV, subjectDeps, TRAINING_ENV, trainingDeps } from './route-deps.js';

export const cancelSubjectRoute = defineRoute({
  name: 'apiCancelSubject',
  method: 'POST',
  path: '/v1/subjects/{id}/cancel',
  entry: 'functions/api/cancel-subject.handler.ts',
  env: [...SUBJECT_ENV, ...TRAINING_ENV],
  docs: {
    summary: 'Cancel a subject still queued for training',
    success: {
      status: 202,
      description: 'Left the training queue; its execution stops',
      schema: z.object({ id: z.string(), status: z.literal('cancelled') }),
    },
    problems: [404, 409],
  },
  build: (env, ports: RoutePortsWith<'documentClient' | 'executions'>) => {
    const deps = { ...subjectDeps(env, ports), ...trainingDeps(env, ports) };
    return (request) => cancelSubject(request, deps);
  },
});

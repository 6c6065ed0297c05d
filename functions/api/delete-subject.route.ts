import * as z from 'zod';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { deleteSubject } from './delete-subject.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { SUBJECT_ENV, subjectDeps } from './route-deps.js';

export const deleteSubjectRoute = defineRoute({
  name: 'apiDeleteSubject',
  method: 'DELETE',
  path: '/v1/subjects/{id}',
  entry: 'functions/api/delete-subject.handler.ts',
  env: [...SUBJECT_ENV, Env.erasureStateMachineArn],
  docs: {
    summary:
      'Erase a subject: every photo, crop, model, avatar and record of it, every object version; Subject Erased says when',
    success: {
      status: 202,
      description: 'Erasure started',
      schema: z.object({
        id: z.string(),
        erasureId: z.string(),
        status: z.literal('accepted'),
        requestedAt: z.string(),
      }),
    },
    problems: [404],
  },
  build: (env, ports: RoutePortsWith<'documentClient' | 'executions'>) => {
    const erasures = ports.executions(getStringFromEnv(Env.erasureStateMachineArn, { env }));
    const deps = {
      ...subjectDeps(env, ports),
      starter: { start: (name: string, input: unknown) => erasures.start(name, input) },
      now: ports.clock.now,
    };
    return (request) => deleteSubject(request, deps);
  },
});

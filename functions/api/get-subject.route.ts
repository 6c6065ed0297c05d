import { getSubject } from './get-subject.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { SUBJECT_ENV, subjectDeps, TRAINING_ENV, trainingDeps } from './route-deps.js';
import { SubjectView } from './schemas.js';

export const getSubjectRoute = defineRoute({
  name: 'apiGetSubject',
  method: 'GET',
  path: '/v1/subjects/{id}',
  entry: 'functions/api/get-subject.handler.ts',
  env: [...SUBJECT_ENV, ...TRAINING_ENV],
  docs: {
    summary: "A subject's status, per-photo verdicts and model",
    success: { status: 200, description: 'The subject', schema: SubjectView },
    problems: [404],
  },
  build: (env, ports: RoutePortsWith<'documentClient' | 'executions'>) => {
    const deps = { ...subjectDeps(env, ports), ...trainingDeps(env, ports) };
    return (request) => getSubject(request, deps);
  },
});

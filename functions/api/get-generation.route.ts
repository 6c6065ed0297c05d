import { getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { getGeneration } from './get-generation.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { SUBJECT_ENV, subjectDeps } from './route-deps.js';
import { GenerationView } from './schemas.js';

/** Links in an answer work at most this long, whatever the deployment's link expiry. */
const MAX_LINK_SECONDS = 3600;

export const getGenerationRoute = defineRoute({
  name: 'apiGetGeneration',
  method: 'GET',
  path: '/v1/subjects/{id}/generations/{gid}',
  entry: 'functions/api/get-generation.handler.ts',
  env: [...SUBJECT_ENV, Env.generationStateMachineArn, Env.photoBucket, Env.linkExpirySeconds],
  docs: {
    summary:
      'A generation: its status, avatars (links presigned now, at most 1 h), withheld images, rejected prompts',
    success: { status: 200, description: 'The generation', schema: GenerationView },
    problems: [404],
  },
  build: (env, ports: RoutePortsWith<'documentClient' | 'executions' | 'imageLinks'>) => {
    const deps = {
      ...subjectDeps(env, ports),
      generations: ports.executions(getStringFromEnv(Env.generationStateMachineArn, { env })),
      links: ports.imageLinks(getStringFromEnv(Env.photoBucket, { env })),
      linkSeconds: Math.min(
        MAX_LINK_SECONDS,
        getNumberFromEnv(Env.linkExpirySeconds, {
          defaultValue: MAX_LINK_SECONDS,
          integer: true,
          min: 60,
          env,
        }),
      ),
    };
    return (request) => getGeneration(request, deps);
  },
});

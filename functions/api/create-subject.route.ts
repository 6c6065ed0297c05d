import { getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';
import { ApiStore } from './api-store.js';
import { createSubject } from './create-subject.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { CreatedSubject, CreateSubjectBody } from './schemas.js';

export const createSubjectRoute = defineRoute({
  name: 'apiCreateSubject',
  method: 'POST',
  path: '/v1/subjects',
  entry: 'functions/api/create-subject.handler.ts',
  env: [Env.apiTable, Env.photoBucket, Env.uploadExpirySeconds, Env.maxFileBytes],
  docs: {
    summary: 'Create a subject and get one presigned upload per photo',
    body: CreateSubjectBody,
    success: {
      status: 201,
      description: 'Created; PUT each photo to its URL with its headers',
      schema: CreatedSubject,
    },
    problems: [409],
  },
  build: (env, ports: RoutePortsWith<'documentClient' | 'objectStore' | 'uploadLinks'>) => {
    const bucket = getStringFromEnv(Env.photoBucket, { env });
    const deps = {
      store: new ApiStore(ports.documentClient(), getStringFromEnv(Env.apiTable, { env })),
      objects: ports.objectStore(bucket),
      uploads: ports.uploadLinks(bucket),
      uploadExpirySeconds: getNumberFromEnv(Env.uploadExpirySeconds, {
        defaultValue: 900,
        integer: true,
        min: 60,
        max: 3600,
        env,
      }),
      maxFileBytes: getNumberFromEnv(Env.maxFileBytes, {
        defaultValue: PIPELINE_DEFAULTS.maxFileBytes,
        integer: true,
        min: 1,
        env,
      }),
      now: ports.clock.now,
    };
    return (request) => createSubject(request, deps);
  },
});

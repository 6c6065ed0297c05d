import * as z from 'zod';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { authenticate, authorizerResponse } from './authorizer.js';
import { ClientKeys } from './credentials.js';

const AuthorizerEvent = z.object({
  methodArn: z.string().min(1),
  headers: z.record(z.string(), z.string().nullable().optional()).nullable().optional(),
});

/** The REQUEST authorizer of every method: the key in, the tenant and client out (or 401). */
export const apiAuthorizerTask = defineTask({
  name: 'apiAuthorizer',
  entry: 'functions/api/authorizer.handler.ts',
  env: [Env.apiClientsTable],
  parse: taskInputParser('ApiAuthorizer', AuthorizerEvent),
  build: (env, ports: Pick<Ports, 'documentClient'>) => {
    const keys = new ClientKeys(ports.documentClient(), getStringFromEnv(Env.apiClientsTable, { env }));
    return async (event: z.infer<typeof AuthorizerEvent>) => {
      const header = Object.entries(event.headers ?? {}).find(
        ([name]) => name.toLowerCase() === 'authorization',
      );
      const principal = await authenticate(header?.[1] ?? undefined, keys);
      // API Gateway answers 401 for exactly this error message.
      if (!principal) throw new Error('Unauthorized');
      return authorizerResponse(principal, event.methodArn);
    };
  },
});

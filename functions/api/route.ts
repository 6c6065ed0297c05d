import type { z } from 'zod';
import type { Environment } from '../platform/environment.js';
import type { EnvironmentVariableName } from '../platform/environment-variables.js';
import { defineTask, type TaskDescriptor } from '../platform/task.js';
import type { CommonPorts } from '../ports.js';
import type { ApiPorts } from './api-ports.js';
import { ApiError, type FieldProblem, InvalidRequestError } from './errors.js';
import {
  type ApiRequest,
  type ApiResponse,
  internalProblem,
  problemResponse,
  requestFromProxyEvent,
} from './http.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What the OpenAPI document says about a route: generated from the same zod schemas the route validates with. */
export interface RouteDocumentation {
  summary: string;
  /** The JSON body the route accepts. */
  body?: z.ZodType;
  /** Query parameters, each a string. */
  query?: Readonly<Record<string, { description: string; required?: boolean }>>;
  /** Headers the route reads (besides Authorization). */
  headers?: Readonly<Record<string, { description: string; required?: boolean }>>;
  /** The successful answer: its status and schema. */
  success: { status: number; description: string; schema: z.ZodType };
  /** The problem statuses the route can answer besides 400/401/500. */
  problems: readonly number[];
  /** Public: no Authorization (only the document itself). */
  public?: boolean;
}

/**
 * One route of the HTTP API: a task-like descriptor (name, entry, env, parse, build, as `defineTask`) plus its
 * method, path and documentation. `build` returns the domain's handler; this wrapper answers every ApiError as a
 * problem document and anything else as a 500 that reveals nothing.
 */
/**
 * The ports a route may be built with: the common ones always (the wrapper logs with them), and of the API's own
 * only those the route names, so that its Lambda bundle holds only their clients.
 */
export type RoutePorts = CommonPorts & Partial<ApiPorts>;

/** The ports of a route that names these of the API's own. */
export type RoutePortsWith<Name extends keyof ApiPorts> = CommonPorts & Pick<ApiPorts, Name>;

export interface RouteDescriptor<
  Name extends string,
  Vars extends EnvironmentVariableName,
  Ports extends RoutePorts = ApiPorts,
> extends TaskDescriptor<Name, ApiRequest, ApiResponse, Ports, Vars> {
  readonly method: HttpMethod;
  /** Under /v1, with `{name}` path parameters as API Gateway writes them. */
  readonly path: string;
  readonly docs: RouteDocumentation;
}

export function defineRoute<
  Name extends string,
  Vars extends EnvironmentVariableName,
  Ports extends RoutePorts = ApiPorts,
>(route: {
  name: Name;
  method: HttpMethod;
  path: string;
  entry: string;
  env: readonly Vars[];
  docs: RouteDocumentation;
  build: (env: Environment, ports: Ports) => (request: ApiRequest) => Promise<ApiResponse>;
}): RouteDescriptor<Name, Vars, Ports> {
  const task = defineTask({
    name: route.name,
    entry: route.entry,
    env: route.env,
    parse: requestFromProxyEvent,
    build: (env: Environment, ports: Ports) => {
      const handle = route.build(env, ports);
      return async (request: ApiRequest): Promise<ApiResponse> => {
        try {
          if (request.bodyError) {
            throw new InvalidRequestError(`The body is not JSON: ${request.bodyError}`, [
              {
                field: 'body',
                message: 'not valid JSON',
                fix: 'send a JSON object with Content-Type: application/json',
              },
            ]);
          }
          return await handle(request);
        } catch (error) {
          if (error instanceof ApiError) return problemResponse(error, request.path);
          ports.log.error('Request failed', {
            route: route.name,
            requestId: request.requestId,
            error: String(error),
          });
          return internalProblem(request.requestId);
        }
      };
    },
  });
  return { ...task, method: route.method, path: route.path, docs: route.docs };
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds routes of every name and environment.
export type AnyRoute = RouteDescriptor<string, any, any>;

/** Parses `value` with `schema`, or throws InvalidRequestError naming every bad field and what to send. */
export function parseOrProblem<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors: FieldProblem[] = parsed.error.issues.slice(0, 20).map((issue) => {
    const field = [where, ...issue.path.map(String)].join('.');
    return { field, message: issue.message, fix: fixFor(issue) };
  });
  throw new InvalidRequestError(
    `${errors.length} problem(s) in the ${where}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    errors,
  );
}

function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.map((key) => `"${key}"`).join(', ')}: the schema has no such field (check the spelling)`;
    case 'invalid_type':
      return issue.input === undefined ? `add this field (${issue.expected})` : `send a ${issue.expected}`;
    case 'too_big':
      return `send at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : ''}`;
    case 'too_small':
      return `send at least ${String(issue.minimum)}${issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' character(s)' : ''}`;
    case 'invalid_format':
    case 'invalid_value':
      return `send a value that is ${issue.message.replace(/^Invalid( input)?:?\s*/i, '') || 'valid'}`;
    default:
      return `change this field: ${issue.message}`;
  }
}

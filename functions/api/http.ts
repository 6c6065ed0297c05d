import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type ApiError, type FieldProblem, UnauthorizedError } from './errors.js';

/** Who is calling: what the authorizer found for the credential, never what the request says. */
export interface Principal {
  tenantId: string;
  clientId: string;
  /** A dry-run key (like a payment provider's test key): everything it starts runs as a dry run. */
  mode?: 'dry-run';
}

/** A request as a route sees it: the same on API Gateway and on the local server. */
export interface ApiRequest {
  method: string;
  path: string;
  pathParameters: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined without one. */
  body: unknown;
  /** Set when the body is not JSON: the route answers 400 naming it. */
  bodyError?: string;
  /** Absent only for the public routes (GET /v1/openapi.json). */
  principal?: Principal;
  requestId: string;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const PROBLEM_BASE = 'https://github.com/avatar-pipeline/avatar-pipeline/blob/main/functions/api/README.md#';

/** An RFC 9457 problem document; `errors` names every bad field and what to send instead. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors: FieldProblem[];
}

export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
  };
}

export function problemResponse(error: ApiError, instance?: string): ApiResponse {
  const problem: Problem = {
    type: `${PROBLEM_BASE}${error.type}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    ...(instance ? { instance } : {}),
    errors: [...error.errors],
  };
  return {
    statusCode: error.status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...error.headers },
    body: JSON.stringify(problem),
  };
}

/** The problem of an error that is not the API's own: a 500 that says nothing of the cause (it is in the logs). */
export function internalProblem(requestId: string): ApiResponse {
  return json(
    500,
    {
      type: `${PROBLEM_BASE}internal`,
      title: 'Internal error',
      status: 500,
      detail: `The request could not be completed; quote request id ${requestId} when you report it.`,
      errors: [],
    },
    { 'content-type': 'application/problem+json' },
  );
}

/**
 * API Gateway's proxy event as a route's request: the principal comes from the authorizer's context only. Never
 * throws: a body that is not JSON is reported by the route, naming it.
 */
export function requestFromProxyEvent(event: unknown): ApiRequest {
  const e = (event ?? {}) as Partial<APIGatewayProxyEvent>;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(e.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  const authorizer = (e.requestContext?.authorizer ?? {}) as Record<string, unknown>;
  const principal =
    typeof authorizer.tenantId === 'string' && typeof authorizer.clientId === 'string'
      ? {
          tenantId: authorizer.tenantId,
          clientId: authorizer.clientId,
          ...(authorizer.mode === 'dry-run' ? { mode: 'dry-run' as const } : {}),
        }
      : undefined;
  let body: unknown;
  let bodyError: string | undefined;
  if (typeof e.body === 'string' && e.body.length > 0) {
    const text = e.isBase64Encoded ? Buffer.from(e.body, 'base64').toString('utf8') : e.body;
    try {
      body = JSON.parse(text);
    } catch (error) {
      bodyError = (error as Error).message;
    }
  }
  const strings = (record: Record<string, string | undefined> | null | undefined) =>
    Object.fromEntries(
      Object.entries(record ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  return {
    method: e.httpMethod ?? 'GET',
    path: e.path ?? '/',
    pathParameters: strings(e.pathParameters),
    query: strings(e.queryStringParameters),
    headers,
    body,
    ...(bodyError ? { bodyError } : {}),
    ...(principal ? { principal } : {}),
    requestId: e.requestContext?.requestId ?? 'unknown',
  };
}

/** The caller, or 401: every route but the document itself is behind the authorizer. */
export function principalOf(request: ApiRequest): Principal {
  if (!request.principal) throw new UnauthorizedError('Send Authorization: Bearer <your API key>.');
  return request.principal;
}

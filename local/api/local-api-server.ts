import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiPorts } from '../../functions/api/api-ports.js';
import { authenticate } from '../../functions/api/authorizer.js';
import { ClientKeys } from '../../functions/api/credentials.js';
import { UnauthorizedError } from '../../functions/api/errors.js';
import { type ApiResponse, problemResponse } from '../../functions/api/http.js';
import type { AnyRoute } from '../../functions/api/route.js';
import { API_ROUTES } from '../../functions/api/routes.js';
import { PIPELINE_DEFAULTS } from '../../functions/platform/pipeline-defaults.js';
import { buildTask } from '../../functions/platform/task.js';
import type { LocalPipeline } from '../runtime/local-pipeline.js';
import { environmentOf } from '../runtime/synthesized-pipeline.js';
import { importInbox } from './client-inbox.js';
import { LocalLinkSigner, localApiPorts } from './local-api-ports.js';

export interface LocalApi {
  url: string;
  close(): Promise<void>;
}

/** Bodies larger than this are refused before they are read (API Gateway's own payload limit is 10 MB). */
const MAX_JSON_BYTES = 1024 * 1024;

interface CompiledRoute {
  route: AnyRoute;
  pattern: RegExp;
  names: string[];
  run: (request: never) => Promise<ApiResponse>;
}

/**
 * The HTTP API on 127.0.0.1: every route of `functions/api/routes.ts` built as its Lambda handler builds it (same
 * descriptor, same parse, the environment the stack gives its function), behind the same authenticate() the
 * REQUEST authorizer runs, over the local pipeline. `/local-s3/<signed claim>` stands in for presigned S3 PUTs
 * (into the local bucket, delivered to the ingest as S3 events) and GETs.
 */
export async function startLocalApi(options: {
  pipeline: LocalPipeline;
  port: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
  /** Where `npm run tenant -- add` leaves keys added while this server holds the data folder. */
  clientInbox?: string;
}): Promise<LocalApi> {
  const { pipeline } = options;
  const log = options.log ?? (() => {});
  let signer: LocalLinkSigner | undefined;
  const common: Pick<ApiPorts, 'clock' | 'log' | 'metrics' | 'provenance'> = {
    clock: { now: Date.now, sleep: async () => {}, random: Math.random },
    log: { info: log, warn: log, error: log },
    metrics: { count: () => {} },
    provenance: {
      trainedBy: pipeline.trainingEndpoint.performedBy,
      servedBy: pipeline.modelEndpoint.performedBy,
      imagesScreenedBy: 'local-stand-in',
      photosCheckedBy: 'local-stand-in',
    },
  };
  const clientsTable = environmentOf(pipeline.synthesized, 'apiAuthorizer').API_CLIENTS_TABLE ?? '';
  const clientKeys = new ClientKeys(pipeline.db, clientsTable);
  const inbox = options.clientInbox;
  // A key added while this server runs (npm run tenant) is imported before its first request is refused.
  const keys = {
    verify: async (apiKey: string) =>
      (await clientKeys.verify(apiKey)) ??
      (inbox && (await importInbox(inbox, pipeline.db, clientsTable)) > 0
        ? clientKeys.verify(apiKey)
        : undefined),
  };
  let routes: CompiledRoute[] = [];
  const maxFileBytes = Number(
    environmentOf(pipeline.synthesized, 'apiCreateSubject').MAX_FILE_BYTES ?? PIPELINE_DEFAULTS.maxFileBytes,
  );

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      log('[error] Local API request failed', { error: error.message });
      if (!res.headersSent)
        send(res, {
          statusCode: 500,
          headers: { 'content-type': 'application/problem+json' },
          body: '{"title":"Internal error","status":500}',
        });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/local-s3/'))
      return localS3(req, res, url.pathname.slice('/local-s3/'.length));
    const method = req.method ?? 'GET';
    const match = routes
      .map((compiled) => ({
        compiled,
        m: compiled.route.method === method ? compiled.pattern.exec(url.pathname) : null,
      }))
      .find((candidate) => candidate.m);
    if (!match?.m) {
      return send(res, {
        statusCode: 404,
        headers: { 'content-type': 'application/problem+json' },
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Not found',
          status: 404,
          detail: `No route ${method} ${url.pathname}`,
          errors: [],
        }),
      });
    }
    const { compiled, m } = match;
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([name, value]) =>
        typeof value === 'string' ? [[name, value]] : [],
      ),
    ) as Record<string, string>;
    // The authorizer's check, before the route, as API Gateway does it.
    let authorizer: Record<string, string> | undefined;
    if (!compiled.route.docs.public) {
      const principal = await authenticate(headers.authorization, keys);
      if (!principal)
        return send(
          res,
          problemResponse(
            new UnauthorizedError(
              'Send Authorization: Bearer <your API key>; this one is missing, unknown or revoked.',
            ),
            url.pathname,
          ),
        );
      authorizer = { tenantId: principal.tenantId, clientId: principal.clientId };
    }
    const body = await readBody(req, MAX_JSON_BYTES);
    if (body === undefined)
      return send(res, {
        statusCode: 413,
        headers: { 'content-type': 'application/problem+json' },
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Payload too large',
          status: 413,
          detail: `Bodies are at most ${MAX_JSON_BYTES} bytes`,
          errors: [],
        }),
      });
    const event = {
      httpMethod: method,
      path: url.pathname,
      resource: compiled.route.path,
      headers,
      pathParameters: Object.fromEntries(
        compiled.names.map((name, i) => [name, decodeURIComponent(m[i + 1] ?? '')]),
      ),
      queryStringParameters: Object.fromEntries(url.searchParams.entries()),
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: { requestId: randomUUID(), ...(authorizer ? { authorizer } : {}) },
    };
    send(res, await compiled.run(compiled.route.parse(event) as never));
  }

  async function localS3(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    const claim = signer?.verify(token);
    const denied = (detail: string) =>
      send(res, {
        statusCode: 403,
        headers: { 'content-type': 'application/xml' },
        body: `<Error><Code>AccessDenied</Code><Message>${detail}</Message></Error>`,
      });
    if (!claim) return denied('Request has expired or the signature does not match');
    if (claim.op === 'get' && req.method === 'GET') {
      const bytes = await pipeline.store.get(claim.key);
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.byteLength });
      res.end(bytes);
      return;
    }
    if (claim.op !== 'put' || req.method !== 'PUT') return denied('This link is not for this method');
    if ((req.headers['content-type'] ?? '') !== claim.contentType)
      return denied(`The signed Content-Type is ${claim.contentType}`);
    const body = await readBody(req, maxFileBytes);
    if (body === undefined)
      return send(res, {
        statusCode: 400,
        headers: { 'content-type': 'application/xml' },
        body: `<Error><Code>EntityTooLarge</Code><Message>At most ${maxFileBytes} bytes</Message></Error>`,
      });
    await pipeline.dropObject(claim.key, body);
    send(res, { statusCode: 200, headers: {}, body: '' });
  }

  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  signer = new LocalLinkSigner(url);
  const ports = localApiPorts(pipeline, signer, common);
  routes = (API_ROUTES as readonly AnyRoute[]).map((route) => {
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((mm) => mm[1] as string);
    const pattern = new RegExp(`^${route.path.replace(/\{\w+\}/g, '([^/]+)').replace(/\./g, '\\.')}$`);
    return {
      route,
      names,
      pattern,
      run: buildTask(route, environmentOf(pipeline.synthesized, route.name), ports) as never,
    };
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function send(res: ServerResponse, response: ApiResponse): void {
  res.writeHead(response.statusCode, response.headers);
  res.end(response.body);
}

/** The body, or undefined once it passes `limit` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

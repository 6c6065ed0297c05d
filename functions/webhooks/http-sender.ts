import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { LOOPBACK_CIDRS } from './url-guard.js';

/** Success is a 2xx within this long (Standard Webhooks: 15 to 30 s). */
export const DELIVERY_TIMEOUT_MS = 15_000;

/** What one attempt got: a status (any, 3xx included: redirects are never followed), or an error and no status. */
export interface AttemptResult {
  statusCode?: number;
  retryAfter?: string;
  latencyMs: number;
  error?: string;
}

export interface SendOptions {
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs?: number;
  /** Locally: loopback receivers are admitted at connect time; every other private address is still refused. */
  allowLoopback: boolean;
  /** For tests: how names resolve at connect time (a DNS answer that changed since the URL was checked). */
  lookup?: LookupFunction;
}

/**
 * One POST with node:http(s) behind request-filtering-agent, which checks the address actually dialled (after
 * DNS, on every attempt): loopback, private, link-local, metadata, CGNAT, ULA and mapped addresses are refused
 * before a byte is sent. Never `fetch`: undici bypasses the agent. The response body is drained and dropped (an
 * attempt records status, latency and error only).
 */
export function sendWebhook(options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const filter = options.allowLoopback ? { allowIPAddressList: [...LOOPBACK_CIDRS] } : {};
  const secure = options.url.protocol === 'https:';
  const agent = secure
    ? new RequestFilteringHttpsAgent({ keepAlive: false, ...filter })
    : new RequestFilteringHttpAgent({ keepAlive: false, ...filter });
  const request = secure ? https.request : http.request;
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Omit<AttemptResult, 'latencyMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      agent.destroy();
      resolve({ ...result, latencyMs: Math.round(performance.now() - started) });
    };
    const req = request(
      options.url,
      {
        method: 'POST',
        agent,
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(options.body)),
          'user-agent': 'avatar-pipeline-webhooks/1',
        },
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          finish({
            statusCode: res.statusCode ?? 0,
            ...(retryAfter ? { retryAfter: String(retryAfter) } : {}),
          });
        });
        res.on('error', (error) => finish({ statusCode: res.statusCode ?? 0, error: error.message }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    req.on('error', (error) => finish({ error: error.message }));
    req.end(options.body);
  });
}

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { type LocalApi, startLocalApi } from '../../../local/api/local-api-server.js';
import { addTenant } from '../../../local/api/tenants.js';
import type { LocalPipeline } from '../../../local/runtime/local-pipeline.js';
import { environmentOf } from '../../../local/runtime/synthesized-pipeline.js';
import { generateSampleSubjects } from '../../../local/samples/generate-sample-subjects.js';
import { LocalPipelines } from '../../support/local-pipelines.js';

jest.setTimeout(240_000);

/**
 * The acceptance check of the HTTP API, end to end on this machine: a tenant creates a subject, uploads 12 photos to
 * the URLs it was given, sees `ready`, orders a generation and reads its avatars; a second tenant gets 404 for all of
 * it; no credential gets 401; a repeated Idempotency-Key returns the same generation.
 */
describe('the local HTTP API, from create to avatars', () => {
  const pipelines = new LocalPipelines();
  let pipeline: LocalPipeline;
  let api: LocalApi;
  let acme: string;
  let globex: string;
  let samples: string;

  const call = (
    key: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what} never happened; last: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    pipeline = await pipelines.open();
    await pipeline.fastForwardQuietPeriods();
    api = await startLocalApi({ pipeline, port: 0 });
    const clients = environmentOf(pipeline.synthesized, 'apiAuthorizer').API_CLIENTS_TABLE ?? '';
    acme = (await addTenant(pipeline.db, clients, 'acme')).apiKey;
    globex = (await addTenant(pipeline.db, clients, 'globex')).apiKey;
    samples = await mkdtemp(join(tmpdir(), 'api-samples-'));
  });
  afterAll(async () => {
    await api?.close();
    await pipeline?.settled();
    await pipelines.closeAll();
    await rm(samples, { recursive: true, force: true });
  });

  it('creates, uploads, trains, generates and links; other tenants and anonymous callers see nothing', async () => {
    // Prepare
    const started = performance.now();
    const [subject] = await generateSampleSubjects(samples, { subjects: ['good-ana'] });
    const photos = (subject?.files ?? []).filter((file) => file.expected === 'good').map((file) => file.name);
    expect(photos).toHaveLength(12);

    // Act: create and upload
    const created = await call(acme, 'POST', '/v1/subjects', {
      id: 'ana',
      photos,
      settings: { classWord: 'woman' },
    });
    const createdBody = (await created.json()) as {
      id: string;
      uploads: { name: string; method: string; url: string; headers: Record<string, string> }[];
    };
    for (const upload of createdBody.uploads) {
      const put = await fetch(upload.url, {
        method: upload.method,
        headers: upload.headers,
        body: await readFile(join(subject?.dir ?? '', upload.name)),
      });
      expect(put.status).toBe(200);
    }
    const ready = await poll(
      async () =>
        (await (await call(acme, 'GET', '/v1/subjects/ana')).json()) as {
          status: string;
          photos: { verdict: string }[];
          model: unknown;
        },
      (view) => ['ready', 'rejected', 'failed'].includes(view.status),
      'ready',
    );
    // Act: order a generation twice with one key, and read it
    const order = () =>
      call(
        acme,
        'POST',
        '/v1/subjects/ana/generations',
        { prompts: ['{subject} as an astronaut'] },
        { 'idempotency-key': 'order-0001-ana' },
      );
    const first = await order();
    const firstBody = (await first.json()) as { id: string; status: string };
    if (first.status !== 202)
      throw new Error(`generation refused: ${JSON.stringify(firstBody)} after ${JSON.stringify(ready)}`);
    const again = (await (await order()).json()) as { id: string };
    const generation = await poll(
      async () =>
        (await (await call(acme, 'GET', `/v1/subjects/ana/generations/${firstBody.id}`)).json()) as {
          status: string;
          avatars: { prompt: string; url: string }[];
        },
      (view) => ['succeeded', 'failed'].includes(view.status),
      'the generation',
    );
    const avatar = await fetch(generation.avatars[0]?.url ?? `${api.url}/none`);
    const seconds = (performance.now() - started) / 1000;

    // Assess
    expect(created.status).toBe(201);
    expect(createdBody.uploads.map((u) => u.name)).toEqual(photos);
    expect(ready).toMatchObject({ status: 'ready', model: { version: expect.any(String) } });
    expect(ready.photos.every((photo) => photo.verdict === 'accepted')).toBe(true);
    expect(first.status).toBe(202);
    expect(firstBody.status).toBe('queued');
    expect(again.id).toBe(firstBody.id);
    expect(generation.status).toBe('succeeded');
    expect(generation.avatars.length).toBeGreaterThan(0);
    expect(avatar.status).toBe(200);
    expect(
      Buffer.from(await avatar.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    process.stdout.write(`local API end to end: ${seconds.toFixed(1)} s from create to avatars\n`);

    // Act: another tenant, and nobody
    const foreign = await Promise.all([
      call(globex, 'GET', '/v1/subjects/ana'),
      call(globex, 'GET', '/v1/subjects/ana/generations'),
      call(globex, 'GET', `/v1/subjects/ana/generations/${firstBody.id}`),
      call(
        globex,
        'POST',
        '/v1/subjects/ana/generations',
        { prompts: ['x'] },
        { 'idempotency-key': 'order-0001-ana' },
      ),
      call(globex, 'POST', '/v1/subjects/ana/cancel'),
      call(globex, 'DELETE', '/v1/subjects/ana'),
    ]);
    const globexList = (await (await call(globex, 'GET', '/v1/subjects')).json()) as { items: unknown[] };
    const anonymous = await Promise.all([
      call(undefined, 'GET', '/v1/subjects'),
      call(undefined, 'GET', '/v1/subjects/ana'),
      call('apk_cnotakey_x', 'GET', '/v1/subjects/ana'),
      call(undefined, 'POST', '/v1/subjects', { photos: ['a.jpg'] }),
    ]);
    // Assess
    expect(foreign.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404]);
    for (const r of foreign) {
      const text = JSON.stringify(await r.json());
      expect(text).not.toMatch(/astronaut|succeeded|avatars|local-s3/);
    }
    expect(globexList.items).toEqual([]);
    expect(anonymous.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(anonymous[0]?.headers.get('content-type')).toBe('application/problem+json');
  });
});

import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { ApiPorts, Executions } from '../../../functions/api/api-ports.js';
import type { ApiResponse } from '../../../functions/api/http.js';
import type { AnyRoute } from '../../../functions/api/route.js';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { buildTask } from '../../../functions/platform/task.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const dynamo = mockClient(db);
const NOW = Date.parse('2026-12-02T10:00:00Z');
const ENV: Record<string, string> = {
  API_TABLE: 'Api',
  LEDGER_TABLE: 'Ledger',
  TRAINING_STATE_TABLE: 'TrainingState',
  MODEL_REGISTRY_TABLE: 'Registry',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Training',
  GENERATION_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Generation',
  ERASURE_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Erasure',
  WEBHOOKS_TABLE: 'Webhooks',
  WEBHOOK_ALLOWED_PORTS: '',
  WEBHOOK_LOOPBACK_RECEIVERS: 'false',
  WEBHOOK_SECRET_OVERLAP_SECONDS: '3600',
  IDEMPOTENCY_TABLE: 'Idempotency',
  GPU_IMAGES_PER_DAY: '10',
  PHOTO_BUCKET: 'photos',
  UPLOAD_EXPIRY_SECONDS: '900',
  MAX_FILE_BYTES: '1000000',
  LINK_EXPIRY_SECONDS: '3600',
};

const puts: { key: string; body: string; contentType: string }[] = [];
const started: { name: string; input: unknown }[] = [];
const executions: Executions = {
  stateOutput: async () => undefined,
  describe: async () => undefined,
  start: async (name, input) => {
    started.push({ name, input });
    return { alreadyStarted: false };
  },
  stop: async () => {},
};
const ports: ApiPorts = {
  clock: { now: () => NOW, sleep: async () => {}, random: () => 0.5 },
  log: { info: () => {}, warn: () => {}, error: () => {} },
  metrics: { count: () => {} },
  provenance: {
    trainedBy: 'local-stand-in',
    servedBy: 'local-stand-in',
    imagesScreenedBy: 'local-stand-in',
    photosCheckedBy: 'local-stand-in',
  },
  documentClient: () => db,
  objectStore: () =>
    ({
      put: async (key: string, body: string, contentType: string) => {
        puts.push({ key, body, contentType });
      },
    }) as never,
  uploadLinks: () => ({
    upload: async (key, contentType, seconds) => ({
      method: 'PUT',
      url: `https://photos.s3.amazonaws.com/${key}?X-Amz-Expires=${seconds}`,
      headers: { 'content-type': contentType },
      expiresAt: new Date(NOW + seconds * 1000).toISOString(),
    }),
  }),
  imageLinks: () => ({ link: async (key) => ({ url: `https://signed/${key}`, expiresAt: 'x' }) }),
  executions: () => executions,
};

const route = (name: string) => API_ROUTES.find((r) => r.name === name) as AnyRoute;
const run = (name: string, event: Record<string, unknown>): Promise<ApiResponse> => {
  const r = route(name);
  const env = Object.fromEntries(r.env.map((v: string) => [v, ENV[v]]));
  return buildTask(r, env, ports)(r.parse(event));
};
const asTenant = (tenantId: string, event: Record<string, unknown> = {}) => ({
  requestContext: { requestId: 'r1', authorizer: { tenantId, clientId: `c-${tenantId}` } },
  headers: {},
  ...event,
});
const bodyOf = (response: ApiResponse) => JSON.parse(response.body);

describe('the HTTP API routes, against mocked DynamoDB', () => {
  beforeEach(() => {
    dynamo.reset();
    puts.length = 0;
    started.length = 0;
  });

  it('POST /v1/subjects records the subject, writes subject.json with the photo list and answers one signed PUT per photo', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const body = JSON.stringify({ id: 'ana', photos: ['a.jpg', 'b.png'], settings: { classWord: 'woman' } });
    // Act
    const response = await run(
      'apiCreateSubject',
      asTenant('acme', { httpMethod: 'POST', path: '/v1/subjects', body }),
    );
    // Assess
    expect(response.statusCode).toBe(201);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'Api',
      Item: {
        pk: 'TENANT#acme',
        sk: 'SUBJECT#ana',
        tenantId: 'acme',
        subjectId: 'ana',
        photos: ['a.jpg', 'b.png'],
        createdAt: '2026-12-02T10:00:00.000Z',
        createdBy: 'c-acme',
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(puts).toEqual([
      {
        key: 'tenants/acme/subjects/ana/subject.json',
        body: expect.any(String),
        contentType: 'application/json',
      },
    ]);
    expect(JSON.parse(puts[0]?.body ?? '{}')).toMatchObject({
      classWord: 'woman',
      photos: ['a.jpg', 'b.png'],
    });
    expect(bodyOf(response)).toEqual({
      id: 'ana',
      uploads: [
        expect.objectContaining({
          name: 'a.jpg',
          method: 'PUT',
          headers: { 'content-type': 'image/jpeg' },
          url: expect.stringContaining('tenants/acme/subjects/ana/a.jpg'),
          maxBytes: 1000000,
        }),
        expect.objectContaining({ name: 'b.png', method: 'PUT', headers: { 'content-type': 'image/png' } }),
      ],
    });
  });

  it('POST /v1/subjects answers 409 for an id the tenant used, and 400 naming each bad field with a fix', async () => {
    // Prepare
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    // Act
    const used = await run(
      'apiCreateSubject',
      asTenant('acme', { body: JSON.stringify({ id: 'ana', photos: ['a.jpg'] }) }),
    );
    const bad = await run(
      'apiCreateSubject',
      asTenant('acme', { body: JSON.stringify({ photos: ['../x.jpg', 'notes.txt'], colour: 1 }) }),
    );
    const notJson = await run('apiCreateSubject', asTenant('acme', { body: '{"photos":' }));
    // Assess
    expect(used.statusCode).toBe(409);
    expect(used.headers['content-type']).toBe('application/problem+json');
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['body', 'body.photos.0', 'body.photos.1']),
    );
    for (const error of bodyOf(bad).errors) expect(error.fix.length).toBeGreaterThan(5);
    expect(bodyOf(notJson)).toMatchObject({ status: 400, errors: [{ field: 'body' }] });
    expect(puts).toEqual([]);
  });

  it.each(API_ROUTES.filter((r) => !r.docs.public).map((r) => [r.method, r.path, r.name] as const))(
    '%s %s answers 401 without a principal from the authorizer',
    async (_method, _path, name) => {
      // Act
      const response = await run(name, {
        headers: {},
        pathParameters: { id: 'ana', gid: 'gen-1' },
        body: '{"photos":["a.jpg"],"prompts":["x"]}',
      });
      // Assess
      expect(response.statusCode).toBe(401);
    },
  );

  it.each(
    API_ROUTES.filter((r) => !r.docs.public && r.path.includes('{id}')).map(
      (r) => [r.method, r.path, r.name] as const,
    ),
  )(
    "%s %s answers 404 for another tenant's subject, reading only the caller's keys",
    async (_method, _path, name) => {
      // Prepare: "ana" exists for acme only
      dynamo
        .on(GetCommand)
        .callsFake((input: { Key: { pk: string } }) =>
          input.Key.pk === 'TENANT#acme' || input.Key.pk === 'SUBJECT#acme#ana'
            ? { Item: { subjectId: 'ana', photos: [] } }
            : {},
        );
      dynamo.on(PutItemCommand).resolves({});
      dynamo.on(DeleteItemCommand).resolves({});
      // Act
      const response = await run(
        name,
        asTenant('globex', {
          pathParameters: { id: 'ana', gid: 'gen-1' },
          headers: { 'idempotency-key': 'key-00000001' },
          body: JSON.stringify({ prompts: ['a portrait'] }),
        }),
      );
      // Assess
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('acme');
      const keys = dynamo.commandCalls(GetCommand).map((call) => call.args[0].input.Key?.pk);
      expect(keys.every((pk) => String(pk).includes('globex'))).toBe(true);
      expect(started).toEqual([]);
    },
  );

  it('POST generations needs an Idempotency-Key, counts the images against the day quota, and starts the workflow with the authorizer tenant', async () => {
    // Prepare
    dynamo.on(GetCommand).callsFake((input: { TableName: string; Key: { modelVersion?: string } }) => {
      if (input.TableName === 'Api') return { Item: { subjectId: 'ana', photos: [] } };
      if (input.TableName === 'Registry' && input.Key.modelVersion === 'CURRENT')
        return { Item: { currentVersion: 'v-1' } };
      if (input.TableName === 'Registry')
        return { Item: { modelVersion: 'v-1', targetModel: 'acme/ana/v-1.tar.gz' } };
      return {};
    });
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({})
      .rejects(new ConditionalCheckFailedException({ message: 'over', $metadata: {} }));
    dynamo.on(PutCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const event = (key?: string) =>
      asTenant('acme', {
        pathParameters: { id: 'ana' },
        headers: key ? { 'idempotency-key': key } : {},
        body: JSON.stringify({ prompts: ['a portrait', 'a knight'], imagesPerPrompt: 4, tenantId: 'globex' }),
      });
    const strictBody = (key: string) =>
      asTenant('acme', {
        pathParameters: { id: 'ana' },
        headers: { 'idempotency-key': key },
        body: JSON.stringify({ prompts: ['a portrait', 'a knight'], imagesPerPrompt: 4 }),
      });
    // Act
    const missingKey = await run('apiCreateGeneration', event());
    const smuggled = await run('apiCreateGeneration', event('key-00000001'));
    const accepted = await run('apiCreateGeneration', strictBody('key-00000002'));
    const overQuota = await run('apiCreateGeneration', strictBody('key-00000003'));
    // Assess
    expect(missingKey.statusCode).toBe(400);
    expect(bodyOf(missingKey).errors[0].field).toBe('header.Idempotency-Key');
    expect(smuggled.statusCode).toBe(400);
    expect(accepted.statusCode).toBe(202);
    expect(bodyOf(accepted)).toEqual({ id: expect.stringMatching(/^gen-[a-f0-9]{16}$/), status: 'queued' });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'Api',
      Key: { pk: 'QUOTA#acme', sk: '2026-12-02' },
      UpdateExpression: 'ADD images :n SET expiresAt = if_not_exists(expiresAt, :ttl)',
      ConditionExpression: 'attribute_not_exists(images) OR images <= :room',
      ExpressionAttributeValues: { ':n': 8, ':room': 2, ':ttl': expect.any(Number) },
    });
    expect(started).toEqual([
      {
        name: `api-acme--${bodyOf(accepted).id}`,
        input: expect.objectContaining({
          id: bodyOf(accepted).id,
          'detail-type': 'Avatar Generation Requested',
          apiRequest: { tenantId: 'acme', clientId: 'c-acme' },
          detail: expect.objectContaining({
            subjectId: 'ana',
            prompts: ['a portrait', 'a knight'],
            imagesPerPrompt: 4,
          }),
        }),
      },
    ]);
    expect(overQuota.statusCode).toBe(429);
    expect(overQuota.headers['retry-after']).toBe(String(14 * 3600));
  });

  it('a dry-run key starts a dry-run generation that uses no GPU quota, and a dry-run key makes a dry-run subject', async () => {
    // Prepare
    dynamo.on(GetCommand).callsFake((input: { TableName: string; Key: { modelVersion?: string } }) => {
      if (input.TableName === 'Api') return { Item: { subjectId: 'ana', photos: [] } };
      if (input.TableName === 'Registry' && input.Key.modelVersion === 'CURRENT')
        return { Item: { currentVersion: 'v-1' } };
      if (input.TableName === 'Registry')
        return { Item: { modelVersion: 'v-1', targetModel: 'acme/ana/v-1.tar.gz' } };
      return {};
    });
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'over', $metadata: {} }));
    dynamo.on(PutCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const dryRunKey = (event: Record<string, unknown>) => {
      const base = asTenant('acme', event);
      return {
        ...base,
        requestContext: {
          ...base.requestContext,
          authorizer: { tenantId: 'acme', clientId: 'c-acme', mode: 'dry-run' },
        },
      };
    };
    // Act
    const generation = await run(
      'apiCreateGeneration',
      dryRunKey({
        pathParameters: { id: 'ana' },
        headers: { 'idempotency-key': 'key-dry-0001' },
        body: JSON.stringify({ prompts: ['a portrait'] }),
      }),
    );
    const subject = await run(
      'apiCreateSubject',
      dryRunKey({ body: JSON.stringify({ id: 'bo', photos: ['a.jpg'], settings: { mode: 'live' } }) }),
    );
    // Assess
    expect(generation.statusCode).toBe(202);
    expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'QUOTA#acme', sk: '2026-12-02' },
    });
    expect(started).toEqual([
      expect.objectContaining({
        input: expect.objectContaining({ detail: expect.objectContaining({ mode: 'dry-run' }) }),
      }),
    ]);
    expect(subject.statusCode).toBe(201);
    const settings = puts.find((put) => put.key === 'tenants/acme/subjects/bo/subject.json');
    expect(JSON.parse(settings?.body ?? '{}')).toMatchObject({ mode: 'dry-run', photos: ['a.jpg'] });
  });

  it('DELETE /v1/subjects/{id} starts the erasure of an own subject, with the authorizer tenant, and answers 202', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: { subjectId: 'ana', photos: [] } });
    // Act
    const response = await run('apiDeleteSubject', asTenant('acme', { pathParameters: { id: 'ana' } }));
    // Assess
    expect(response.statusCode).toBe(202);
    const body = bodyOf(response);
    expect(body).toMatchObject({
      id: 'ana',
      status: 'accepted',
      erasureId: expect.stringMatching(/^erasure-/),
    });
    expect(started).toEqual([
      {
        name: body.erasureId,
        input: expect.objectContaining({
          erasureId: body.erasureId,
          tenantId: 'acme',
          subjectId: 'ana',
          requestedBy: 'api',
        }),
      },
    ]);
  });
});

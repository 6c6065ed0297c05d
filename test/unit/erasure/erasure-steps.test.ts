import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { eraseSubjectData } from '../../../functions/erasure/erase-subject-data.js';
import { ErasureIncompleteError, InvalidErasureRequestError } from '../../../functions/erasure/errors.js';
import {
  type ExecutionControl,
  StepFunctionsExecutionControl,
} from '../../../functions/erasure/execution-control.js';
import {
  type ObjectVersion,
  type ObjectVersions,
  S3ObjectVersions,
} from '../../../functions/erasure/object-versions.js';
import { requestSubjectErasure } from '../../../functions/erasure/request-subject-erasure.js';
import { isExecutionFor, stopSubjectExecutions } from '../../../functions/erasure/stop-subject-executions.js';
import { executionNameFor, isExecutionOfSubject } from '../../../functions/ingest/image-set.js';
import type { ErasureRequest } from '../../../state-machines/erasure/contract.js';

const request: ErasureRequest = {
  erasureId: 'erasure-0123456789abcdef01234567',
  tenantId: 'default',
  subjectId: 'ana',
  requestedBy: 'api',
  requestedAt: '2026-11-25T10:00:00.000Z',
};

describe('S3ObjectVersions: every version and delete marker, deleted 1,000 at a time', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  it('lists versions and delete markers across pages', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand, { Bucket: 'b', Prefix: 'subjects/ana/', KeyMarker: undefined })
      .resolves({
        IsTruncated: true,
        NextKeyMarker: 'subjects/ana/b.jpg',
        NextVersionIdMarker: 'v2',
        Versions: [{ Key: 'subjects/ana/a.jpg', VersionId: 'v1' }],
        DeleteMarkers: [{ Key: 'subjects/ana/b.jpg', VersionId: 'v2' }],
      })
      .on(ListObjectVersionsCommand, { KeyMarker: 'subjects/ana/b.jpg', VersionIdMarker: 'v2' })
      .resolves({ IsTruncated: false, Versions: [{ Key: 'subjects/ana/b.jpg', VersionId: 'v0' }] });
    // Act
    const versions = await new S3ObjectVersions(new S3Client({}), 'b').list('subjects/ana/');
    // Assess
    expect(versions).toEqual([
      { key: 'subjects/ana/a.jpg', versionId: 'v1', deleteMarker: false },
      { key: 'subjects/ana/b.jpg', versionId: 'v2', deleteMarker: true },
      { key: 'subjects/ana/b.jpg', versionId: 'v0', deleteMarker: false },
    ]);
    expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 2);
  });

  it('deletes the exact versions, quietly, and refuses more than 1,000 in one request', async () => {
    // Prepare
    s3.on(DeleteObjectsCommand).resolves({});
    const store = new S3ObjectVersions(new S3Client({}), 'b');
    const versions: ObjectVersion[] = [
      { key: 'subjects/ana/a.jpg', versionId: 'v1', deleteMarker: false },
      { key: 'subjects/ana/b.jpg', versionId: 'v2', deleteMarker: true },
    ];
    // Act
    const deleted = await store.delete(versions);
    // Assess
    expect(deleted).toBe(2);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: 'b',
      Delete: {
        Quiet: true,
        Objects: [
          { Key: 'subjects/ana/a.jpg', VersionId: 'v1' },
          { Key: 'subjects/ana/b.jpg', VersionId: 'v2' },
        ],
      },
    });
    await expect(
      store.delete(
        Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, versionId: 'v', deleteMarker: false })),
      ),
    ).rejects.toThrow(RangeError);
  });

  it('says what S3 refused, by code, and is retried', async () => {
    // Prepare
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'subjects/ana/a.jpg', Code: 'AccessDenied' }] });
    // Act
    const out = new S3ObjectVersions(new S3Client({}), 'b').delete([
      { key: 'subjects/ana/a.jpg', versionId: 'v1', deleteMarker: false },
    ]);
    // Assess
    await expect(out).rejects.toThrow(ErasureIncompleteError);
    await expect(out).rejects.toThrow(/AccessDenied/);
    await expect(out).rejects.not.toThrow(/subjects\/ana/);
  });
});

describe('eraseSubjectData', () => {
  it('deletes 2,500 versions of one prefix in batches of 1,000, 1,000 and 500, and every eraser once', async () => {
    // Prepare
    const batches: number[] = [];
    const photos = Array.from({ length: 2500 }, (_, i) => ({
      key: `subjects/ana/${i}.jpg`,
      versionId: `v${i}`,
      deleteMarker: i % 2 === 0,
    }));
    const versions: ObjectVersions = {
      list: async (prefix) => (prefix === 'subjects/ana/' ? photos : []),
      delete: async (batch) => {
        batches.push(batch.length);
        return batch.length;
      },
    };
    const erased: string[] = [];
    const eraser = (store: string, rows: number) => ({
      store,
      erase: async () => {
        erased.push(store);
        return rows;
      },
      remaining: async () => 0,
    });
    // Act
    const out = await eraseSubjectData(
      { request },
      {
        versions,
        bucket: 'b',
        erasers: [eraser('ledger', 16), eraser('webhook-attempts', 3)],
        trainingRows: async () => [],
      },
    );
    // Assess
    expect(batches).toEqual([1000, 1000, 500]);
    expect(out.objects.find((o) => o.prefix === 'subjects/ana/')?.versionsDeleted).toBe(2500);
    expect(out.objects.map((o) => o.prefix)).toEqual([
      'subjects/ana/',
      'training/default/ana/',
      'adapters/default/ana/',
      'models/default/ana/',
      'avatars/default/ana/',
      'quarantine/default/ana/',
      'async-inference/output/',
      'async-inference/failures/',
    ]);
    expect(out.records).toEqual([
      { store: 'ledger', rowsDeleted: 16 },
      { store: 'webhook-attempts', rowsDeleted: 3 },
    ]);
    expect(erased).toEqual(['ledger', 'webhook-attempts']);
  });

  it("erases another tenant's subject under its tenant folder only", async () => {
    // Prepare
    const listed: string[] = [];
    const versions: ObjectVersions = {
      list: async (p) => {
        listed.push(p);
        return [];
      },
      delete: async () => 0,
    };
    // Act
    await eraseSubjectData(
      { request: { ...request, tenantId: 'acme' } },
      { versions, bucket: 'b', erasers: [], trainingRows: async () => [] },
    );
    // Assess
    expect(listed).toEqual([
      'tenants/acme/subjects/ana/',
      'training/acme/ana/',
      'adapters/acme/ana/',
      'models/acme/ana/',
      'avatars/acme/ana/',
      'quarantine/acme/ana/',
    ]);
  });
});

describe('stopSubjectExecutions', () => {
  function control(inputs: Record<string, unknown>): ExecutionControl & { stopped: string[] } {
    const stopped: string[] = [];
    return {
      stopped,
      running: async () =>
        Object.entries(inputs).map(([name, input]) => ({ executionArn: `arn:${name}`, name, input })),
      stop: async (arn) => {
        stopped.push(arn);
      },
    };
  }

  it("stops the subject's trainings and generations only, judged by each execution's input", async () => {
    // Prepare
    const training = control({
      ana: { tenantId: 'default', subjectId: 'ana', generation: 1 },
      anaAcme: { tenantId: 'acme', subjectId: 'ana', generation: 1 },
      bo: { tenantId: 'default', subjectId: 'bo', generation: 1 },
      folder: { rejectedFolder: { tenantId: 'default', folder: 'ana x' } },
    });
    const generation = control({
      modelReady: {
        source: 'avatar-pipeline',
        'detail-type': 'Model Ready',
        detail: { tenantId: 'default', subjectId: 'ana' },
      },
      partner: { source: 'partner.x', account: '111111111111', detail: { subjectId: 'ana' } },
      partnerOfAcme: { source: 'partner.x', account: '222222222222', detail: { subjectId: 'ana' } },
    });
    // Act
    const out = await stopSubjectExecutions(
      { request },
      {
        workflows: [
          { workflow: 'training', control: training },
          { workflow: 'generation', control: generation },
        ],
        partnerTenants: { '222222222222': 'acme' },
      },
    );
    // Assess
    expect(training.stopped).toEqual(['arn:ana']);
    expect(generation.stopped).toEqual(['arn:modelReady', 'arn:partner']);
    expect(out).toEqual({ stopped: 3, byWorkflow: { training: 1, generation: 2 } });
  });

  it.each([
    [{ subjectId: 'ana' }, true],
    [{ subjectId: 'ana', tenantId: 'acme' }, false],
    [{ detail: { subjectId: 'anabel' }, source: 'avatar-pipeline' }, false],
    [null, false],
    ['ana', false],
  ])('isExecutionFor(%j) is %s for default/ana', (input, expected) => {
    expect(isExecutionFor(input, request)).toBe(expected);
  });

  it('asks Step Functions for the running executions, describes each and stops the one asked', async () => {
    // Prepare
    const sfn = mockClient(SFNClient);
    sfn
      .on(ListExecutionsCommand)
      .resolves({
        executions: [
          {
            executionArn: 'arn:e1',
            name: 'ana-0a1b2c3d-g1',
            stateMachineArn: 'arn:sm',
            status: 'RUNNING',
            startDate: new Date(),
          },
        ],
      })
      .on(DescribeExecutionCommand)
      .resolves({ input: '{"tenantId":"default","subjectId":"ana"}' })
      .on(StopExecutionCommand)
      .resolves({});
    const control = new StepFunctionsExecutionControl(new SFNClient({}), 'arn:sm');
    // Act
    const running = await control.running();
    await control.stop('arn:e1', 'SubjectErasedError', 'erased');
    // Assess
    expect(running).toEqual([
      { executionArn: 'arn:e1', name: 'ana-0a1b2c3d-g1', input: { tenantId: 'default', subjectId: 'ana' } },
    ]);
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, {
      stateMachineArn: 'arn:sm',
      statusFilter: 'RUNNING',
    });
    expect(sfn).toHaveReceivedCommandWith(StopExecutionCommand, {
      executionArn: 'arn:e1',
      error: 'SubjectErasedError',
      cause: 'erased',
    });
  });
});

describe('isExecutionOfSubject', () => {
  it.each([
    [
      executionNameFor({ tenantId: 'default', subjectId: 'ana' }, '0a1b2c3d', 1),
      { tenantId: 'default', subjectId: 'ana' },
      true,
    ],
    [
      executionNameFor({ tenantId: 'default', subjectId: 'ana-b' }, '0a1b2c3d', 3),
      { tenantId: 'default', subjectId: 'ana' },
      false,
    ],
    [
      executionNameFor({ tenantId: 'default', subjectId: 'ana-deadbeef' }, '0a1b2c3d', 1),
      { tenantId: 'default', subjectId: 'ana' },
      false,
    ],
    [
      executionNameFor({ tenantId: 'acme', subjectId: 'ana' }, '0a1b2c3d', 1),
      { tenantId: 'default', subjectId: 'ana' },
      false,
    ],
    [
      executionNameFor({ tenantId: 'acme', subjectId: 'ana' }, '0a1b2c3d', 2),
      { tenantId: 'acme', subjectId: 'ana' },
      true,
    ],
    [
      executionNameFor({ tenantId: 'default', subjectId: 'x'.repeat(64) }, '0a1b2c3d', 1),
      { tenantId: 'default', subjectId: 'x'.repeat(64) },
      true,
    ],
  ])('%s belongs to %j: %s', (name, ref, expected) => {
    expect(isExecutionOfSubject(name, ref)).toBe(expected);
  });
});

describe('requestSubjectErasure (what DELETE /v1/subjects/{id} answers with 202)', () => {
  it('starts the erasure workflow with the caller tenant and answers the erasure id and status', async () => {
    // Prepare
    const started: { name: string; input: unknown }[] = [];
    const starter = {
      start: async (name: string, input: unknown) => {
        started.push({ name, input });
        return { alreadyStarted: false };
      },
    };
    // Act
    const out = await requestSubjectErasure(
      {
        starter,
        now: () => Date.parse('2026-11-25T10:00:00.000Z'),
        newId: () => 'erasure-0123456789abcdef01234567',
      },
      { tenantId: 'acme', subjectId: 'ana' },
    );
    // Assess
    expect(out).toEqual({
      erasureId: 'erasure-0123456789abcdef01234567',
      tenantId: 'acme',
      subjectId: 'ana',
      status: 'accepted',
      requestedAt: '2026-11-25T10:00:00.000Z',
    });
    expect(started).toEqual([
      {
        name: 'erasure-0123456789abcdef01234567',
        input: {
          erasureId: 'erasure-0123456789abcdef01234567',
          tenantId: 'acme',
          subjectId: 'ana',
          requestedBy: 'api',
          requestedAt: '2026-11-25T10:00:00.000Z',
        },
      },
    ]);
  });

  it.each([
    [{ tenantId: 'default', subjectId: '../ana' }, /Subject id "..\/ana" is not valid/],
    [{ tenantId: 'default', subjectId: '' }, /Subject id "" is not valid/],
    [{ tenantId: 'Acme', subjectId: 'ana' }, /Tenant id "Acme" is not valid/],
  ])('refuses %j, naming the id, and starts nothing', async (ref, message) => {
    // Prepare
    const started: unknown[] = [];
    const starter = {
      start: async (name: string) => {
        started.push(name);
        return { alreadyStarted: false };
      },
    };
    // Act
    const out = requestSubjectErasure({ starter, now: Date.now }, ref);
    // Assess
    await expect(out).rejects.toThrow(InvalidErasureRequestError);
    await expect(out).rejects.toThrow(message);
    expect(started).toEqual([]);
  });
});

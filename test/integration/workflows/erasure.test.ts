import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SubjectErased } from '../../../events/pipeline-events.js';
import { LocalPipelines } from '../../support/local-pipelines.js';
import { goodSamplePhotos, type SamplePhoto } from '../../support/sample-photos.js';

/**
 * Issue 11, erasure, through the synthesized erasure workflow on the local engine: a subject run to its avatars,
 * then erased, leaves nothing of it in the data folder but its Subject Erased event; another subject (and another
 * tenant's subject of the same id) is untouched; a second erasure is harmless.
 */
describe('erasure (synthesized definition, local engine)', () => {
  let photos: SamplePhoto[];
  let removeSamples: () => Promise<void>;
  const pipelines = new LocalPipelines();

  beforeAll(async () => {
    ({ photos: photos, remove: removeSamples } = await goodSamplePhotos('erasure-'));
  });
  afterAll(async () => {
    await pipelines.closeAll();
    await removeSamples();
  });

  async function filesUnder(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
  }

  it('runs a subject to its avatars, erases it, and finds nothing of it left but the Subject Erased event', async () => {
    // Prepare: ana of the default tenant, and ana of acme (same id, another tenant), both to their avatars
    const dataDir = await mkdtemp(join(tmpdir(), 'erasure-data-'));
    const pipeline = await pipelines.open({ dataDir });
    for (const folder of ['subjects/ana/', 'tenants/acme/subjects/ana/']) {
      for (const photo of photos) await pipeline.dropObject(`${folder}${photo.name}`, photo.body);
    }
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    const ready = pipeline.bus.published.filter((e) => e['detail-type'] === 'Avatars Ready');
    expect(ready.map((e) => e.detail.tenantId).sort()).toEqual(['acme', 'default']);
    const acmeBefore = (await filesUnder(join(dataDir, 'bucket'))).filter((f) => f.includes('acme'));

    // Act
    const started = performance.now();
    const accepted = await pipeline.requestErasure({ tenantId: 'default', subjectId: 'ana' });
    await pipeline.settled();
    const seconds = (performance.now() - started) / 1000;

    // Assess: the 202 answer, and the one event
    expect(accepted).toMatchObject({ status: 'accepted', tenantId: 'default', subjectId: 'ana' });
    expect(accepted.erasureId).toMatch(/^erasure-[a-f0-9]{24}$/);
    const erased = pipeline.bus.published.filter((e) => e['detail-type'] === 'Subject Erased');
    expect(erased).toHaveLength(1);
    const detail = SubjectErased.parse(erased[0]?.detail);
    expect(detail).toMatchObject({ erasureId: accepted.erasureId, tenantId: 'default', subjectId: 'ana' });
    expect(detail.manifest.remaining).toBe(0);
    const deleted = Object.fromEntries(detail.manifest.objects.map((o) => [o.prefix, o.versionsDeleted]));
    expect(deleted['subjects/ana/']).toBe(photos.length);
    for (const prefix of [
      'training/default/ana/',
      'adapters/default/ana/',
      'models/default/ana/',
      'avatars/default/ana/',
    ])
      expect(deleted[prefix]).toBeGreaterThan(0);
    expect(deleted['async-inference/output/']).toBeGreaterThan(0);
    expect(detail.manifest.objects.every((o) => o.remaining === 0)).toBe(true);
    const rows = Object.fromEntries(detail.manifest.records.map((r) => [r.store, r.rowsDeleted]));
    expect(rows.ledger).toBeGreaterThan(photos.length);
    expect(rows['model-registry']).toBe(2); // the version and CURRENT
    expect(detail.manifest.records.every((r) => r.remaining === 0)).toBe(true);
    // Nothing of default/ana left in the bucket; acme's ana untouched
    const left = await filesUnder(join(dataDir, 'bucket'));
    // SageMaker names async-inference results itself: acme's is known by the adapter its response names.
    const acmesResult = async (f: string) =>
      f.startsWith('async-inference/') &&
      (await readFile(join(dataDir, 'bucket', f), 'utf8')).includes('adapters/acme/ana/');
    const notAcmes = [];
    for (const f of left) if (!f.includes('acme') && !(await acmesResult(f))) notAcmes.push(f);
    expect(notAcmes).toEqual([]);
    expect(left.filter((f) => f.includes('acme')).sort()).toEqual(acmeBefore.sort());
    expect(left.filter((f) => f.startsWith('async-inference/'))).toHaveLength(1);
    // The event log keeps only the Subject Erased event of default/ana (acme's events stay)
    const logged = (await readFile(join(dataDir, 'events.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as { 'detail-type': string; detail: { tenantId?: string; subjectId?: string } },
      );
    const anas = logged.filter(
      (e) => e.detail.subjectId === 'ana' && (e.detail.tenantId ?? 'default') === 'default',
    );
    expect(anas.map((e) => e['detail-type'])).toEqual(['Subject Erased']);
    expect(logged.some((e) => e.detail.tenantId === 'acme' && e['detail-type'] === 'Avatars Ready')).toBe(
      true,
    );
    expect(pipeline.executionsOf('erasure').map((e) => e.status)).toEqual(['SUCCEEDED']);
    // The measured time goes into the README (state-machines/erasure/README.md).
    process.stdout.write(`erasure of one subject, local engine: ${seconds.toFixed(2)} s\n`);
  });

  it('is safe to repeat: a second erasure of the same subject finds nothing and says so', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    for (const photo of photos) await pipeline.dropObject(`subjects/bo/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    await pipeline.requestErasure({ tenantId: 'default', subjectId: 'bo' });
    await pipeline.settled();

    // Act
    const again = await pipeline.requestErasure({ tenantId: 'default', subjectId: 'bo' });
    await pipeline.settled();

    // Assess
    const events = pipeline.bus.published
      .filter((e) => e['detail-type'] === 'Subject Erased')
      .map((e) => SubjectErased.parse(e.detail));
    expect(events).toHaveLength(2);
    const second = events.find((e) => e.erasureId === again.erasureId);
    expect(second?.manifest.remaining).toBe(0);
    expect(second?.manifest.objects.every((o) => o.versionsDeleted === 0)).toBe(true);
    expect(second?.manifest.records.every((r) => r.rowsDeleted === 0)).toBe(true);
  });

  it("answers a partner's malformed Subject Erasure Requested with Request Rejected and erases nothing", async () => {
    // Prepare
    const pipeline = await pipelines.open();
    for (const photo of photos.slice(0, 3))
      await pipeline.dropObject(`subjects/cy/${photo.name}`, photo.body);

    // Act
    await pipeline.bus.putEvents([
      {
        Source: 'partner.example',
        DetailType: 'Subject Erasure Requested',
        Detail: { version: 1, subjectId: 'no such/id' },
      },
    ]);
    await pipeline.settled();

    // Assess
    const rejected = pipeline.bus.published.filter((e) => e['detail-type'] === 'Request Rejected');
    expect(rejected).toHaveLength(1);
    expect(JSON.stringify(rejected[0]?.detail.errors)).toContain('subjectId');
    expect(await pipeline.store.list('subjects/cy/')).toHaveLength(3);
  });
});

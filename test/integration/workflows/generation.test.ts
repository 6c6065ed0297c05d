import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvatarsReady, PromptRejected, RequestRejected } from '../../../events/pipeline-events.js';
import type { ModelEndpoint } from '../../../functions/serving/model-endpoint.js';
import type { LocalPipeline } from '../../../local/runtime/local-pipeline.js';
import { generateSampleSubjects, SAMPLE_PROMPTS } from '../../../local/samples/generate-sample-subjects.js';
import { markUnsafe } from '../../../local/stand-ins/image-screening.js';
import { LocalPipelines } from '../../support/local-pipelines.js';

/**
 * Generation paths through the synthesized generation state machine on the local engine, started the way the
 * stack starts it: by rules on the pipeline bus, for `Model Ready` and for a partner's request.
 */
describe('avatar generation (synthesized definition, local engine)', () => {
  let samplesDir: string;
  const pipelines = new LocalPipelines();

  /** Records every prompt that reaches the generator, and lets a test alter its answers. */
  class RecordingEndpoint implements ModelEndpoint {
    readonly prompts: string[] = [];
    constructor(
      private readonly inner: ModelEndpoint,
      private readonly alter: (prompt: string, answer: () => Promise<string>) => Promise<string> = (_, a) =>
        a(),
    ) {}
    get performedBy() {
      return this.inner.performedBy;
    }
    async invoke(targetModel: string, body: string): Promise<string> {
      const prompt = String(JSON.parse(body).inputs[0].data[0]);
      if (prompt !== 'warm-up') this.prompts.push(prompt);
      return this.alter(prompt, () => this.inner.invoke(targetModel, body));
    }
  }

  async function trainSubject(pipeline: LocalPipeline, sample: string, subjectId = sample) {
    pipeline.holdStarts();
    await pipeline.dropFolder(subjectId, join(samplesDir, sample));
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
  }

  async function request(pipeline: LocalPipeline, detail: unknown) {
    await pipeline.bus.putEvents([
      { Source: 'partner.example', DetailType: 'Avatar Generation Requested', Detail: detail },
    ]);
    await pipeline.settled();
  }

  const published = (pipeline: LocalPipeline, type: string) =>
    pipeline.bus.published.filter((e) => e['detail-type'] === type).map((e) => e.detail);

  beforeAll(async () => {
    samplesDir = await mkdtemp(join(tmpdir(), 'samples-'));
    await generateSampleSubjects(samplesDir, { subjects: ['good-ana', 'prompts-fay'] });
  });

  afterAll(async () => {
    await pipelines.closeAll();
    await rm(samplesDir, { recursive: true, force: true });
  });

  it('screens every prompt before the GPU: toxic, non-English and over-long prompts never reach the generator', async () => {
    // Prepare
    let endpoint: RecordingEndpoint | undefined;
    const pipeline = await pipelines.open({
      modelEndpoint: (standIn) => (endpoint = new RecordingEndpoint(standIn)),
    });
    // Act: subject.json mixes benign, deny-listed, French and over-long prompts
    await trainSubject(pipeline, 'prompts-fay');
    // Assess
    const rejected = published(pipeline, 'Prompt Rejected').map((d) => PromptRejected.parse(d));
    expect(rejected.map((r) => r.rule).sort()).toEqual(['deny-list', 'language', 'length']);
    for (const r of rejected) expect(r.reason).toMatch(/\S/);
    const benign = SAMPLE_PROMPTS.filter((p) => p.expected === 'delivered').map((p) =>
      p.prompt.replace('{subject}', 'zwx woman'),
    );
    expect([...new Set(endpoint?.prompts)].sort()).toEqual([...benign].sort());
    const [ready] = published(pipeline, 'Avatars Ready').map((d) => AvatarsReady.parse(d));
    expect(ready?.counts).toMatchObject({ promptsRejected: 3, imagesDelivered: 4, imagesWithheld: 0 });
    for (const image of ready?.prompts.flatMap((p) => p.delivered) ?? []) {
      expect(existsSync(pipeline.store.pathOf(image.key))).toBe(true);
      expect(Object.keys(image).sort()).toEqual(['key', 'seed']);
    }
  });

  it('never delivers a blocked image: it is quarantined and regenerated, and withheld if it stays blocked (partial success)', async () => {
    const pipeline = await pipelines.open();
    await trainSubject(pipeline, 'good-ana', 'ana');
    // Act: one prompt the stand-in screen always blocks, one that passes
    await request(pipeline, {
      version: 1,
      subjectId: 'ana',
      prompts: ['{subject} as a pirate [stand-in:unsafe]', '{subject} as a chef'],
      imagesPerPrompt: 1,
      correlationId: 'req-42',
    });
    // Assess
    const ready = AvatarsReady.parse(
      published(pipeline, 'Avatars Ready').find((d) => d.correlationId === 'req-42'),
    );
    expect(ready.requestedBy).toBe('partner');
    const [pirate, chef] = ready.prompts;
    expect(pirate?.delivered).toEqual([]);
    expect(pirate?.withheld).toEqual([expect.objectContaining({ attempts: 3 })]);
    expect(chef?.delivered).toHaveLength(1);
    expect(ready.counts).toMatchObject({
      imagesDelivered: 1,
      imagesWithheld: 1,
      imagesBlocked: 3,
      regenerations: 2,
    });
    const quarantined = await pipeline.store.list('quarantine/default/ana/');
    expect(quarantined).toHaveLength(3);
    // Only the chef is under this request's folder: the pirate was never stored where a link could point.
    const requestFolder = chef?.delivered[0]?.key.split('/').slice(0, 5).join('/');
    const delivered = await pipeline.store.list(`${requestFolder}/`);
    expect(delivered.map((o) => o.key)).toEqual([chef?.delivered[0]?.key]);
  });

  it('regenerates a blocked image with a new seed and delivers the new one', async () => {
    let blockedOnce = false;
    const pipeline = await pipelines.open({
      modelEndpoint: (standIn) =>
        new RecordingEndpoint(standIn, async (prompt, answer) => {
          const body = await answer();
          if (blockedOnce || !prompt.includes('chef')) return body;
          blockedOnce = true;
          const parsed = JSON.parse(body);
          parsed.outputs[0].data[0] = markUnsafe(Buffer.from(parsed.outputs[0].data[0], 'base64')).toString(
            'base64',
          );
          return JSON.stringify(parsed);
        }),
    });
    await trainSubject(pipeline, 'good-ana', 'ana');
    await request(pipeline, {
      version: 1,
      subjectId: 'ana',
      prompts: ['{subject} as a chef'],
      imagesPerPrompt: 1,
    });
    const ready = AvatarsReady.parse(published(pipeline, 'Avatars Ready').at(-1));
    expect(ready.prompts[0]?.delivered).toHaveLength(1);
    expect(ready.counts).toMatchObject({ imagesBlocked: 1, regenerations: 1, imagesWithheld: 0 });
  });

  it('answers an invalid partner request with Request Rejected naming each field, and generates nothing', async () => {
    let endpoint: RecordingEndpoint | undefined;
    const pipeline = await pipelines.open({
      modelEndpoint: (standIn) => (endpoint = new RecordingEndpoint(standIn)),
    });
    await trainSubject(pipeline, 'good-ana', 'ana');
    const before = endpoint?.prompts.length;
    await request(pipeline, {
      version: 1,
      subjectId: 'ana',
      prompts: 'a pirate',
      imagesPerPrompt: 99,
      colour: 'red',
    });
    const [rejected] = published(pipeline, 'Request Rejected').map((d) => RequestRejected.parse(d));
    expect(rejected?.subjectId).toBe('ana');
    expect(rejected?.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('prompts'),
        expect.stringContaining('imagesPerPrompt'),
      ]),
    );
    expect(endpoint?.prompts.length).toBe(before);
    expect(pipeline.executionsOf('generation').every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });

  it('retries a throttled endpoint with backoff and still delivers', async () => {
    let throttles = 2;
    let endpoint: RecordingEndpoint | undefined;
    const pipeline = await pipelines.open({
      modelEndpoint: (standIn) =>
        (endpoint = new RecordingEndpoint(standIn, async (prompt, answer) => {
          if (prompt.includes('gardener') && throttles-- > 0) {
            throw Object.assign(new Error('Rate exceeded'), {
              name: 'ThrottlingException',
              $metadata: { httpStatusCode: 429 },
            });
          }
          return answer();
        })),
    });
    await trainSubject(pipeline, 'good-ana', 'ana');
    await request(pipeline, {
      version: 1,
      subjectId: 'ana',
      prompts: ['{subject} as a gardener'],
      imagesPerPrompt: 1,
    });
    const ready = AvatarsReady.parse(published(pipeline, 'Avatars Ready').at(-1));
    expect(ready.prompts[0]?.delivered).toHaveLength(1);
    expect(endpoint?.prompts.filter((p) => p.includes('gardener'))).toHaveLength(3);
  });
});

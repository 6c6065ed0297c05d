import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelReady, RequestRejected } from '../../../events/pipeline-events.js';
import type { ModelEndpoint } from '../../../functions/serving/model-endpoint.js';
import type { LocalPipeline } from '../../../local/runtime/local-pipeline.js';
import { generateSampleSubjects } from '../../../local/samples/generate-sample-subjects.js';
import { LocalPipelines } from '../../support/local-pipelines.js';

/**
 * Generation from the model of record, through the synthesized workflows on the local engine and the bus rules
 * as the stack declares them: prompts use the token and class word the model was trained with, a forged Model
 * Ready cannot point one subject's generation at another subject's model, and each rule admits only its sources.
 */
describe('generation from the model of record (synthesized definition, local engine)', () => {
  let samplesDir: string;
  let goodPhotos: string[];
  const pipelines = new LocalPipelines();

  /** Records every prompt and TargetModel that reaches the generator. */
  class RecordingEndpoint implements ModelEndpoint {
    readonly calls: { targetModel: string; prompt: string }[] = [];
    constructor(private readonly inner: ModelEndpoint) {}
    get performedBy() {
      return this.inner.performedBy;
    }
    async invoke(targetModel: string, body: string): Promise<string> {
      const prompt = String(JSON.parse(body).inputs[0].data[0]);
      if (prompt !== 'warm-up') this.calls.push({ targetModel, prompt });
      return this.inner.invoke(targetModel, body);
    }
  }

  async function train(pipeline: LocalPipeline, subjectId: string, settings: object) {
    for (const file of goodPhotos) {
      await pipeline.dropObject(
        `subjects/${subjectId}/${file}`,
        await readFile(join(samplesDir, 'good-ana', file)),
      );
    }
    await pipeline.dropObject(`subjects/${subjectId}/subject.json`, JSON.stringify(settings));
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
  }
  const published = (pipeline: LocalPipeline, type: string) =>
    pipeline.bus.published.filter((e) => e['detail-type'] === type);
  const readyOf = (pipeline: LocalPipeline, subjectId: string) =>
    ModelReady.parse(
      published(pipeline, 'Model Ready').find((e) => e.detail.subjectId === subjectId)?.detail,
    );

  beforeAll(async () => {
    samplesDir = await mkdtemp(join(tmpdir(), 'samples-'));
    const [ana] = await generateSampleSubjects(samplesDir, { subjects: ['good-ana'] });
    goodPhotos = (ana?.files ?? []).filter((f) => f.expected === 'good').map((f) => f.name);
  });
  afterAll(async () => {
    await pipelines.closeAll();
    await rm(samplesDir, { recursive: true, force: true });
  });

  it('generates with the trained token and class word after a later, invalid subject.json', async () => {
    // Prepare
    let endpoint: RecordingEndpoint | undefined;
    const pipeline = await pipelines.open({
      modelEndpoint: (standIn) => (endpoint = new RecordingEndpoint(standIn)),
    });
    await train(pipeline, 'ana', { token: 'qqx', classWord: 'woman', prompts: ['{subject} as a pilot'] });
    // A later subject.json that cannot be used: it starts a new image set, which is rejected and trains nothing.
    await pipeline.dropObject('subjects/ana/subject.json', '{"token": "ZWX", "classword": "person"}');
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();

    // Act
    await pipeline.bus.putEvents([
      {
        Source: 'partner.example',
        DetailType: 'Avatar Generation Requested',
        Detail: { version: 1, subjectId: 'ana', prompts: ['{subject} as a chef'], imagesPerPrompt: 1 },
      },
    ]);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();

    // Assess
    expect(published(pipeline, 'Subject Rejected').map((e) => e.detail.subjectId)).toEqual(['ana']);
    expect(published(pipeline, 'Model Ready')).toHaveLength(1);
    const prompts = [...new Set(endpoint?.calls.map((c) => c.prompt))].sort();
    expect(prompts).toEqual(['qqx woman as a chef', 'qqx woman as a pilot']);
    expect(published(pipeline, 'Request Rejected')).toEqual([]);
  });

  it('answers a forged Model Ready naming another subject’s model with Request Rejected, and generates nothing', async () => {
    // Prepare
    let endpoint: RecordingEndpoint | undefined;
    const pipeline = await pipelines.open({
      modelEndpoint: (standIn) => (endpoint = new RecordingEndpoint(standIn)),
    });
    await train(pipeline, 'ana', {
      classWord: 'woman',
      prompts: ['{subject} at the beach'],
      imagesPerPrompt: 1,
    });
    await train(pipeline, 'ben', {
      classWord: 'man',
      prompts: ['{subject} at the beach'],
      imagesPerPrompt: 1,
    });
    const ana = readyOf(pipeline, 'ana');
    const ben = readyOf(pipeline, 'ben');
    const before = endpoint?.calls.length ?? 0;

    // Act: anyone who may put events on the bus can write source avatar-pipeline
    await pipeline.bus.putEvents([
      {
        Source: 'avatar-pipeline',
        DetailType: 'Model Ready',
        Detail: { ...ana, targetModel: ben.targetModel },
      },
    ]);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();

    // Assess
    const [rejected] = published(pipeline, 'Request Rejected').map((e) => RequestRejected.parse(e.detail));
    expect(rejected?.subjectId).toBe('ana');
    expect(rejected?.errors).toEqual([
      {
        path: 'detail.targetModel',
        message: `"${ben.targetModel}" is not the TargetModel registered for default/ana ${ana.modelVersion} ("${ana.targetModel}")`,
      },
    ]);
    expect(endpoint?.calls.length).toBe(before);
  });

  it('starts a generation only from the sources each rule admits', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    await train(pipeline, 'ana', { classWord: 'woman', prompts: ['{subject}'], imagesPerPrompt: 1 });
    const ready = readyOf(pipeline, 'ana');
    const started = () => pipeline.executionsOf('generation').length;
    const afterTraining = started();
    const request = { version: 1, subjectId: 'ana', prompts: ['{subject}'], imagesPerPrompt: 1 };

    // Act / Assess: a Model Ready from anyone but the pipeline starts nothing
    await pipeline.bus.putEvents([{ Source: 'partner.example', DetailType: 'Model Ready', Detail: ready }]);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    expect(started()).toBe(afterTraining);
    // A partner request under the pipeline's own source starts nothing either
    await pipeline.bus
      .putEvents([{ Source: 'avatar-pipeline', DetailType: 'Avatar Generation Requested', Detail: request }])
      .catch(() => undefined);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    expect(started()).toBe(afterTraining);
    // A partner's own source is admitted
    await pipeline.bus.putEvents([
      { Source: 'partner.example.games', DetailType: 'Avatar Generation Requested', Detail: request },
    ]);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    expect(started()).toBe(afterTraining + 1);
  });
});

import { SubjectReceived, SubjectRejected } from '../../../events/pipeline-events.js';
import type { LocalPipeline } from '../../../local/runtime/local-pipeline.js';
import { type LocalTrainer, StandInTrainer } from '../../../local/stand-ins/async-training-endpoint.js';
import { LocalPipelines } from '../../support/local-pipelines.js';
import { goodSamplePhotos, type SamplePhoto } from '../../support/sample-photos.js';

/**
 * Folder drops the way browsers and people make them, through the synthesized training workflow on the local
 * engine: any order, subject.json first or last, late photos, photos during a training, bad folder names, folders
 * of junk, settings that can never be served. Every folder gets exactly one explained outcome; no drop trains twice.
 */
describe('folder drops (synthesized definition, local engine)', () => {
  let goodPhotos: SamplePhoto[];
  let removeSamples: () => Promise<void>;
  const pipelines = new LocalPipelines();

  beforeAll(async () => {
    ({ photos: goodPhotos, remove: removeSamples } = await goodSamplePhotos('drops-'));
  });
  afterAll(async () => {
    await pipelines.closeAll();
    await removeSamples();
  });

  const eventsOf = (pipeline: LocalPipeline, subjectId: string) =>
    pipeline.bus.published.filter((e) => e.detail.subjectId === subjectId);
  const typesOf = (pipeline: LocalPipeline, subjectId: string) =>
    eventsOf(pipeline, subjectId).map((e) => e['detail-type']);
  const count = (types: string[], type: string) => types.filter((t) => t === type).length;

  /** A trainer whose trainings wait until the test lets them finish: a training that is "in progress". */
  class GatedTrainer implements LocalTrainer {
    readonly performedBy = 'local-stand-in' as const;
    private release: () => void = () => {};
    private gate = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    started = 0;
    constructor(private readonly inner: LocalTrainer) {}
    async train(requestBody: string) {
      this.started++;
      await this.gate;
      return this.inner.train(requestBody);
    }
    open() {
      this.release();
    }
  }

  /** Resolves once an execution of the subject has entered `state`. */
  function entered(pipeline: LocalPipeline, subjectId: string, state: string): Promise<void> {
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        const running = [...pipeline.stepFunctions.executions.values()].some(
          (e) => e.name.startsWith(`${subjectId}-`) && e.status === 'RUNNING',
        );
        if (running && states.get(subjectId)?.has(state)) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
  }
  const states = new Map<string, Set<string>>();
  const progress = (p: { execution: string; kind: string; state?: string }) => {
    if (p.kind !== 'entered' || !p.state) return;
    const subject = p.execution.replace(/-[a-f0-9]{8}-g\d+$/, '');
    states.set(subject, (states.get(subject) ?? new Set()).add(p.state));
  };

  it.each([
    ['subject.json first', (files: string[]) => ['subject.json', ...files]],
    ['subject.json last', (files: string[]) => [...files, 'subject.json']],
    [
      'subject.json in the middle, photos reversed',
      (files: string[]) => {
        const reversed = [...files].reverse();
        return [...reversed.slice(0, 5), 'subject.json', ...reversed.slice(5)];
      },
    ],
  ])('trains one folder drop once, with every photo, whatever the order (%s)', async (_order, arrange) => {
    // Prepare
    const pipeline = await pipelines.open();
    const order = arrange(goodPhotos.map((photo) => photo.name));
    // Act
    for (const name of order) {
      const body =
        name === 'subject.json' ? '{"classWord":"woman"}' : goodPhotos.find((p) => p.name === name)?.body;
      await pipeline.dropObject(`subjects/ord/${name}`, body as string | Buffer);
    }
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    const types = typesOf(pipeline, 'ord');
    expect(count(types, 'Subject Received')).toBe(1);
    expect(count(types, 'Training Started')).toBe(1);
    expect(count(types, 'Model Ready')).toBe(1);
    const received = SubjectReceived.parse(eventsOf(pipeline, 'ord')[0]?.detail);
    expect(received.photos).toHaveLength(goodPhotos.length);
    expect(received.settings.classWord).toBe('woman');
  });

  it('seals as soon as every photo subject.json names has arrived', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    pipeline.holdStarts();
    const names = goodPhotos.map((photo) => photo.name);
    await pipeline.dropObject('subjects/listed/subject.json', JSON.stringify({ photos: names }));
    // Act
    for (const photo of goodPhotos) await pipeline.dropObject(`subjects/listed/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    const received = SubjectReceived.parse(eventsOf(pipeline, 'listed')[0]?.detail);
    expect(received.sealedBy).toBe('photo-list-complete');
    expect(count(typesOf(pipeline, 'listed'), 'Training Started')).toBe(1);
  });

  it('supersedes a sealed set that is still waiting for a training slot: the newer set trains, the old one says why it never did', async () => {
    // Prepare: capacity 1, and a first subject whose training does not finish yet, so the second one queues
    let gated: GatedTrainer | undefined;
    const pipeline = await pipelines.open({
      context: { trainingConcurrency: 1 },
      trainer: ({ store, bucket }) => {
        gated = new GatedTrainer(new StandInTrainer(store, bucket));
        return gated;
      },
      onProgress: progress,
    });
    for (const photo of goodPhotos) await pipeline.dropObject(`subjects/first/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await entered(pipeline, 'first', 'Train');
    pipeline.holdStarts();
    for (const photo of goodPhotos.slice(0, 11))
      await pipeline.dropObject(`subjects/late/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await entered(pipeline, 'late', 'WaitForTrainingSlot');
    // Act: a straggler for the queued subject
    await pipeline.dropObject(`subjects/late/${goodPhotos[11]?.name}`, goodPhotos[11]?.body as Buffer);
    await entered(pipeline, 'late', 'PublishImageSetSuperseded');
    gated?.open();
    await pipeline.settled();
    // Assess
    const types = typesOf(pipeline, 'late');
    expect(types).toEqual([
      'Subject Received',
      'Subject Accepted',
      'Image Set Superseded',
      'Subject Received',
      'Subject Accepted',
      'Training Started',
      'Model Ready',
      'Avatars Ready',
    ]);
    const [first, second] = eventsOf(pipeline, 'late').filter((e) => e['detail-type'] === 'Subject Received');
    expect(SubjectReceived.parse(first?.detail).photos).toHaveLength(11);
    expect(SubjectReceived.parse(second?.detail)).toMatchObject({
      supersedes: SubjectReceived.parse(first?.detail).imageSetId,
    });
    expect(SubjectReceived.parse(second?.detail).photos).toHaveLength(12);
    expect(gated?.started).toBe(2);
  });

  it('holds a photo that arrives during a training, and trains the new set only after that training ended', async () => {
    // Prepare
    let gated: GatedTrainer | undefined;
    const pipeline = await pipelines.open({
      trainer: ({ store, bucket }) => {
        gated = new GatedTrainer(new StandInTrainer(store, bucket));
        return gated;
      },
      onProgress: progress,
    });
    for (const photo of goodPhotos.slice(0, 11))
      await pipeline.dropObject(`subjects/busy/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await entered(pipeline, 'busy', 'Train');
    // Act
    await pipeline.dropObject(`subjects/busy/${goodPhotos[11]?.name}`, goodPhotos[11]?.body as Buffer);
    const startsDuringTraining = pipeline.stepFunctions.executions.size;
    gated?.open();
    await pipeline.settled();
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    expect(startsDuringTraining).toBe(1);
    const types = typesOf(pipeline, 'busy');
    expect(count(types, 'Image Set Superseded')).toBe(0);
    expect(count(types, 'Training Started')).toBe(2);
    expect(types.indexOf('Model Ready')).toBeLessThan(types.lastIndexOf('Subject Received'));
    const received = eventsOf(pipeline, 'busy').filter((e) => e['detail-type'] === 'Subject Received');
    expect(received.map((e) => SubjectReceived.parse(e.detail).photos.length)).toEqual([11, 12]);
  });

  it('rejects a folder whose name is not a valid subject id once, naming the folder as dropped and a valid id', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    // Act
    for (const photo of goodPhotos.slice(0, 3))
      await pipeline.dropObject(`subjects/Zoë Smith/${photo.name}`, photo.body);
    await pipeline.dropObject(`subjects/-dash/${goodPhotos[0]?.name}`, goodPhotos[0]?.body as Buffer);
    await pipeline.dropObject(`subjects/${'x'.repeat(70)}/a.jpg`, goodPhotos[0]?.body as Buffer);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    const rejected = pipeline.bus.published
      .filter((e) => e['detail-type'] === 'Subject Rejected')
      .map((e) => SubjectRejected.parse(e.detail));
    expect(rejected.map((r) => [r.folder, r.suggestedSubjectId])).toEqual(
      expect.arrayContaining([
        ['Zoë Smith', 'Zoe-Smith'],
        ['-dash', 'dash'],
        ['x'.repeat(70), 'x'.repeat(64)],
      ]),
    );
    expect(rejected).toHaveLength(3);
    expect(pipeline.bus.published.filter((e) => e['detail-type'] !== 'Subject Rejected')).toEqual([]);
  });

  it('gives a folder of nothing but junk an outcome: rejected, naming the ignored files', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    // Act
    await pipeline.dropObject('subjects/junk-only/.DS_Store', 'x');
    await pipeline.dropObject('subjects/junk-only/Thumbs.db', 'x');
    await pipeline.dropObject('subjects/junk-only/album/subject.json', '{}');
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    expect(typesOf(pipeline, 'junk-only')).toEqual(['Subject Received', 'Subject Rejected']);
    const received = SubjectReceived.parse(eventsOf(pipeline, 'junk-only')[0]?.detail);
    expect(received.ignoredFileReasons?.map((file) => file.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('move it to subjects/junk-only/subject.json')]),
    );
    expect(SubjectRejected.parse(eventsOf(pipeline, 'junk-only')[1]?.detail).usablePhotoCount).toBe(0);
  });

  it.each([
    ['an unknown style', { styles: ['gothic-horror'] }, 'styles'],
    [
      'more images than a request may make',
      { prompts: ['a', 'b', 'c', 'd'], imagesPerPrompt: 8 },
      'imagesPerPrompt',
    ],
  ])(
    'refuses subject.json with %s before any photo is analysed or any GPU time is spent',
    async (_what, settings, field) => {
      // Prepare
      const pipeline = await pipelines.open();
      const subjectId = `bad-${field.toLowerCase()}`;
      // Act
      for (const photo of goodPhotos)
        await pipeline.dropObject(`subjects/${subjectId}/${photo.name}`, photo.body);
      await pipeline.dropObject(`subjects/${subjectId}/subject.json`, JSON.stringify(settings));
      await pipeline.fastForwardQuietPeriods();
      await pipeline.settled();
      // Assess
      expect(typesOf(pipeline, subjectId)).toEqual(['Subject Received', 'Subject Rejected']);
      const rejected = SubjectRejected.parse(eventsOf(pipeline, subjectId)[1]?.detail);
      expect(rejected.reason).toContain(field);
      expect(rejected.usablePhotoCount).toBe(0);
      expect(pipeline.invocations.get('validateImages')).toBe(1);
      expect(pipeline.trainingEndpoint.invocations).toHaveLength(0);
    },
  );
});

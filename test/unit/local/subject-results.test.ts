import { estimateCost, UNIT_PRICES } from '../../../local/report/cost-estimate.js';
import { attentionLines, summaryRows } from '../../../local/report/run-summary.js';
import { currentSet, outcomeOf, subjectResults } from '../../../local/report/subject-results.js';
import { eventLog, marker, RUN_1, RUN_2, sampleEvent } from './local-events.js';

const DEE = { subjectId: 'mixed-dee', imageSetId: 'is-df7c7469330aaa6f' };
const DEE_MODEL = { subjectId: 'mixed-dee', modelVersion: 'v-3b629fe486cd' };

/** One trained subject from the drop to Avatars Ready, as a local run writes it. */
function trainedDee() {
  return [
    marker(RUN_1),
    sampleEvent('subject-received', DEE),
    sampleEvent('subject-accepted', DEE),
    sampleEvent('training-started', DEE),
    sampleEvent('model-ready', DEE),
    sampleEvent('prompt-rejected', DEE_MODEL),
    sampleEvent('avatars-ready', DEE_MODEL),
  ];
}

describe('what the events of a data folder say about each subject', () => {
  it('ties every event of an image set and of its first generation to the set, and ends it with its outcome', () => {
    // Prepare
    const log = eventLog(trainedDee());

    // Act
    const dee = subjectResults(log).get('mixed-dee');

    // Assess
    const set = dee && currentSet(dee);
    expect(set?.imageSetId).toBe('is-df7c7469330aaa6f');
    expect(set?.accepted?.photosUsed).toHaveLength(11);
    expect(set?.modelReady?.modelVersion).toBe('v-3b629fe486cd');
    expect(set?.generations).toHaveLength(1);
    expect(set?.generations[0]?.requestedBy).toBe('model-ready');
    expect(set?.generations[0]?.promptsRejected).toHaveLength(1);
    expect(outcomeOf(dee)).toBe('Avatars Ready');
    expect(dee?.timeline.map((e) => e.type)).toEqual([
      'Subject Received',
      'Subject Accepted',
      'Training Started',
      'Model Ready',
      'Prompt Rejected',
      'Avatars Ready',
    ]);
    expect(dee?.timeline.every((e) => e.run?.number === 1)).toBe(true);
  });

  it('makes a later image set the current one and keeps the earlier one in the timeline', () => {
    // Prepare
    const next = { subjectId: 'mixed-dee', imageSetId: 'is-0000000000000002' };
    const log = eventLog([
      ...trainedDee(),
      marker(RUN_2),
      sampleEvent('subject-received', next),
      sampleEvent('subject-rejected', next),
    ]);

    // Act
    const dee = subjectResults(log).get('mixed-dee');

    // Assess
    expect(dee?.imageSets.map((s) => s.imageSetId)).toEqual(['is-df7c7469330aaa6f', 'is-0000000000000002']);
    expect(outcomeOf(dee)).toBe('Subject Rejected');
    expect(dee?.timeline.at(-1)?.run?.number).toBe(2);
  });

  it("answers a partner's request in a generation of its own, matched by its correlation id", () => {
    // Prepare
    const request = sampleEvent('avatar-generation-requested', {
      subjectId: 'mixed-dee',
      correlationId: 'req-7',
    });
    const log = eventLog([
      ...trainedDee(),
      marker(RUN_2),
      request,
      sampleEvent('avatars-ready', { ...DEE_MODEL, requestedBy: 'partner', correlationId: 'req-7' }),
    ]);

    // Act
    const set = currentSet(subjectResults(log).get('mixed-dee') ?? (undefined as never));

    // Assess
    expect(set?.generations.map((g) => [g.requestedBy, g.correlationId, Boolean(g.avatarsReady)])).toEqual([
      ['model-ready', undefined, true],
      ['partner', 'req-7', true],
    ]);
  });

  it('names a refused partner request, for a subject known or not', () => {
    // Prepare
    const log = eventLog([
      marker(RUN_2),
      sampleEvent('avatar-generation-requested', { subjectId: 'nobody' }),
      sampleEvent('request-rejected', { subjectId: 'nobody' }),
    ]);

    // Act
    const nobody = subjectResults(log).get('nobody');

    // Assess
    expect(nobody?.imageSets).toEqual([]);
    expect(nobody?.requestsRejected).toHaveLength(1);
    expect(summaryRows(['nobody'], subjectResults(log))[0]?.outcome).toBe('No photos');
  });

  it('prices a trained set with its fine-tune and photos screened, and a rejected one without any GPU', () => {
    // Prepare
    const trained = currentSet(
      subjectResults(eventLog(trainedDee())).get('mixed-dee') ?? (undefined as never),
    );
    const cam = { subjectId: 'too-few-cam', imageSetId: 'is-a0e792e12e893b55' };
    const rejected = currentSet(
      subjectResults(
        eventLog([sampleEvent('subject-received', cam), sampleEvent('subject-rejected', cam)]),
      ).get('too-few-cam') ?? (undefined as never),
    );

    // Act
    const trainedCost = trained && estimateCost(trained);
    const rejectedCost = rejected && estimateCost(rejected);

    // Assess
    expect(trainedCost?.lines.map((l) => l.item)).toContain('GPU fine-tune (DreamBooth LoRA)');
    expect(trainedCost?.totalUsd).toBeGreaterThan(UNIT_PRICES.fineTune);
    expect(rejectedCost?.lines.map((l) => l.item)).not.toContain('GPU fine-tune (DreamBooth LoRA)');
    expect(rejectedCost?.totalUsd).toBeLessThan(0.05);
  });

  it('tells a person what to do about a rejected subject and names each excluded photo, within the width', () => {
    // Prepare
    const cam = { subjectId: 'too-few-cam', imageSetId: 'is-a0e792e12e893b55' };
    const results = subjectResults(
      eventLog([...trainedDee(), sampleEvent('subject-received', cam), sampleEvent('subject-rejected', cam)]),
    );

    // Act
    const lines = attentionLines(['mixed-dee', 'too-few-cam'], results, 80);

    // Assess
    expect(lines).toContain('mixed-dee:');
    expect(lines.some((l) => /IMG_0101\.jpg excluded \(TRUNCATED_OR_CORRUPT\)/.test(l))).toBe(true);
    expect(lines.some((l) => /what to do:/.test(l))).toBe(true);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });
});

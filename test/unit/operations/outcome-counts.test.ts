import fc from 'fast-check';
import { PIPELINE_EVENTS } from '../../../events/pipeline-events.js';
import { COUNTED_EVENTS, countsOf, sumCounts, utcDay } from '../../../functions/operations/outcome-counts.js';

describe('countsOf', () => {
  it('adds one to the counter of each counted detail-type, and nothing for the others', () => {
    // Prepare
    const types = Object.keys(PIPELINE_EVENTS);
    // Act
    const counted = types.map((type) => [type, countsOf(type, {})] as const);
    // Assess
    for (const [type, counts] of counted) {
      const counter = (COUNTED_EVENTS as Record<string, string>)[type];
      if (counter) expect(counts[counter]).toBe(1);
      else expect(counts).toEqual({});
    }
    expect(countsOf('Avatar Generation Requested', {})).toEqual({});
    expect(countsOf('Object Created', {})).toEqual({});
  });

  it("counts a subject rejection by category, never by its reason's text", () => {
    // Prepare
    const base = { reason: 'Only 3 of your photos show one face: add 7 more', advice: 'x' };
    // Act
    const folder = countsOf('Subject Rejected', {
      ...base,
      folder: 'Bad Name',
      usablePhotoCount: 0,
      requiredPhotoCount: 10,
    });
    const tooFew = countsOf('Subject Rejected', { ...base, usablePhotoCount: 3, requiredPhotoCount: 10 });
    const other = countsOf('Subject Rejected', { ...base, usablePhotoCount: 12, requiredPhotoCount: 10 });
    // Assess
    expect(folder).toEqual({ SubjectsRejected: 1, 'SubjectsRejected_folder-name': 1 });
    expect(tooFew).toEqual({ SubjectsRejected: 1, 'SubjectsRejected_too-few-usable-photos': 1 });
    expect(other).toEqual({ SubjectsRejected: 1, 'SubjectsRejected_settings-or-content': 1 });
  });

  it("counts prompt rejections by rule and by Comprehend's label, but never names a deny-list word", () => {
    // Prepare
    const prompt = 'a secret prompt';
    // Act
    const toxic = countsOf('Prompt Rejected', { prompt, rule: 'toxicity', label: 'INSULT', score: 0.9 });
    const denied = countsOf('Prompt Rejected', { prompt, rule: 'deny-list', label: 'nudity' });
    const forged = countsOf('Prompt Rejected', { prompt, rule: 'made-up', label: 'ALSO_MADE_UP' });
    // Assess
    expect(toxic).toEqual({
      PromptsRejected: 1,
      PromptsRejectedByRule_toxicity: 1,
      PromptsRejectedByLabel_INSULT: 1,
    });
    expect(denied).toEqual({ PromptsRejected: 1, 'PromptsRejectedByRule_deny-list': 1 });
    expect(forged).toEqual({ PromptsRejected: 1 });
  });

  it('adds the images of Avatars Ready and the GPU seconds of Model Ready, and marks dry runs', () => {
    // Prepare / Act
    const avatars = countsOf('Avatars Ready', {
      mode: 'dry-run',
      counts: { imagesDelivered: 11, imagesWithheld: 1, imagesBlocked: 1, promptsRequested: 12 },
    });
    const model = countsOf('Model Ready', { trainingSeconds: 1499.6 });
    const broken = countsOf('Model Ready', { trainingSeconds: -5 });
    // Assess
    expect(avatars).toEqual({
      GenerationsSucceeded: 1,
      DryRunEvents: 1,
      ImagesDelivered: 11,
      ImagesWithheld: 1,
      ImagesBlocked: 1,
    });
    expect(model).toEqual({ ModelsReady: 1, TrainingSeconds: 1500 });
    expect(broken).toEqual({ ModelsReady: 1, TrainingSeconds: 0 });
  });

  it('names counters only from its closed vocabulary, with whole non-negative values, whatever a detail holds', () => {
    // Prepare
    const vocabulary =
      /^(SubjectsReceived|SubjectsAccepted|SubjectsRejected|SubjectsFailed|ImageSetsSuperseded|TrainingsStarted|TrainingsFailed|ModelsReady|TrainingSeconds|PromptsRejected|GenerationsSucceeded|GenerationsFailed|RequestsRejected|WebhookEndpointsDisabled|SubjectsErased|ErasuresFailed|DryRunEvents|ImagesDelivered|ImagesWithheld|ImagesBlocked|SubjectsRejected_(folder-name|too-few-usable-photos|settings-or-content)|PromptsRejectedByRule_(deny-list|toxicity|language|length|empty)|PromptsRejectedByLabel_[A-Z_]+)$/;
    const detailType = fc.constantFrom(...Object.keys(PIPELINE_EVENTS), 'Something Else');
    // Act / Assess
    fc.assert(
      fc.property(detailType, fc.anything(), (type, detail) => {
        for (const [name, value] of Object.entries(countsOf(type, detail))) {
          expect(name).toMatch(vocabulary);
          expect(Number.isInteger(value) && value >= 0).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('sumCounts and utcDay', () => {
  it('adds counters across events, and cuts an instant to its UTC day', () => {
    // Prepare
    const events: Record<string, number>[] = [
      { ImagesDelivered: 3, GenerationsSucceeded: 1 },
      { ImagesDelivered: 2 },
      {},
    ];
    // Act
    const total = sumCounts(events);
    // Assess
    expect(total).toEqual({ ImagesDelivered: 5, GenerationsSucceeded: 1 });
    expect(utcDay('2026-12-01T23:59:59.999Z')).toBe('2026-12-01');
    expect(utcDay('2026-12-02T00:30:00+02:00')).toBe('2026-12-01');
  });
});

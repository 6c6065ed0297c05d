import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { identifiersDocument } from '../../../events/identifiers.js';
import { pipelineJsonSchemas } from '../../../events/json-schemas.js';
import {
  EVENT_SOURCE,
  INCOMING_DETAIL_TYPES,
  PIPELINE_EVENTS,
  parsePipelineEventDetail,
} from '../../../events/pipeline-events.js';
import { SubjectSettings } from '../../../events/subject-settings.js';
import { hyperparametersDocument, TrainingOverrides } from '../../../events/training-settings.js';

const eventsDir = fileURLToPath(new URL('../../../events/', import.meta.url));
const samplesDir = join(eventsDir, 'samples', 'v1');
const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, event: JSON.parse(readFileSync(join(samplesDir, file), 'utf8')) }));

describe('the event catalogue under events/', () => {
  it('has a sample for every detail-type', () => {
    const sampled = new Set(samples.map((s) => s.event['detail-type']));
    expect([...sampled].sort()).toEqual(expect.arrayContaining(Object.keys(PIPELINE_EVENTS)));
  });

  it.each(samples)(
    'sample $file is a valid event of its detail-type that names its subject or endpoint',
    ({ event }) => {
      // Act
      const detail = parsePipelineEventDetail(event['detail-type'], event.detail) as {
        subjectId?: string;
        endpointId?: string;
      };
      // Assess
      if (INCOMING_DETAIL_TYPES.includes(event['detail-type'])) expect(event.source).not.toBe(EVENT_SOURCE);
      else expect(event.source).toBe(EVENT_SOURCE);
      // A webhook endpoint's event names the endpoint; every other names its subject.
      expect(detail.subjectId ?? detail.endpointId).toMatch(/\S/);
    },
  );

  it('publishes JSON Schemas that match the zod schemas (run `npm run events:schemas` after changing them)', () => {
    for (const [file, schema] of Object.entries(pipelineJsonSchemas())) {
      const published = JSON.parse(readFileSync(join(eventsDir, 'schemas', file), 'utf8'));
      expect({ file, schema: published }).toEqual({ file, schema });
    }
  });

  it('gives the training container the same hyperparameter defaults and bounds (run `npm run events:schemas`)', () => {
    const path = fileURLToPath(
      new URL('../../../sagemaker/training/src/avatar_training/hyperparameters.json', import.meta.url),
    );
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(hyperparametersDocument())),
    );
  });

  it('gives the training container the same subject-id, image-set and model-version rules (run `npm run events:schemas`)', () => {
    // Prepare
    const path = fileURLToPath(
      new URL('../../../sagemaker/training/src/avatar_training/identifiers.json', import.meta.url),
    );
    // Act
    const published = JSON.parse(readFileSync(path, 'utf8'));
    // Assess
    expect(published).toEqual(identifiersDocument());
  });

  it('refuses an event detail that misses a field, naming the field', () => {
    const accepted = samples.find((s) => s.event['detail-type'] === 'Subject Accepted')?.event.detail;
    const { trainingSet: _dropped, ...incomplete } = accepted;
    expect(() => parsePipelineEventDetail('Subject Accepted', incomplete)).toThrow(/trainingSet/);
  });

  it('refuses an unknown detail-type, listing the known ones', () => {
    expect(() => parsePipelineEventDetail('Subject Exploded', {})).toThrow(/Subject Accepted/);
  });
});

describe('training overrides in subject.json', () => {
  it.each([
    [{ maxTrainSteps: 50 }, /maxTrainSteps/],
    [{ resolution: 500 }, /resolution/],
    [{ learningRate: 0.5 }, /learningRate/],
    [{ lora_rank: 8 }, /lora_rank/],
  ])('refuses %j outside its documented bounds, naming it', (training, field) => {
    const parsed = TrainingOverrides.safeParse(training);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')).toMatch(field);
  });

  it('accepts overrides within bounds', () => {
    expect(TrainingOverrides.parse({ maxTrainSteps: 800, resolution: 768, learningRate: 5e-5 })).toEqual({
      maxTrainSteps: 800,
      resolution: 768,
      learningRate: 5e-5,
    });
  });
});

describe('subject.json settings', () => {
  it('fills documented defaults', () => {
    expect(SubjectSettings.parse({})).toEqual({ classWord: 'person', token: 'zwx' });
  });

  it.each([
    [{ classword: 'woman' }, /classword/],
    [{ classWord: 42 }, /classWord/],
    // http is for a loopback receiver of a local run only: the ingest's SSRF guard refuses it on AWS.
    [{ webhook: { url: 'ftp://example.com/hook' } }, /webhook\.url|url/],
    [{ prompts: 'a portrait' }, /prompts/],
  ])('refuses %j, naming the field', (settings, field) => {
    const parsed = SubjectSettings.safeParse(settings);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')).toMatch(field);
  });
});

import fc from 'fast-check';
import {
  InvalidSubjectSettingsError,
  MAX_PROBLEM_MESSAGE_CHARS,
  MAX_REPORTED_PROBLEMS,
  parseSubjectSettingsJson,
  type SubjectSettingsResult,
} from '../../../events/subject-settings.js';
import type { IngestDeps } from '../../../functions/ingest/record-object.js';
import { recordObjectCreated } from '../../../functions/ingest/record-object.js';
import { parseObjectCreated } from '../../../functions/ingest/s3-object-created.js';
import type { ObjectStore } from '../../../functions/platform/object-store.js';
import { MalformedValidateImagesInputError } from '../../../functions/validation/errors.js';
import { validateImagesTask } from '../../../functions/validation/validate-images.task.js';
import { objectCreated } from '../../support/aws-events.js';
import { anyJson, applyMutation, awkwardString, mutationOf, RUNS, thrownBy } from '../../support/fuzz.js';

/** A subject.json with every field set. */
const everyField = {
  classWord: 'woman',
  token: 'sks',
  prompts: ['{subject} as a pilot', '{subject} in the rain'],
  styles: ['anime'],
  imagesPerPrompt: 2,
  training: {
    resolution: 512,
    maxTrainSteps: 800,
    learningRate: 0.0001,
    loraRank: 64,
    textEncoderRank: 32,
    trainTextEncoder: false,
    priorPreservation: true,
    numClassImages: 50,
    priorLossWeight: 1,
    seed: 7,
    mixedPrecision: 'bf16',
  },
  webhook: { url: 'https://hooks.example.com/avatars' },
};

/** Any text a person could upload as subject.json. */
const anyText = fc.oneof(
  awkwardString,
  anyJson.map((value) => JSON.stringify(value)),
  mutationOf(everyField).map((m) => JSON.stringify(applyMutation(everyField, m))),
  fc.constantFrom('{', '\uFEFF{}', '{"classWord": "woman",}', "{'classWord': 'woman'}", '[]', 'null'),
);

function assertTyped(result: SubjectSettingsResult): void {
  if (result.success) {
    expect(typeof result.settings.classWord).toBe('string');
    expect(typeof result.settings.token).toBe('string');
    return;
  }
  expect(result.error).toBeInstanceOf(InvalidSubjectSettingsError);
  expect(result.error.problems.length).toBeGreaterThan(0);
  expect(result.error.problems.length).toBeLessThanOrEqual(MAX_REPORTED_PROBLEMS + 1);
  for (const { message } of result.error.problems) {
    expect(message.length).toBeLessThanOrEqual(MAX_PROBLEM_MESSAGE_CHARS);
  }
  expect(result.error.message).toMatch(/^subject\.json (is not JSON|has invalid settings): /);
}

describe('parseSubjectSettingsJson, for any text', () => {
  it('gives typed settings or an InvalidSubjectSettingsError with bounded problems, never throws', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        // Act
        const result = parseSubjectSettingsJson(text);
        // Assess
        assertTyped(result);
      }),
      RUNS,
    );
  });

  it('names the changed field when a mutated subject.json is refused', () => {
    fc.assert(
      fc.property(mutationOf(everyField), (mutation) => {
        // Prepare
        const text = JSON.stringify(applyMutation(everyField, mutation));
        // Act
        const result = parseSubjectSettingsJson(text);
        // Assess
        if (result.success) return;
        const path = mutation.path.join('.');
        if (mutation.op === 'add') {
          // An unknown field is refused at its object, by name.
          const key = mutation.path.at(-1) ?? '';
          const at = mutation.path.slice(0, -1).join('.');
          expect(result.error.problems).toContainEqual({ path: at, message: expect.stringContaining(key) });
        } else {
          expect(result.error.problems.some((p) => p.path === path || p.path.startsWith(`${path}.`))).toBe(
            true,
          );
        }
      }),
      RUNS,
    );
  });

  it('accepts again the settings it gave', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        // Prepare
        const first = parseSubjectSettingsJson(text);
        fc.pre(first.success);
        // Act
        const again = parseSubjectSettingsJson(JSON.stringify(first.success && first.settings));
        // Assess
        expect(again).toEqual(first);
      }),
      RUNS,
    );
  });
});

describe('recordObjectCreated, for any subject.json', () => {
  it('records either the settings or a problem naming the file, and never throws', async () => {
    // Prepare: a ledger that takes the settings and says nothing changed, so the subject is not sealed
    let recorded: { json?: string; problem?: string } | undefined;
    const ledger = {
      recordSettings: async (_: string, settings: { json?: string; problem?: string }) => {
        recorded = settings;
        return false;
      },
      getSubject: async () => undefined,
    };
    const bytes = fc.oneof(
      anyText.map((text) => new TextEncoder().encode(text)),
      fc.uint8Array({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (body) => {
        recorded = undefined;
        const store = {
          get: async () => body,
          head: async () => ({ size: body.length }),
        } as unknown as ObjectStore;
        const deps = {
          ledger,
          store,
          limits: { maxImagesPerRequest: 24, maxPhotos: 15 },
        } as unknown as IngestDeps;
        const event = parseObjectCreated(objectCreated('subjects/ana/subject.json', { size: body.length }));
        // Act
        const outcome = await recordObjectCreated(event, deps);
        // Assess
        expect(outcome).toEqual({
          action: 'unchanged',
          tenantId: 'default',
          subjectId: 'ana',
          started: false,
        });
        const settings = recorded as { json?: string; problem?: string } | undefined;
        expect(settings).toBeDefined();
        expect(settings?.json === undefined).toBe(settings?.problem !== undefined);
        if (settings?.problem)
          expect(settings.problem).toMatch(
            /^subjects\/ana\/subject\.json (is not valid JSON|has invalid settings|asks for|names)/,
          );
        if (settings?.json) expect(parseSubjectSettingsJson(settings.json).success).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('parseValidateImagesInput, for any settings in the payload', () => {
  it('gives the payload or a MalformedValidateImagesInputError', () => {
    const settings = fc.oneof(
      anyJson,
      mutationOf(everyField).map((m) => applyMutation(everyField, m)),
    );
    fc.assert(
      fc.property(settings, (value) => {
        // Prepare
        const payload = { subjectId: 'ana', imageSetId: 'is-0123456789abcdef', photos: [], settings: value };
        // Act
        const error = thrownBy(() => validateImagesTask.parse(payload));
        // Assess
        if (error !== undefined) {
          expect(error).toBeInstanceOf(MalformedValidateImagesInputError);
          expect((error as Error).message).toContain('settings');
        }
      }),
      RUNS,
    );
  });
});

import fc from 'fast-check';
import { AvatarGenerationRequested, RequestRejected } from '../../../events/pipeline-events.js';
import partnerSample from '../../../events/samples/v1/avatar-generation-requested.json' with { type: 'json' };
import modelReadySample from '../../../events/samples/v1/model-ready.json' with { type: 'json' };
import { prepareGenerationTask } from '../../../functions/generation/prepare-generation.task.js';

const parsePrepareGenerationInput = prepareGenerationTask.parse;

import {
  MalformedGenerationTaskInputError,
  MalformedModelReadyError,
} from '../../../functions/generation/errors.js';
import {
  DEFAULT_PREPARATION_POLICY,
  type PrepareGenerationDeps,
  prepareGeneration,
} from '../../../functions/generation/prepare-generation.js';
import type { PrepareGenerationOutput } from '../../../state-machines/generation/contract.js';
import { anyJson, applyMutation, awkwardString, mutationOf, RUNS, thrownBy } from '../../support/fuzz.js';

/** A partner request with every field set. */
const everyField = {
  version: 1,
  subjectId: 'prompts-fay',
  prompts: ['{subject} as a space pirate captain'],
  styles: ['anime', 'watercolor'],
  imagesPerPrompt: 2,
  correlationId: 'req-42',
};

/** Every subject has a model, and the subject.json the run draws. */
function depsWith(settingsJson: string | undefined): PrepareGenerationDeps {
  return {
    models: {
      current: async (ref) => ({
        modelVersion: 'v-0123456789ab',
        targetModel: `${ref.tenantId}/${ref.subjectId}/v-0123456789ab.tar.gz`,
      }),
      version: async (ref, modelVersion) => ({
        modelVersion,
        targetModel: `${ref.tenantId}/${ref.subjectId}/${modelVersion}.tar.gz`,
      }),
    },
    subjects: { getSubject: async () => ({ settingsJson: settingsJson ?? null }) },
    policy: DEFAULT_PREPARATION_POLICY,
  };
}

const anyDetail = fc.oneof(
  anyJson,
  { arbitrary: mutationOf(everyField).map((m) => applyMutation(everyField, m)), weight: 3 },
  fc.record({
    version: fc.constant(1),
    subjectId: fc.oneof(fc.constant('prompts-fay'), awkwardString),
    prompts: fc.array(awkwardString, { maxLength: 4 }),
    styles: fc.array(fc.oneof(fc.constantFrom('anime', 'cyberpunk'), awkwardString), { maxLength: 3 }),
    imagesPerPrompt: fc.oneof(fc.integer({ min: -1, max: 30 }), fc.double()),
  }),
);

/** The subject's recorded subject.json: mostly none or a usable one, sometimes anything at all. */
const anySettingsJson = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  fc.constantFrom('{"classWord": "woman", "token": "sks", "imagesPerPrompt": 8}', '{"styles": ["nope"]}'),
  awkwardString,
  anyJson.map((value) => JSON.stringify(value)),
);

/** Mostly partner requests (the interesting case), sometimes our own Model Ready, or anything else. */
const anyInput = fc.record({
  'detail-type': fc.oneof(
    { arbitrary: fc.constant('Avatar Generation Requested'), weight: 6 },
    fc.constantFrom('Model Ready', 'Subject Received'),
    fc.string(),
  ),
  source: fc.oneof(
    { arbitrary: fc.constant('partner.shop'), weight: 3 },
    fc.constant('avatar-pipeline'),
    fc.string(),
  ),
  id: fc.string({ minLength: 1 }),
  detail: anyDetail,
});

const PROBLEM_PATH = /^(detail-type|detail|subject\.json|imagesPerPrompt)(\.|$)/;

function assertAnswer(out: PrepareGenerationOutput): void {
  if (out.valid) {
    expect(out.request.subjectId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
    expect(out.prompts.length).toBeGreaterThan(0);
    return;
  }
  expect(RequestRejected.safeParse(out.rejected).success).toBe(true);
  expect(out.rejected.errors.length).toBeGreaterThan(0);
  for (const { path } of out.rejected.errors) expect(path).toMatch(PROBLEM_PATH);
}

describe('prepareGeneration, for any event', () => {
  it('answers a plan or a RequestRejected, and throws only MalformedModelReadyError for our own Model Ready', async () => {
    await fc.assert(
      fc.asyncProperty(anyInput, anySettingsJson, async (input, settingsJson) => {
        // Act
        let out: PrepareGenerationOutput | undefined;
        let error: unknown;
        try {
          out = await prepareGeneration(input, depsWith(settingsJson));
        } catch (e) {
          error = e;
        }
        // Assess
        if (error !== undefined) {
          expect(error).toBeInstanceOf(MalformedModelReadyError);
          expect([input['detail-type'], input.source]).toEqual(['Model Ready', 'avatar-pipeline']);
        } else {
          assertAnswer(out as PrepareGenerationOutput);
        }
      }),
      RUNS,
    );
  });

  it('names the changed field when a mutated partner request is refused by its schema', async () => {
    await fc.assert(
      fc.asyncProperty(mutationOf(everyField), async (mutation) => {
        // Prepare
        const detail = applyMutation(everyField, mutation);
        fc.pre(!AvatarGenerationRequested.safeParse(detail).success);
        const input = {
          'detail-type': 'Avatar Generation Requested',
          source: 'partner.shop',
          id: 'e-1',
          detail,
        };
        // Act
        const out = await prepareGeneration(input, depsWith(undefined));
        // Assess
        expect(out.valid).toBe(false);
        const errors = out.valid ? [] : out.rejected.errors;
        const last = mutation.path.at(-1) ?? '';
        if (mutation.op === 'add') {
          // A field the schema does not know is refused at its object, by name.
          expect(errors).toContainEqual({
            path: ['detail', ...mutation.path.slice(0, -1)].join('.'),
            message: expect.stringContaining(last),
          });
        } else {
          // Deleting the only prompt leaves an empty list, refused at the list.
          const named =
            mutation.op === 'delete' && /^\d+$/.test(last) ? mutation.path.slice(0, -1) : mutation.path;
          const path = ['detail', ...named].join('.');
          expect(errors.some((e) => e.path === path || e.path.startsWith(`${path}.`))).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('parsePrepareGenerationInput, for any execution input', () => {
  it.each([
    ['partner request', partnerSample],
    ['Model Ready', modelReadySample],
  ])('keeps the envelope of the %s sample', (_, sample) => {
    // Act
    const input = parsePrepareGenerationInput(sample);
    // Assess
    expect(input).toEqual({
      'detail-type': sample['detail-type'],
      source: sample.source,
      id: sample.id,
      // The account decides a partner request's tenant (partnerTenantOf), so the envelope keeps it.
      account: sample.account,
      detail: sample.detail,
    });
  });

  it('gives the envelope or a MalformedGenerationTaskInputError naming the changed field', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyJson.map((event) => ({ event, path: undefined })),
          mutationOf(partnerSample).map((m) => ({ event: applyMutation(partnerSample, m), path: m.path })),
        ),
        ({ event, path }) => {
          // Act
          const error = thrownBy(() => parsePrepareGenerationInput(event));
          // Assess
          if (error === undefined) return;
          expect(error).toBeInstanceOf(MalformedGenerationTaskInputError);
          if (path) expect((error as Error).message).toContain(path[0]);
        },
      ),
      RUNS,
    );
  });
});

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { RequestRejected } from '../../../events/pipeline-events.js';
import modelReadySample from '../../../events/samples/v1/model-ready.json' with { type: 'json' };
import { DEFAULT_HYPERPARAMETERS } from '../../../events/training-settings.js';
import { ModelRegistry } from '../../../functions/deployment/model-registry.js';
import { MalformedModelReadyError } from '../../../functions/generation/errors.js';
import {
  type PrepareGenerationDeps,
  prepareGeneration,
  readPreparationPolicyFromEnvironment,
} from '../../../functions/generation/prepare-generation.js';
import { seedFor } from '../../../functions/generation/prompts.js';
import { SubjectLedger } from '../../../functions/ingest/subject-ledger.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import {
  ledgerTableDefinition,
  modelRegistryTableDefinition,
} from '../../../local/runtime/table-definitions.js';
import { GenerationExecutionInput } from '../../../state-machines/generation/contract.js';

const REGISTRY = 'model-registry';
const LEDGER = 'ledger';
const EVENT_ID = '0d3c1d7e-77a5-4f4e-8d2b-5c1c6e0f9a11';

function partnerEvent(detail: unknown) {
  return { 'detail-type': 'Avatar Generation Requested', source: 'partner.shop', id: EVENT_ID, detail };
}

describe('prepareGeneration', () => {
  let dynamo: LocalDynamo;
  let deps: PrepareGenerationDeps;

  async function registerModel(subjectId: string, modelVersion: string) {
    await new ModelRegistry(dynamo.db, REGISTRY).register({
      tenantId: 'default',
      subjectId,
      modelVersion,
      imageSetId: 'is-0123456789abcdef',
      targetModel: `default/${subjectId}/${modelVersion}.tar.gz`,
      artifactKey: `models/default/${subjectId}/${modelVersion}.tar.gz`,
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      hyperparameters: DEFAULT_HYPERPARAMETERS,
      adapterBytes: 1,
      trainingSeconds: 1,
      warmUpSeconds: 1,
      registeredAt: '2026-11-25T10:00:00.000Z',
    });
  }

  async function recordSettings(subjectId: string, settings: unknown) {
    await dynamo.db.send(
      new PutCommand({
        TableName: LEDGER,
        Item: {
          pk: `SUBJECT#default#${subjectId}`,
          sk: 'SUBJECT',
          tenantId: 'default',
          subjectId,
          settingsJson: JSON.stringify(settings),
        },
      }),
    );
  }

  beforeEach(async () => {
    dynamo = await startLocalDynamo([modelRegistryTableDefinition(REGISTRY), ledgerTableDefinition(LEDGER)]);
    deps = {
      models: new ModelRegistry(dynamo.db, REGISTRY),
      subjects: new SubjectLedger(dynamo.db, LEDGER),
      policy: readPreparationPolicyFromEnvironment({}),
    };
  });
  afterEach(async () => {
    await dynamo.close();
  });

  it('plans the subject’s styles for the model of a Model Ready event', async () => {
    // Prepare
    // Model Ready is served only for a model the registry holds (issue 8): the event's model is registered.
    await registerModel('mixed-dee', 'v-3b629fe486cd');
    await recordSettings('mixed-dee', {
      classWord: 'man',
      token: 'sks',
      styles: ['anime', 'watercolor'],
      imagesPerPrompt: 3,
    });
    // Act
    const out = await prepareGeneration(modelReadySample, deps);
    // Assess
    expect(out.valid).toBe(true);
    if (!out.valid) return;
    expect(out.request).toEqual({
      requestId: modelReadySample.id,
      tenantId: 'default',
      subjectId: 'mixed-dee',
      modelVersion: 'v-3b629fe486cd',
      targetModel: 'default/mixed-dee/v-3b629fe486cd.tar.gz',
      requestedBy: 'model-ready',
    });
    expect(out.prompts.map((p) => [p.promptId, p.style, p.seeds.length])).toEqual([
      ['p01', 'anime', 3],
      ['p02', 'watercolor', 3],
    ]);
    expect(out.prompts[0]?.prompt).toMatch(/^a portrait of sks man as an anime character/);
    expect(out.prompts[0]?.seeds[1]).toBe(seedFor(modelReadySample.id, 'p01', 1));
    expect(out.failureBase).toEqual({
      version: 1,
      tenantId: 'default',
      subjectId: 'mixed-dee',
      modelVersion: 'v-3b629fe486cd',
    });
  });

  it('uses the defaults (whole style pack, 2 images each) for a subject without subject.json', async () => {
    await registerModel('mixed-dee', 'v-3b629fe486cd');
    const out = await prepareGeneration(modelReadySample, deps);
    expect(out.valid && out.prompts.length).toBe(6);
    expect(
      out.valid && out.prompts.every((p) => p.prompt.includes('zwx person') && p.seeds.length === 2),
    ).toBe(true);
  });

  it('throws on a malformed Model Ready of our own (a pipeline defect, not a request to answer)', async () => {
    const event = { ...modelReadySample, detail: { ...modelReadySample.detail, modelVersion: 'latest' } };
    await expect(prepareGeneration(event, deps)).rejects.toThrow(MalformedModelReadyError);
  });

  it('serves a partner request with the CURRENT model, the partner’s prompts replacing the subject’s', async () => {
    await registerModel('ana', 'v-aaaaaaaaaaaa');
    await registerModel('ana', 'v-bbbbbbbbbbbb');
    await recordSettings('ana', { classWord: 'woman', styles: ['anime'], imagesPerPrompt: 4 });
    const out = await prepareGeneration(
      partnerEvent({
        version: 1,
        subjectId: 'ana',
        prompts: ['{subject} as a pilot'],
        correlationId: 'order-7',
      }),
      deps,
    );
    expect(out).toMatchObject({
      valid: true,
      request: {
        requestId: EVENT_ID,
        tenantId: 'default',
        subjectId: 'ana',
        modelVersion: 'v-bbbbbbbbbbbb',
        targetModel: 'default/ana/v-bbbbbbbbbbbb.tar.gz',
        correlationId: 'order-7',
        requestedBy: 'partner',
      },
      failureBase: {
        version: 1,
        tenantId: 'default',
        subjectId: 'ana',
        modelVersion: 'v-bbbbbbbbbbbb',
        correlationId: 'order-7',
      },
    });
    expect(out.valid && out.prompts.map((p) => [p.prompt, p.seeds.length])).toEqual([
      ['zwx woman as a pilot', 4],
    ]);
  });

  it('never lets a partner name a tenant: a tenantId in the request is refused, naming the field', async () => {
    // Prepare
    await registerModel('ana', 'v-aaaaaaaaaaaa');
    // Act
    const out = await prepareGeneration(
      partnerEvent({
        version: 1,
        tenantId: 'someone-else',
        subjectId: 'ana',
        prompts: ['{subject} as a pilot'],
      }),
      deps,
    );
    // Assess
    expect(out.valid).toBe(false);
    if (out.valid) return;
    expect(out.rejected.tenantId).toBe('default');
    expect(out.rejected.errors.map((e) => e.message).join(' ')).toMatch(/tenantId/);
  });

  it("serves the HTTP API's request with the tenant its authorizer found, and that tenant's model only", async () => {
    // Prepare: "ana" has a model in the default tenant only
    await registerModel('ana', 'v-aaaaaaaaaaaa');
    const request = {
      ...partnerEvent({ version: 1, subjectId: 'ana', prompts: ['{subject} as a pilot'] }),
      apiRequest: { tenantId: 'acme', clientId: 'c1' },
    };
    // Act
    const out = await prepareGeneration(GenerationExecutionInput.parse(request), deps);
    // Assess: acme has no "ana", so nothing of the default tenant's is used
    expect(out.valid).toBe(false);
    if (out.valid) return;
    expect(out.rejected).toMatchObject({ tenantId: 'acme', subjectId: 'ana' });
  });

  it('answers an invalid partner request with RequestRejected naming every problem by path; it never throws', async () => {
    const out = await prepareGeneration(
      partnerEvent({
        version: 2,
        tenantId: 'default',
        subjectId: 'ana',
        prompts: ['ok', ''],
        imagesPerPrompt: 50,
        colour: 'blue',
        correlationId: 'order-8',
      }),
      deps,
    );
    expect(out.valid).toBe(false);
    if (out.valid) return;
    const rejected = RequestRejected.parse(out.rejected);
    expect(rejected).toMatchObject({ version: 1, subjectId: 'ana', correlationId: 'order-8' });
    expect(rejected.errors.map((e) => e.path).sort()).toEqual(
      ['detail', 'detail.imagesPerPrompt', 'detail.prompts.1', 'detail.version'].sort(),
    );
    expect(rejected.errors.find((e) => e.path === 'detail')?.message).toMatch(/colour/);
    expect(rejected.advice).toMatch(/events\//);
  });

  it('rejects a request that is not an object at all, with an empty subject id', async () => {
    const out = await prepareGeneration(partnerEvent('generate please'), deps);
    expect(out.valid === false && RequestRejected.parse(out.rejected)).toMatchObject({
      tenantId: 'default',
      subjectId: '',
      errors: [{ path: 'detail' }],
    });
  });

  it('rejects a request for a subject without a trained model', async () => {
    const out = await prepareGeneration(partnerEvent({ version: 1, subjectId: 'nobody' }), deps);
    expect(out.valid === false && RequestRejected.parse(out.rejected)).toMatchObject({
      tenantId: 'default',
      subjectId: 'nobody',
      errors: [{ path: 'detail.subjectId', message: 'no trained model for nobody' }],
    });
  });

  it('rejects an unknown style, listing the valid ones', async () => {
    await registerModel('ana', 'v-aaaaaaaaaaaa');
    const out = await prepareGeneration(
      partnerEvent({ version: 1, subjectId: 'ana', styles: ['anime', 'vaporwave'] }),
      deps,
    );
    expect(out.valid === false && out.rejected.errors).toEqual([
      {
        path: 'detail.styles',
        message: expect.stringMatching(/unknown style "vaporwave"; valid styles are astronaut, /),
      },
    ]);
  });

  it('rejects more images than MAX_IMAGES_PER_REQUEST', async () => {
    await registerModel('ana', 'v-aaaaaaaaaaaa');
    const capped = {
      ...deps,
      policy: readPreparationPolicyFromEnvironment({ MAX_IMAGES_PER_REQUEST: '10' }),
    };
    const ok = await prepareGeneration(
      partnerEvent({ version: 1, subjectId: 'ana', styles: ['anime'], imagesPerPrompt: 8 }),
      capped,
    );
    const over = await prepareGeneration(
      partnerEvent({ version: 1, subjectId: 'ana', styles: ['anime', 'astronaut'], imagesPerPrompt: 6 }),
      capped,
    );
    expect(ok.valid).toBe(true);
    expect(over.valid === false && over.rejected.errors).toEqual([
      {
        path: 'detail.imagesPerPrompt',
        message: '2 prompt(s) x 6 image(s) = 12 images, over the limit of 10 per request',
      },
    ]);
    expect(readPreparationPolicyFromEnvironment({}).maxImagesPerRequest).toBe(24);
  });

  it('rejects an event that does not start a generation', async () => {
    const out = await prepareGeneration(
      { 'detail-type': 'Model Ready', source: 'partner.shop', id: 'x', detail: {} },
      deps,
    );
    expect(out.valid === false && out.rejected.errors[0]?.path).toBe('detail-type');
  });
});

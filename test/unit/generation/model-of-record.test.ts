import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { RequestRejected } from '../../../events/pipeline-events.js';
import { SubjectSettings } from '../../../events/subject-settings.js';
import { DEFAULT_HYPERPARAMETERS } from '../../../events/training-settings.js';
import { ModelRegistry } from '../../../functions/deployment/model-registry.js';
import { registerModel } from '../../../functions/deployment/register-model.js';
import {
  type PrepareGenerationDeps,
  prepareGeneration,
  readPreparationPolicyFromEnvironment,
} from '../../../functions/generation/prepare-generation.js';
import { SubjectLedger } from '../../../functions/ingest/subject-ledger.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import {
  ledgerTableDefinition,
  modelRegistryTableDefinition,
} from '../../../local/runtime/table-definitions.js';

/**
 * Generation uses the model of record: the registry says which model a Model Ready names and where it is served
 * (never the event), and prompts name the subject with the token and class word the model was trained with.
 */
const REGISTRY = 'model-registry';
const LEDGER = 'ledger';

describe('generation from the model of record', () => {
  let dynamo: LocalDynamo;
  let deps: PrepareGenerationDeps;
  let registry: ModelRegistry;

  /** Registers a model the way the training workflow does: RegisterModel with the settings it trained with. */
  async function train(subjectId: string, modelVersion: string, settings: unknown) {
    return registerModel(
      {
        started: {
          version: 1,
          tenantId: 'default',
          subjectId,
          imageSetId: 'is-0123456789abcdef',
          modelVersion,
          baseModel: 'stabilityai/stable-diffusion-2-1-base',
          hyperparameters: DEFAULT_HYPERPARAMETERS,
          trainedBy: 'local-stand-in',
        },
        deployed: {
          targetModel: `${subjectId}/${modelVersion}.tar.gz`,
          modelKey: `models/${subjectId}/${modelVersion}.tar.gz`,
          adapterBytes: 10,
          trainingSeconds: 1,
          baseModel: 'stabilityai/stable-diffusion-2-1-base',
        },
        warmUp: { warmUpSeconds: 1 },
        settings: SubjectSettings.parse(settings),
      },
      { registry, servedBy: 'local-stand-in', now: () => Date.parse('2026-11-25T10:00:00Z') },
    );
  }

  /** What the subject's folder says now: written after the training, as a later subject.json would be. */
  async function laterSettings(subjectId: string, settingsJson: string) {
    await dynamo.db.send(
      new PutCommand({
        TableName: LEDGER,
        Item: { pk: `SUBJECT#${subjectId}`, sk: 'SUBJECT', subjectId, settingsJson },
      }),
    );
  }

  const modelReady = (detail: Record<string, unknown>, source = 'avatar-pipeline') => ({
    'detail-type': 'Model Ready',
    source,
    id: 'evt-1',
    detail: {
      version: 1,
      imageSetId: 'is-0123456789abcdef',
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      adapterBytes: 10,
      trainingSeconds: 1,
      warmUpSeconds: 1,
      servedBy: 'local-stand-in',
      ...detail,
    },
  });
  const partner = (detail: Record<string, unknown>) => ({
    'detail-type': 'Avatar Generation Requested',
    source: 'partner.shop',
    id: 'evt-2',
    detail: { version: 1, ...detail },
  });

  beforeEach(async () => {
    dynamo = await startLocalDynamo([modelRegistryTableDefinition(REGISTRY), ledgerTableDefinition(LEDGER)]);
    registry = new ModelRegistry(dynamo.db, REGISTRY);
    deps = {
      models: registry,
      subjects: new SubjectLedger(dynamo.db, LEDGER),
      policy: readPreparationPolicyFromEnvironment({}),
    };
  });
  afterEach(() => dynamo.close());

  describe('the settings it was trained with', () => {
    it('records token, class word and prompts with the model in the registry', async () => {
      // Act
      await train('ana', 'v-aaaaaaaaaaaa', { token: 'qqx', classWord: 'woman', styles: ['anime'] });

      // Assess
      expect(
        (await registry.version({ tenantId: 'default', subjectId: 'ana' }, 'v-aaaaaaaaaaaa'))?.trainedWith,
      ).toEqual(SubjectSettings.parse({ token: 'qqx', classWord: 'woman', styles: ['anime'] }));
    });

    it('prompts with the trained token and class word, whatever subject.json says later (valid, invalid or not JSON)', async () => {
      // Prepare
      const tokens = fc.stringMatching(/^[a-z]{3,8}$/);
      const classWords = fc.constantFrom('woman', 'man', 'person', 'child', 'golden retriever');
      const later = fc.oneof(
        fc
          .record({ token: tokens, classWord: classWords })
          .map((settings) => JSON.stringify({ ...settings, prompts: ['{subject} in a storm'] })),
        fc.constant('{"token": "ZWX", "classword": "person"}'),
        fc.constant('{not json'),
      );

      // Act / Assess
      await fc.assert(
        fc.asyncProperty(tokens, classWords, later, async (token, classWord, laterJson) => {
          await train('ana', 'v-aaaaaaaaaaaa', { token, classWord, prompts: ['{subject} as a pilot'] });
          await laterSettings('ana', laterJson);
          for (const event of [
            modelReady({
              subjectId: 'ana',
              modelVersion: 'v-aaaaaaaaaaaa',
              targetModel: 'ana/v-aaaaaaaaaaaa.tar.gz',
            }),
            partner({ subjectId: 'ana' }),
          ]) {
            const out = await prepareGeneration(event, deps);
            if (!out.valid) throw new Error(`expected a plan, got ${JSON.stringify(out.rejected)}`);
            expect(out.prompts.map((p) => p.prompt)).toEqual([`${token} ${classWord} as a pilot`]);
          }
        }),
        { numRuns: 25 },
      );
    });

    it('lets a partner replace the prompts, never the token or class word the model learned', async () => {
      // Prepare
      await train('ana', 'v-aaaaaaaaaaaa', { token: 'qqx', classWord: 'woman' });
      await laterSettings('ana', JSON.stringify({ token: 'zwx', classWord: 'person' }));

      // Act
      const out = await prepareGeneration(
        partner({ subjectId: 'ana', prompts: ['{subject} as a chef', 'a qqx portrait'] }),
        deps,
      );

      // Assess
      expect(out.valid && out.prompts.map((p) => p.prompt)).toEqual([
        'qqx woman as a chef',
        'a qqx portrait',
      ]);
    });

    it('uses the newer model’s own settings once the subject is trained again', async () => {
      // Prepare
      await train('ana', 'v-aaaaaaaaaaaa', { token: 'qqx', classWord: 'woman' });
      await train('ana', 'v-bbbbbbbbbbbb', { token: 'zwx', classWord: 'person' });

      // Act
      const older = await prepareGeneration(
        modelReady({
          subjectId: 'ana',
          modelVersion: 'v-aaaaaaaaaaaa',
          targetModel: 'ana/v-aaaaaaaaaaaa.tar.gz',
        }),
        deps,
      );
      const current = await prepareGeneration(partner({ subjectId: 'ana', prompts: ['{subject}'] }), deps);

      // Assess
      expect(older.valid && older.prompts.every((p) => p.prompt.includes('qqx woman'))).toBe(true);
      expect(current.valid && current.prompts.map((p) => p.prompt)).toEqual(['zwx person']);
    });
  });

  describe('a Model Ready is checked against the registry', () => {
    beforeEach(async () => {
      await train('ana', 'v-aaaaaaaaaaaa', { classWord: 'woman' });
      await train('ben', 'v-bbbbbbbbbbbb', { classWord: 'man' });
    });

    it.each([
      [
        'another subject’s TargetModel',
        { subjectId: 'ana', modelVersion: 'v-aaaaaaaaaaaa', targetModel: 'ben/v-bbbbbbbbbbbb.tar.gz' },
        'detail.targetModel',
        /"ben\/v-bbbbbbbbbbbb\.tar\.gz" is not the TargetModel registered for default\/ana v-aaaaaaaaaaaa \("ana\/v-aaaaaaaaaaaa\.tar\.gz"\)/,
      ],
      [
        'another subject’s model version',
        { subjectId: 'ana', modelVersion: 'v-bbbbbbbbbbbb', targetModel: 'ben/v-bbbbbbbbbbbb.tar.gz' },
        'detail.modelVersion',
        /no model v-bbbbbbbbbbbb is registered for subject default\/ana/,
      ],
      [
        'a version never trained',
        { subjectId: 'ana', modelVersion: 'v-cccccccccccc', targetModel: 'ana/v-cccccccccccc.tar.gz' },
        'detail.modelVersion',
        /no model v-cccccccccccc is registered for subject default\/ana/,
      ],
      [
        'a subject without any model',
        { subjectId: 'eve', modelVersion: 'v-aaaaaaaaaaaa', targetModel: 'ana/v-aaaaaaaaaaaa.tar.gz' },
        'detail.modelVersion',
        /no model v-aaaaaaaaaaaa is registered for subject default\/eve/,
      ],
    ])('refuses %s with a Request Rejected naming the mismatch', async (_, detail, path, message) => {
      // Act
      const out = await prepareGeneration(modelReady(detail), deps);

      // Assess
      if (out.valid) throw new Error(`expected a rejection, got a plan for ${out.request.targetModel}`);
      const rejected = RequestRejected.parse(out.rejected);
      expect(rejected.subjectId).toBe(detail.subjectId);
      expect(rejected.errors).toEqual([{ path, message: expect.stringMatching(message) }]);
      expect(rejected.advice).toMatch(/source avatar-pipeline/);
    });

    it('plans exactly the registered (subject, version, TargetModel) triples, with the registry’s TargetModel', async () => {
      // Prepare
      const subjects = fc.constantFrom('ana', 'ben', 'eve');
      const versions = fc.constantFrom('v-aaaaaaaaaaaa', 'v-bbbbbbbbbbbb');
      const registered = new Map([
        ['ana', 'v-aaaaaaaaaaaa'],
        ['ben', 'v-bbbbbbbbbbbb'],
      ]);

      // Act / Assess
      await fc.assert(
        fc.asyncProperty(
          subjects,
          versions,
          subjects,
          versions,
          async (subjectId, version, owner, served) => {
            const targetModel = `${owner}/${served}.tar.gz`;
            const out = await prepareGeneration(
              modelReady({ subjectId, modelVersion: version, targetModel }),
              deps,
            );
            const genuine =
              registered.get(subjectId) === version && owner === subjectId && served === version;
            expect(out.valid).toBe(genuine);
            if (out.valid) expect(out.request.targetModel).toBe(`${subjectId}/${version}.tar.gz`);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelNotReadyException } from '@aws-sdk/client-sagemaker-runtime';
import { AvatarsReady, GenerationFailed } from '../../../events/pipeline-events.js';
import { compileAvatars } from '../../../functions/generation/compile-avatars.js';
import { GenerationUnavailableError } from '../../../functions/generation/errors.js';
import {
  DEFAULT_GENERATION_POLICY,
  type GenerateScreenedImageDeps,
  generateScreenedImage,
  readGenerationPolicyFromEnvironment,
} from '../../../functions/generation/generate-screened-image.js';
import { seedFor } from '../../../functions/generation/prompts.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import {
  MarkedImageScreen,
  markUnsafe,
  readUnsafeMark,
  UnsafeMarkingEndpoint,
} from '../../../local/stand-ins/image-screening.js';
import type {
  GeneratedImageResult,
  GenerationJob,
  ScreenPromptsOutput,
} from '../../../state-machines/generation/contract.js';
import { imageResponse, PNG_1X1, planned, REQUEST, ScriptedEndpoint } from './fakes.js';

const JOB: GenerationJob = {
  promptId: 'p01',
  prompt: 'zwx woman as a pilot',
  negativePrompt: 'blurry',
  seed: 1234,
  imageIndex: 1,
};
/** What the SDK throws when SageMaker throttles: no modelled class, an error named ThrottlingException. */
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
const notReady = () => new ModelNotReadyException({ message: 'loading', $metadata: { httpStatusCode: 429 } });

describe('generateScreenedImage', () => {
  let root: string;
  let store: FolderObjectStore;
  let sleeps: number[];

  function deps(endpoint: GenerateScreenedImageDeps['endpoint']): GenerateScreenedImageDeps {
    return {
      endpoint,
      screen: new MarkedImageScreen(),
      store,
      policy: DEFAULT_GENERATION_POLICY,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      log: () => {},
    };
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'generate-'));
    store = new FolderObjectStore(root);
    sleeps = [];
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('delivers a clean image under avatars/<subject>/<version>/<request>/, with the KServe request it sent', async () => {
    // Prepare
    const endpoint = new ScriptedEndpoint();
    // Act
    const result = await generateScreenedImage({ request: REQUEST, job: JOB }, deps(endpoint));
    // Assess
    const key = `avatars/default/ana/v-0123456789ab/${REQUEST.requestId}/p01-1.png`;
    expect(result).toEqual({
      promptId: 'p01',
      imageIndex: 1,
      status: 'delivered',
      key,
      seed: 1234,
      attempts: 1,
      blocked: 0,
    });
    expect(Buffer.from(await store.get(key)).equals(PNG_1X1)).toBe(true);
    expect(endpoint.calls[0]?.targetModel).toBe('default/ana/v-0123456789ab.tar.gz');
    const inputs = JSON.parse(endpoint.calls[0]?.body ?? '{}').inputs as { name: string; data: unknown[] }[];
    expect(Object.fromEntries(inputs.map((i) => [i.name, i.data[0]]))).toEqual({
      prompt: 'zwx woman as a pilot',
      negative_prompt: 'blurry',
      seed: 1234,
      num_inference_steps: 30,
      guidance_scale: 7.5,
    });
  });

  it('quarantines a blocked image and regenerates with a new deterministic seed, then delivers', async () => {
    const endpoint = new ScriptedEndpoint();
    const marking = new UnsafeMarkingEndpoint(endpoint, { unsafeSeeds: [1234] });
    const result = await generateScreenedImage({ request: REQUEST, job: JOB }, deps(marking));
    const second = seedFor(REQUEST.requestId, 'p01', 1, 1);
    expect(endpoint.seeds).toEqual([1234, second]);
    expect(result).toMatchObject({ status: 'delivered', seed: second, attempts: 2, blocked: 1 });
    const quarantined = await store.list('quarantine/');
    expect(quarantined.map((o) => o.key)).toEqual([
      `quarantine/default/ana/${REQUEST.requestId}/p01-1-1.png`,
    ]);
    expect(readUnsafeMark(await store.get(quarantined[0]?.key ?? ''))).toMatchObject({
      topLevelCategory: 'Explicit',
    });
    expect(await store.list('avatars/')).toHaveLength(1);
  });

  it('withholds the image when every generation is blocked, with the labels and counts', async () => {
    const endpoint = new ScriptedEndpoint();
    const marking = new UnsafeMarkingEndpoint(endpoint, { promptMarker: 'pilot' });
    const result = await generateScreenedImage({ request: REQUEST, job: JOB }, deps(marking));
    expect(result).toEqual({
      promptId: 'p01',
      imageIndex: 1,
      status: 'withheld',
      seed: seedFor(REQUEST.requestId, 'p01', 1, 2),
      attempts: 3,
      blocked: 3,
      reason: expect.stringMatching(/blocked all 3 .*Explicit \/ Explicit Nudity \(99\.0%\)/),
    });
    expect(new Set(endpoint.seeds).size).toBe(3);
    expect(await store.list('avatars/')).toEqual([]);
    expect((await store.list('quarantine/')).map((o) => o.key.split('/').pop())).toEqual([
      'p01-1-1.png',
      'p01-1-2.png',
      'p01-1-3.png',
    ]);
  });

  it('retries throttling twice with exponential backoff and full jitter, then delivers', async () => {
    const endpoint = new ScriptedEndpoint([throttled(), notReady(), imageResponse()]);
    const result = await generateScreenedImage({ request: REQUEST, job: JOB }, deps(endpoint));
    expect(result.status).toBe('delivered');
    expect(endpoint.calls).toHaveLength(3);
    // random() = 0.5 of 1000 ms, then of 2000 ms
    expect(sleeps).toEqual([500, 1000]);
  });

  it('gives up with GenerationUnavailableError when throttled on every attempt', async () => {
    const endpoint = new ScriptedEndpoint([throttled()]);
    await expect(generateScreenedImage({ request: REQUEST, job: JOB }, deps(endpoint))).rejects.toThrow(
      GenerationUnavailableError,
    );
    expect(endpoint.calls).toHaveLength(DEFAULT_GENERATION_POLICY.retry.maxAttempts);
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(await store.list('')).toEqual([]);
  });

  it('does not retry a ModelError the container answered with 4xx', async () => {
    const refused = Object.assign(new Error('bad input'), {
      name: 'ModelError',
      OriginalStatusCode: 400,
      $metadata: { httpStatusCode: 424 },
    });
    const endpoint = new ScriptedEndpoint([refused]);
    await expect(generateScreenedImage({ request: REQUEST, job: JOB }, deps(endpoint))).rejects.toThrow(
      'bad input',
    );
    expect(endpoint.calls).toHaveLength(1);
  });

  it('reads its policy from the environment', () => {
    const policy = readGenerationPolicyFromEnvironment({
      MAX_REGENERATIONS: '0',
      BLOCKED_CATEGORIES: 'Explicit, Violence',
      MODERATION_MIN_CONFIDENCE: '80',
    });
    expect(policy.maxRegenerations).toBe(0);
    expect(policy.moderation).toEqual({ blockedCategories: ['Explicit', 'Violence'], minConfidence: 80 });
    expect(readGenerationPolicyFromEnvironment({})).toEqual(DEFAULT_GENERATION_POLICY);
    expect(() => readGenerationPolicyFromEnvironment({ MAX_REGENERATIONS: '-1' })).toThrow(
      /MAX_REGENERATIONS/,
    );
  });

  it('marks and reads the stand-in unsafe PNG chunk without touching the image', () => {
    const marked = markUnsafe(PNG_1X1, {
      name: 'Graphic Violence',
      topLevelCategory: 'Violence',
      confidence: 88,
    });
    expect(readUnsafeMark(PNG_1X1)).toBeUndefined();
    expect(readUnsafeMark(marked)).toEqual({
      name: 'Graphic Violence',
      topLevelCategory: 'Violence',
      confidence: 88,
    });
    expect(marked.subarray(marked.length - 12).equals(PNG_1X1.subarray(PNG_1X1.length - 12))).toBe(true);
  });
});

describe('compileAvatars', () => {
  const prompts = [
    planned('zwx woman as a pilot', 0, [1, 2]),
    planned('zwx woman as a chef', 1, [3, 4]),
    planned('bad', 2),
  ];
  const screening: ScreenPromptsOutput = {
    accepted: prompts.slice(0, 2),
    rejected: [
      {
        version: 1,
        tenantId: 'default',
        mode: 'live',
        subjectId: 'ana',
        modelVersion: 'v-0123456789ab',
        promptId: 'p03',
        prompt: 'bad',
        rule: 'deny-list',
        label: 'bad',
        reason: 'r',
        advice: 'a',
        screenedBy: 'amazon-comprehend',
      },
    ],
    jobs: [],
  };
  const deps = {
    generatedBy: 'amazon-sagemaker' as const,
    screenedBy: 'amazon-rekognition' as const,
  };
  const delivered = (
    promptId: string,
    imageIndex: number,
    extra: Partial<GeneratedImageResult> = {},
  ): GeneratedImageResult =>
    ({
      promptId,
      imageIndex,
      status: 'delivered',
      key: `avatars/default/ana/v-0123456789ab/req/${promptId}-${imageIndex}.png`,
      seed: 10 + imageIndex,
      attempts: 1,
      blocked: 0,
      ...extra,
    }) as GeneratedImageResult;
  const withheld = (
    promptId: string,
    imageIndex: number,
    blocked: number,
    reason: string,
  ): GeneratedImageResult => ({
    promptId,
    imageIndex,
    status: 'withheld',
    seed: 99,
    attempts: Math.max(1, blocked),
    blocked,
    reason,
  });

  it('publishes Avatars Ready with keys (never links), withheld reasons and counts on partial success', async () => {
    const results = [
      delivered('p01', 1),
      delivered('p01', 0, { attempts: 2, blocked: 1 }),
      withheld('p02', 0, 3, 'Image moderation blocked all 3'),
      withheld('p02', 1, 0, 'Generation failed: GenerationUnavailableError'),
    ];
    const out = await compileAvatars({ request: REQUEST, prompts, screening, results }, deps);
    expect(out.outcome).toBe('ready');
    if (out.outcome !== 'ready') return;
    const event = AvatarsReady.parse(out.avatarsReady);
    expect(event).toMatchObject({
      tenantId: 'default',
      subjectId: 'ana',
      modelVersion: 'v-0123456789ab',
      targetModel: 'default/ana/v-0123456789ab.tar.gz',
      correlationId: 'order-42',
      requestedBy: 'partner',
      counts: {
        promptsRequested: 3,
        promptsRejected: 1,
        imagesDelivered: 2,
        imagesWithheld: 2,
        imagesBlocked: 4,
        regenerations: 3,
      },
      generatedBy: 'amazon-sagemaker',
      screenedBy: 'amazon-rekognition',
    });
    expect(event.prompts[0]?.delivered).toEqual([
      { key: 'avatars/default/ana/v-0123456789ab/req/p01-0.png', seed: 10 },
      expect.objectContaining({ seed: 11 }),
    ]);
    expect(JSON.stringify(event)).not.toMatch(/url|file:|https?:|X-Amz-Signature/i);
    expect(event.generationId).toBe(REQUEST.requestId);
    expect(event.prompts[1]?.withheld.map((w) => w.reason)).toEqual([
      'Image moderation blocked all 3',
      'Generation failed: GenerationUnavailableError',
    ]);
  });

  it('publishes Generation Failed when every image was withheld by moderation', async () => {
    const results = [withheld('p01', 0, 3, 'x'), withheld('p01', 1, 3, 'x'), withheld('p02', 0, 3, 'x')];
    const out = await compileAvatars({ request: REQUEST, prompts, screening, results }, deps);
    expect(out.outcome).toBe('failed');
    const failed = out.outcome === 'failed' ? GenerationFailed.parse(out.generationFailed) : undefined;
    expect(failed).toMatchObject({
      tenantId: 'default',
      subjectId: 'ana',
      modelVersion: 'v-0123456789ab',
      correlationId: 'order-42',
    });
    expect(failed?.reason).toMatch(
      /Image moderation withheld every image: 3 image\(s\) blocked after 9 generation/,
    );
  });

  it('says the endpoint was unavailable when no image could be generated', async () => {
    const results = [withheld('p01', 0, 0, 'Generation failed: throttled')];
    const out = await compileAvatars({ request: REQUEST, prompts, screening, results }, deps);
    expect(out.outcome === 'failed' && out.generationFailed.reason).toMatch(
      /endpoint could not generate any/,
    );
  });

  it('says every prompt was rejected when none was accepted', async () => {
    const out = await compileAvatars(
      { request: REQUEST, prompts, screening: { ...screening, accepted: [] }, results: [] },
      deps,
    );
    expect(out.outcome === 'failed' && out.generationFailed.reason).toMatch(
      /Every prompt was rejected .*p03: deny-list/,
    );
  });
});

import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandOutput,
  ModelError,
  ModelNotReadyException,
  SageMakerRuntimeClient,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { ModelWarmUpFailedError } from '../../../functions/deployment/errors.js';
import {
  type WarmUpDeps,
  type WarmUpPolicy,
  warmUpModel,
} from '../../../functions/deployment/warm-up-model.js';
import { UnexpectedGenerationResponseError } from '../../../functions/serving/errors.js';
import { generationRequest, imageFromResponse } from '../../../functions/serving/generation-request.js';
import { type ModelEndpoint, SageMakerModelEndpoint } from '../../../functions/serving/model-endpoint.js';

const TARGET = 'ana/v-0123456789ab.tar.gz';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IMAGE_RESPONSE = JSON.stringify({
  model_name: 'ana/v-0123456789ab.tar.gz',
  outputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: [PNG.toString('base64')] }],
});

const notReady = () =>
  new ModelNotReadyException({ message: 'Model is not ready yet', $metadata: { httpStatusCode: 429 } });

/** An endpoint that answers from a script: each call takes the next answer (an error is thrown). */
class ScriptedEndpoint implements ModelEndpoint {
  readonly performedBy = 'local-stand-in' as const;
  readonly calls: { targetModel: string; body: string; at: number }[] = [];
  constructor(
    private readonly script: (string | Error)[],
    private readonly clock: { now: number },
    private readonly latencyMs = 0,
  ) {}
  async invoke(targetModel: string, body: string): Promise<string> {
    this.calls.push({ targetModel, body, at: this.clock.now });
    this.clock.now += this.latencyMs;
    const answer = this.script.length > 1 ? this.script.shift() : this.script[0];
    if (answer instanceof Error) throw answer;
    return answer ?? '';
  }
}

describe('warmUpModel', () => {
  const policy: WarmUpPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 3_000, budgetMs: 60_000 };
  let clock: { now: number };
  let sleeps: number[];

  function deps(endpoint: ModelEndpoint, overrides: Partial<WarmUpDeps> = {}): WarmUpDeps {
    return {
      endpoint,
      policy,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.now += ms;
      },
      now: () => clock.now,
      random: () => 1,
      log: () => {},
      ...overrides,
    };
  }

  beforeEach(() => {
    clock = { now: Date.parse('2026-11-25T10:00:00Z') };
    sleeps = [];
  });

  it('succeeds after two ModelNotReady errors, backing off exponentially', async () => {
    // Prepare
    const endpoint = new ScriptedEndpoint([notReady(), notReady(), IMAGE_RESPONSE], clock, 500);
    // Act
    const outcome = await warmUpModel({ targetModel: TARGET }, deps(endpoint));
    // Assess
    expect(outcome).toEqual({ attempts: 3, warmUpSeconds: 4.5 });
    expect(sleeps).toEqual([1_000, 2_000]);
    expect(endpoint.calls.map((c) => c.targetModel)).toEqual([TARGET, TARGET, TARGET]);
    expect(JSON.parse(endpoint.calls[0]?.body ?? '')).toEqual(
      JSON.parse(
        generationRequest({ prompt: 'warm-up', negativePrompt: '', seed: 0, steps: 1, guidanceScale: 1 }),
      ),
    );
  });

  it('caps each delay at maxDelayMs and gives up after maxAttempts with ModelWarmUpFailedError', async () => {
    // Prepare
    const endpoint = new ScriptedEndpoint([notReady()], clock);
    const logged: Record<string, unknown>[] = [];
    // Act
    const error = await warmUpModel(
      { targetModel: TARGET },
      deps(endpoint, { log: (_, fields) => logged.push(fields) }),
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    // Assess
    expect(error).toBeInstanceOf(ModelWarmUpFailedError);
    expect(error?.message).toBe(
      `Model ${TARGET} did not answer its warm-up after 5 attempt(s) in 9 s: ModelNotReadyException: Model is not ready yet`,
    );
    expect(endpoint.calls).toHaveLength(5);
    expect(sleeps).toEqual([1_000, 2_000, 3_000, 3_000]);
    expect(logged.map((f) => f.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('applies full jitter: the delay is the capped backoff times random()', async () => {
    // Prepare
    const endpoint = new ScriptedEndpoint([notReady(), notReady(), notReady(), IMAGE_RESPONSE], clock);
    // Act
    const outcome = await warmUpModel({ targetModel: TARGET }, deps(endpoint, { random: () => 0.25 }));
    // Assess
    expect(outcome.attempts).toBe(4);
    expect(sleeps).toEqual([250, 500, 750]);
  });

  it('gives up rather than sleep past its time budget', async () => {
    // Prepare
    const endpoint = new ScriptedEndpoint([notReady()], clock, 200);
    // Act
    const warming = warmUpModel(
      { targetModel: TARGET },
      deps(endpoint, { policy: { ...policy, budgetMs: 3_000 } }),
    );
    // Assess
    await expect(warming).rejects.toThrow(ModelWarmUpFailedError);
    // 200 ms + 1 s sleep + 200 ms = 1.4 s elapsed; sleeping 2 s more would pass the 3 s budget.
    expect(endpoint.calls).toHaveLength(2);
    expect(sleeps).toEqual([1_000]);
  });

  it.each([
    [
      'a ValidationError (400)',
      new ValidationError({ message: 'Bad TargetModel', $metadata: { httpStatusCode: 400 } }),
    ],
    [
      'an access error (403)',
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    ],
  ])('fails at once on %s', async (_, failure) => {
    // Prepare
    const endpoint = new ScriptedEndpoint([failure, IMAGE_RESPONSE], clock);
    // Act
    const warming = warmUpModel({ targetModel: TARGET }, deps(endpoint));
    // Assess
    await expect(warming).rejects.toThrow(ModelWarmUpFailedError);
    await expect(
      warmUpModel({ targetModel: TARGET }, deps(new ScriptedEndpoint([failure], clock))),
    ).rejects.toThrow(`after 1 attempt(s) in 0 s: ${failure.name}: ${failure.message}`);
    expect(endpoint.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('fails at once when the model answers without an image', async () => {
    // Prepare
    const endpoint = new ScriptedEndpoint([JSON.stringify({ outputs: [] }), IMAGE_RESPONSE], clock);
    // Act
    const warming = warmUpModel({ targetModel: TARGET }, deps(endpoint));
    // Assess
    await expect(warming).rejects.toThrow(
      /UnexpectedGenerationResponseError: The model response has no "image" output/,
    );
    expect(endpoint.calls).toHaveLength(1);
  });

  it.each([
    [
      'a 503 of any name',
      Object.assign(new Error('busy'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }),
    ],
    ['a 429', Object.assign(new Error('slow down'), { name: 'Unknown', $metadata: { httpStatusCode: 429 } })],
    ['a ModelError', new ModelError({ message: 'Received server error (500) from primary', $metadata: {} })],
    ['an SDK-retryable error', Object.assign(new Error('socket hang up'), { $retryable: {} })],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { name: 'ECONNRESET' })],
  ])('retries %s', async (_, failure) => {
    // Prepare
    const endpoint = new ScriptedEndpoint([failure, IMAGE_RESPONSE], clock);
    // Act
    const outcome = await warmUpModel({ targetModel: TARGET }, deps(endpoint));
    // Assess
    expect(outcome.attempts).toBe(2);
    expect(sleeps).toEqual([1_000]);
  });
});

describe('SageMakerModelEndpoint', () => {
  const runtime = mockClient(SageMakerRuntimeClient);
  beforeEach(() => runtime.reset());

  it('invokes the multi-model endpoint with TargetModel and the KServe request as JSON', async () => {
    // Prepare
    runtime
      .on(InvokeEndpointCommand)
      .resolves({ Body: new TextEncoder().encode(IMAGE_RESPONSE) } as unknown as InvokeEndpointCommandOutput);
    const endpoint = new SageMakerModelEndpoint(new SageMakerRuntimeClient({}), 'serving-endpoint');
    const body = generationRequest({
      prompt: 'a portrait of zwx person',
      negativePrompt: 'blurry',
      seed: 7,
      steps: 30,
      guidanceScale: 7.5,
    });
    // Act
    const answer = await endpoint.invoke(TARGET, body);
    // Assess
    expect(answer).toBe(IMAGE_RESPONSE);
    expect(runtime).toHaveReceivedCommandTimes(InvokeEndpointCommand, 1);
    expect(runtime).toHaveReceivedCommandWith(InvokeEndpointCommand, {
      EndpointName: 'serving-endpoint',
      TargetModel: TARGET,
      ContentType: 'application/json',
      Accept: 'application/json',
    });
    const sent = runtime.commandCalls(InvokeEndpointCommand)[0]?.args[0].input.Body as Uint8Array;
    expect(new TextDecoder().decode(sent)).toBe(body);
  });

  it('lets ModelNotReadyException through for the warm-up to retry', async () => {
    // Prepare
    runtime.on(InvokeEndpointCommand).rejects(notReady());
    const endpoint = new SageMakerModelEndpoint(new SageMakerRuntimeClient({}), 'serving-endpoint');
    // Act
    const invoking = endpoint.invoke(TARGET, '{}');
    // Assess
    await expect(invoking).rejects.toBeInstanceOf(ModelNotReadyException);
  });
});

describe('generationRequest', () => {
  it('builds the KServe v2 request the Triton model takes', () => {
    // Act
    const request = JSON.parse(
      generationRequest({
        prompt: 'a zwx person',
        negativePrompt: 'blurry',
        seed: 42,
        steps: 25,
        guidanceScale: 7.5,
      }),
    );
    // Assess
    expect(request).toEqual({
      inputs: [
        { name: 'prompt', shape: [1], datatype: 'BYTES', data: ['a zwx person'] },
        { name: 'negative_prompt', shape: [1], datatype: 'BYTES', data: ['blurry'] },
        { name: 'seed', shape: [1], datatype: 'INT64', data: [42] },
        { name: 'num_inference_steps', shape: [1], datatype: 'INT32', data: [25] },
        { name: 'guidance_scale', shape: [1], datatype: 'FP32', data: [7.5] },
      ],
    });
  });
});

describe('imageFromResponse', () => {
  it('decodes the base64 image output', () => {
    // Act
    const image = imageFromResponse(IMAGE_RESPONSE);
    // Assess
    expect(Buffer.from(image)).toEqual(PNG);
  });

  it.each([
    [
      'not JSON',
      '<html>502 Bad Gateway</html>',
      'The model answered with something other than JSON: <html>502',
    ],
    ['no outputs', '{}', 'The model response has no "image" output'],
    [
      'another output only',
      JSON.stringify({ outputs: [{ name: 'nsfw', data: [false] }] }),
      'no "image" output',
    ],
    [
      'an image that is not a string',
      JSON.stringify({ outputs: [{ name: 'image', data: [1] }] }),
      'no "image" output',
    ],
    ['an image output without data', JSON.stringify({ outputs: [{ name: 'image' }] }), 'no "image" output'],
  ])('refuses a response with %s', (_, body, message) => {
    // Act
    const reading = () => imageFromResponse(body);
    // Assess
    expect(reading).toThrow(UnexpectedGenerationResponseError);
    expect(reading).toThrow(message);
  });
});

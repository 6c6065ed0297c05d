import {
  ASYNC_FAILURE_PREFIX,
  ASYNC_OUTPUT_PREFIX,
  type AsyncInference,
  keyInBucket,
  type ObjectStore,
  s3Uri,
  TrainingRequest,
  type TrainingResponse,
} from '../../functions/task-registry.js';
import type { LocalTopic } from '../runtime/local-topic.js';
import { buildModelPackage } from './model-package.js';

/** What trains: the stand-in below, or a SageMaker-compatible container on localhost (`--training-endpoint`). */
export interface LocalTrainer {
  readonly performedBy: 'local-stand-in' | 'local-container' | 'tiny-model';
  /** The container contract: the request body in, an HTTP status and body out. */
  train(requestBody: string): Promise<{ status: number; body: string }>;
}

export interface AsyncEndpointOptions {
  store: ObjectStore;
  bucket: string;
  endpointName: string;
  successTopic: LocalTopic;
  errorTopic: LocalTopic;
  /** The endpoint's instance count: requests beyond it wait in the endpoint's own queue. */
  maxConcurrency: number;
  trainer: LocalTrainer;
  /** For tests: lose or repeat notifications, as SNS or a misconfigured topic might. */
  notifications?: 'deliver' | 'lose' | 'duplicate';
}

/**
 * Stand-in for a SageMaker asynchronous inference endpoint: InvokeEndpointAsync queues the request, a worker
 * (at most `maxConcurrency` at once) reads the body from the InputLocation, sends it to the trainer, stores the
 * response under async-inference/, and publishes the notification body AWS documents to the success or error
 * topic. It is named as a stand-in in logs and events (`trainedBy`).
 */
export class LocalAsyncTrainingEndpoint implements AsyncInference {
  private readonly queue: { inferenceId: string; inputLocation: string }[] = [];
  private running = 0;
  /** The most trainings that ever ran at once: capacity tests read it. */
  maxObservedConcurrency = 0;
  readonly invocations: string[] = [];

  constructor(private readonly options: AsyncEndpointOptions) {}

  get performedBy() {
    return this.options.trainer.performedBy;
  }

  async invokeAsync(request: { inferenceId: string; inputLocation: string }) {
    this.invocations.push(request.inferenceId);
    this.queue.push(request);
    setImmediate(() => this.work());
    // As InvokeEndpointAsync answers: where the result, or the container's error body, will be.
    return {
      inferenceId: request.inferenceId,
      outputLocation: s3Uri(this.options.bucket, resultKey(request.inferenceId, true)),
      failureLocation: s3Uri(this.options.bucket, resultKey(request.inferenceId, false)),
    };
  }

  private async work(): Promise<void> {
    if (this.running >= this.options.maxConcurrency) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running++;
    this.maxObservedConcurrency = Math.max(this.maxObservedConcurrency, this.running);
    try {
      await this.process(job);
    } catch (error) {
      // What a real endpoint does with a request it cannot even read: an ErrorTopic notification.
      this.notify(
        job,
        receivedAt(),
        { status: 500, body: JSON.stringify({ error: (error as Error).message }) },
        false,
      );
    } finally {
      this.running--;
      setImmediate(() => this.work());
    }
  }

  private async process(job: { inferenceId: string; inputLocation: string }): Promise<void> {
    const { store, bucket } = this.options;
    const receivedTime = receivedAt();
    const body = new TextDecoder().decode(await store.get(keyInBucket(job.inputLocation, bucket)));
    let result: { status: number; body: string };
    try {
      result = await this.options.trainer.train(body);
    } catch (error) {
      result = { status: 500, body: JSON.stringify({ error: (error as Error).message, retryable: true }) };
    }
    const ok = result.status >= 200 && result.status < 300;
    await this.notify(job, receivedTime, result, ok);
  }

  private async notify(
    job: { inferenceId: string; inputLocation: string },
    receivedTime: string,
    result: { status: number; body: string },
    ok: boolean,
  ): Promise<void> {
    const { store, bucket, endpointName } = this.options;
    const key = resultKey(job.inferenceId, ok);
    await store.put(key, result.body, 'application/json');
    const notification = {
      awsRegion: 'local',
      eventTime: new Date().toISOString(),
      receivedTime,
      invocationStatus: ok ? 'Completed' : 'Failed',
      ...(ok
        ? {}
        : {
            failureReason: `ClientError: Received server error (${result.status}) from model. See the SageMaker Endpoint logs in your account for more information.`,
          }),
      requestParameters: { contentType: 'application/json', endpointName, inputLocation: job.inputLocation },
      ...(ok
        ? { responseParameters: { contentType: 'application/json', outputLocation: s3Uri(bucket, key) } }
        : {}),
      inferenceId: job.inferenceId,
      eventVersion: '1.0',
      eventSource: 'aws:sagemaker',
      eventName: 'InferenceResult',
    };
    const topic = ok ? this.options.successTopic : this.options.errorTopic;
    const mode = this.options.notifications ?? 'deliver';
    if (mode === 'lose') return;
    topic.publish(JSON.stringify(notification));
    if (mode === 'duplicate') topic.publish(JSON.stringify(notification));
  }
}

/**
 * The local stand-in trainer. It does NOT train: it checks the request and the dataset manifest exactly as the
 * container does, then writes an adapter package with the real layout (config.pbtxt from
 * sagemaker/serving/model_template, naming the serving image's avatar_lora backend, the manifest, and no code)
 * whose "weights" are a text file saying they are a stand-in.
 */
export class StandInTrainer implements LocalTrainer {
  readonly performedBy = 'local-stand-in' as const;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly fail?: (request: TrainingRequest) => string | undefined,
  ) {}

  async train(requestBody: string): Promise<{ status: number; body: string }> {
    const parsed = TrainingRequest.safeParse(JSON.parse(requestBody));
    if (!parsed.success)
      return { status: 400, body: JSON.stringify({ error: parsed.error.message, retryable: false }) };
    const request = parsed.data;
    const failure = this.fail?.(request);
    if (failure) return { status: 500, body: JSON.stringify({ error: failure, retryable: false }) };
    const manifest = JSON.parse(
      new TextDecoder().decode(await this.store.get(keyInBucket(request.manifestUri, this.bucket))),
    ) as { images: unknown[]; instancePrompt: string };
    if (!Array.isArray(manifest.images) || manifest.images.length === 0) {
      return {
        status: 400,
        body: JSON.stringify({ error: 'The dataset manifest lists no images', retryable: false }),
      };
    }
    const archive = await buildModelPackage({
      subjectId: request.subjectId,
      modelVersion: request.modelVersion,
      metadata: {
        subjectId: request.subjectId,
        modelVersion: request.modelVersion,
        imageSetId: request.imageSetId,
        baseModel: request.baseModel,
        hyperparameters: request.hyperparameters,
        instancePrompt: manifest.instancePrompt,
        trainedBy: 'local-stand-in',
      },
      adapterFiles: {
        'STAND-IN-NOT-A-MODEL.txt': `Local stand-in: no DreamBooth training ran. ${manifest.images.length} training images were checked.\n`,
      },
    });
    await this.store.put(keyInBucket(request.outputUri, this.bucket), archive, 'application/gzip');
    const response: TrainingResponse = {
      schemaVersion: 1,
      subjectId: request.subjectId,
      imageSetId: request.imageSetId,
      modelVersion: request.modelVersion,
      adapterPackageUri: request.outputUri,
      adapterBytes: archive.byteLength,
      baseModel: request.baseModel,
      hyperparameters: request.hyperparameters,
      timings: { downloadSeconds: 0, classImagesSeconds: 0, trainingSeconds: 0, packagingSeconds: 0 },
    };
    return { status: 200, body: JSON.stringify(response) };
  }
}

/** A SageMaker-compatible training container on localhost (GET /ping, POST /invocations), for people with a GPU. */
export class ContainerTrainer implements LocalTrainer {
  readonly performedBy = 'local-container' as const;

  constructor(private readonly baseUrl: string) {}

  async ping(): Promise<void> {
    const response = await fetch(new URL('/ping', this.baseUrl));
    if (!response.ok)
      throw new Error(`${this.baseUrl}/ping answered ${response.status}: the container is not ready`);
  }

  async train(requestBody: string): Promise<{ status: number; body: string }> {
    const response = await fetch(new URL('/invocations', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: requestBody,
    });
    return { status: response.status, body: await response.text() };
  }
}

/** Where the stand-in stores a result (`async-inference/output/`) or an error body (`async-inference/failures/`). */
function resultKey(inferenceId: string, ok: boolean): string {
  return ok ? `${ASYNC_OUTPUT_PREFIX}${inferenceId}.out` : `${ASYNC_FAILURE_PREFIX}${inferenceId}.error.out`;
}

function receivedAt(): string {
  return new Date().toISOString();
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModelEndpoint } from '../../functions/task-registry.js';
import { ContainerTrainer, type LocalTrainer } from './async-training-endpoint.js';
import { type MlEnvironment, TINY_HYPERPARAMETERS } from './ml-environment.js';

/**
 * `npm start -- --trainer tiny`: the real containers' code on the tiny random model, on this machine's CPU.
 *
 * - Training: sagemaker/training's host (`python -m avatar_training.server`, the image's entrypoint) as a process
 *   on 127.0.0.1, reached through the same ContainerTrainer as `--training-endpoint`. Its BASE_MODEL is the tiny
 *   model and its hyperparameters document sagemaker/tiny/hyperparameters.json (64 px, a few steps).
 * - Serving: sagemaker/serving/local_mme/host.py, which loads the packages the trainer uploaded from the bucket's
 *   models/ folder (weights and a manifest, no code) and runs the avatar_lora backend's model.py
 *   (sagemaker/serving/backends/, the code the serving image bakes in) on each, for each invocation.
 *
 * The adapters are really trained and the avatars are real diffusers outputs, of a model with random weights:
 * noise-like images. Events say `trainedBy` / `servedBy` / `generatedBy` = "tiny-model".
 */
const repository = fileURLToPath(new URL('../../', import.meta.url));

export const TINY_MODEL_NOTICE = [
  'TINY MODEL (--trainer tiny): the real training and serving code, on a TINY RANDOM model, on CPU:',
  '  - training: the sagemaker/training host on 127.0.0.1 runs DreamBooth LoRA with prior preservation for a few',
  '    steps at 64 px (sagemaker/tiny/hyperparameters.json replaces the requested hyperparameters)',
  '  - serving: the avatar_lora backend (model.py, the Triton model) on each package, behind sagemaker/serving/local_mme/host.py',
  '  - the avatars are real Stable Diffusion pipeline outputs of untrained weights: 64 px noise, not likenesses',
].join('\n');

interface HostProcessOptions {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Reads the port from one of the process's output lines. */
  port: (line: string) => number | undefined;
  logFile: string;
}

/** A Python host this run started: its port, a log file for its output, stopped with the run. */
class HostProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly log: WriteStream,
  ) {}

  static async start(python: string, options: HostProcessOptions): Promise<HostProcess> {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const child = spawn(python, options.args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      const read = (stream: NodeJS.ReadableStream) =>
        createInterface({ input: stream }).on('line', (line) => {
          log.write(`${line}\n`);
          const found = options.port(line);
          if (found) resolve(found);
        });
      if (child.stdout) read(child.stdout);
      if (child.stderr) read(child.stderr);
      child.once('error', reject);
      child.once('exit', (code) =>
        reject(new Error(`The ${options.name} exited (${code}) before listening; see ${options.logFile}`)),
      );
    });
    return new HostProcess(child, `http://127.0.0.1:${port}`, log);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    this.log.end();
  }
}

/**
 * The training host with the local bucket folder behind file:// URIs: the pipeline writes s3://<bucket>/<key>,
 * which the host cannot reach locally, so each URI becomes the file of that key in the bucket folder, and back.
 */
export class TinyModelTrainer implements LocalTrainer {
  readonly performedBy = 'tiny-model' as const;
  private readonly container: ContainerTrainer;

  constructor(
    hostUrl: string,
    private readonly bucket: string,
    private readonly bucketDir: string,
    private readonly baseModel: string,
  ) {
    this.container = new ContainerTrainer(hostUrl);
  }

  async ping(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.container.ping();
      } catch (error) {
        // 503 until the host has installed its base model: a second or two for the tiny one.
        if (attempt >= 600) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async train(requestBody: string): Promise<{ status: number; body: string }> {
    const request = JSON.parse(requestBody) as Record<string, unknown>;
    const local = {
      ...request,
      manifestUri: this.toFile(String(request.manifestUri)),
      outputUri: this.toFile(String(request.outputUri)),
      // The host refuses any other base model (it must be the one serving uses), and its own document's
      // defaults are what the tiny model can train with on a CPU.
      baseModel: this.baseModel,
      hyperparameters: {},
    };
    const result = await this.container.train(JSON.stringify(local));
    if (result.status !== 200) return result;
    const response = JSON.parse(result.body) as Record<string, unknown>;
    return {
      status: 200,
      body: JSON.stringify({ ...response, adapterPackageUri: request.outputUri }),
    };
  }

  private toFile(uri: string): string {
    const prefix = `s3://${this.bucket}/`;
    if (!uri.startsWith(prefix)) throw new Error(`${uri} is not in the local bucket ${this.bucket}`);
    return pathToFileURL(join(this.bucketDir, uri.slice(prefix.length))).href;
  }
}

/** An invocation error shaped as the SageMaker runtime client throws them (name, status, container status). */
class TinyModelInvocationError extends Error {
  readonly $metadata: { httpStatusCode: number };
  readonly OriginalStatusCode: number;

  constructor(name: string, httpStatusCode: number, originalStatus: number, message: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode };
    this.OriginalStatusCode = originalStatus;
  }
}

/** The multi-model endpoint: TargetModel -> the backend's model.py on that package in the local host, KServe v2 JSON. */
export class TinyModelEndpoint implements ModelEndpoint {
  readonly performedBy = 'tiny-model' as const;

  constructor(private readonly host: HostProcess) {}

  async invoke(targetModel: string, body: string): Promise<string> {
    const response = await fetch(new URL('/invocations', this.host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amzn-sagemaker-target-model': targetModel },
      body,
    });
    const text = await response.text();
    if (response.ok) return text;
    const message = (JSON.parse(text) as { error?: string }).error ?? text;
    // SageMaker answers a TargetModel it cannot find with a ValidationError, and anything the container answers
    // with an error status as a ModelError (424) carrying that status.
    if (response.status === 404) throw new TinyModelInvocationError('ValidationError', 400, 404, message);
    throw new TinyModelInvocationError(
      'ModelError',
      424,
      response.status,
      `Received ${response.status < 500 ? 'client' : 'server'} error (${response.status}) from the model: ${message}`,
    );
  }

  stop(): Promise<void> {
    return this.host.stop();
  }
}

export interface TinyModelHosts {
  /** The trainer for the pipeline's bucket (the stack's PHOTO_BUCKET, which names the s3:// URIs). */
  trainer(bucket: string): TinyModelTrainer;
  endpoint: TinyModelEndpoint;
  stop(): Promise<void>;
}

/** Starts the training host and the serving host on free ports of 127.0.0.1, both on the tiny model. */
export async function startTinyModelHosts(options: {
  env: MlEnvironment;
  dataDir: string;
  modelsPrefix: string;
}): Promise<TinyModelHosts> {
  const { env, dataDir } = options;
  const bucketDir = join(dataDir, 'bucket');
  const hostsDir = join(dataDir, 'tiny-model');
  await mkdir(hostsDir, { recursive: true });
  const shared = {
    ...process.env,
    HF_HUB_OFFLINE: '1',
    HF_HUB_DISABLE_TELEMETRY: '1',
    PYTHONPATH: join(repository, 'sagemaker', 'training', 'src'),
    BASE_MODEL: env.tinyModelDir,
  };
  const training = await HostProcess.start(env.python, {
    name: 'training host',
    args: ['-m', 'avatar_training.server', 'serve'],
    env: {
      ...shared,
      PORT: '0',
      WORK_DIR: join(hostsDir, 'work'),
      CLASS_IMAGES_CACHE_DIR: join(hostsDir, 'class-images'),
      TRAINING_HYPERPARAMETERS_FILE: TINY_HYPERPARAMETERS,
    },
    port: (line) => Number(/"message": "listening", "port": (\d+)/.exec(line)?.[1]) || undefined,
    logFile: join(hostsDir, 'training-host.log'),
  });
  const serving = await HostProcess.start(env.python, {
    name: 'serving host',
    args: [
      join(repository, 'sagemaker', 'serving', 'local_mme', 'host.py'),
      '--models-dir',
      join(bucketDir, options.modelsPrefix),
      '--work-dir',
      join(hostsDir, 'serving'),
      '--port',
      '0',
    ],
    env: shared,
    port: (line) => Number(/"message": "listening", "port": (\d+)/.exec(line)?.[1]) || undefined,
    logFile: join(hostsDir, 'serving-host.log'),
  }).catch(async (error: Error) => {
    await training.stop();
    throw error;
  });
  const endpoint = new TinyModelEndpoint(serving);
  const stop = async () => {
    await Promise.all([training.stop(), endpoint.stop()]);
  };
  try {
    await new TinyModelTrainer(training.url, '', bucketDir, env.tinyModelDir).ping();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    trainer: (bucket) => new TinyModelTrainer(training.url, bucket, bucketDir, env.tinyModelDir),
    endpoint,
    stop,
  };
}

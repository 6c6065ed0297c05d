import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { recordObjectCreated } from '../../functions/ingest/record-object.js';
import { parseObjectCreated } from '../../functions/ingest/s3-object-created.js';
import { sealQuietSubjects } from '../../functions/ingest/seal-quiet-subjects.js';
import type { SealingDeps } from '../../functions/ingest/seal-subject.js';
import { sealingPolicyFromEnv } from '../../functions/ingest/sealing-policy.js';
import type { Environment } from '../../functions/platform/environment.js';
import { FolderObjectStore } from '../../functions/platform/folder-object-store.js';
import type { ObjectStore } from '../../functions/platform/object-store.js';
import { LocalEventBus, type PublishedEvent } from './local-event-bus.js';
import { type LocalLedger, startLocalLedger } from './local-ledger.js';
import {
  type ExecutionProgress,
  type LocalExecutionRecord,
  LocalStepFunctions,
} from './local-step-functions.js';
import { type LocalFunction, localTaskHandlers } from './local-tasks.js';
import {
  environmentOf,
  findWorkflow,
  type SynthesizedPipeline,
  synthesizePipeline,
} from './synthesized-pipeline.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './template-tokens.js';

/** Builds the local implementation of every function, each configured with its own deployed environment. */
export type LocalFunctionsFactory = (deps: {
  store: ObjectStore;
  environmentOf: (localHandler: string) => Environment;
}) => Record<string, LocalFunction>;

export interface LocalPipelineOptions {
  /** Holds `bucket/` (the ingest bucket as a folder) and `events.jsonl` (every published event). */
  dataDir: string;
  functions: LocalFunctionsFactory;
  /** CDK context values, as `cdk deploy -c key=value` would take them. */
  context?: Record<string, unknown>;
  retryIntervalMs?: number;
  onProgress?: (progress: ExecutionProgress) => void;
  onEvent?: (event: PublishedEvent) => void;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export const LOCAL_BUCKET = 'local-ingest-bucket';

/**
 * The whole pipeline on this machine: the synthesized training workflow on the local engine, the ledger on
 * dynalite, a folder as the bucket, a JSON-lines file as the event bus. Objects dropped here produce the
 * same S3 `Object Created` events that EventBridge delivers on AWS and go through the same ingest code.
 */
export class LocalPipeline {
  private sequence = 0n;
  private clockOffsetMs = 0;

  private constructor(
    readonly synthesized: SynthesizedPipeline,
    readonly store: FolderObjectStore,
    readonly bus: LocalEventBus,
    readonly stepFunctions: LocalStepFunctions,
    private readonly ledger: LocalLedger,
    private readonly sealing: SealingDeps,
    /** Function invocations by local handler name, for the cost figures. */
    readonly invocations: Map<string, number>,
  ) {}

  static async open(options: LocalPipelineOptions): Promise<LocalPipeline> {
    const synthesized = synthesizePipeline(options.context);
    const training = findWorkflow(synthesized, 'training');
    const store = new FolderObjectStore(join(options.dataDir, 'bucket'));
    const bus = new LocalEventBus(join(options.dataDir, 'events.jsonl'), options.onEvent);
    const ledger = await startLocalLedger();
    const functions = options.functions({ store, environmentOf: (name) => environmentOf(synthesized, name) });
    const invocations = new Map<string, number>();
    const tasks = localTaskHandlers(training.definition, {
      pipeline: synthesized,
      functions,
      bus,
      onInvoke: (name) => invocations.set(name, (invocations.get(name) ?? 0) + 1),
    });
    const stepFunctions = new LocalStepFunctions(training, tasks, {
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    let pipeline: LocalPipeline | undefined;
    const sealing: SealingDeps = {
      ledger: ledger.ledger,
      starter: stepFunctions,
      policy: sealingPolicyFromEnv(environmentOf(synthesized, 'recordPhoto')),
      now: () => Date.now() + (pipeline?.clockOffsetMs ?? 0),
      log: options.log ?? (() => {}),
    };
    pipeline = new LocalPipeline(synthesized, store, bus, stepFunctions, ledger, sealing, invocations);
    return pipeline;
  }

  get sealingPolicy() {
    return this.sealing.policy;
  }

  /** Puts one object in the bucket and delivers its `Object Created` event to the ingest code. */
  async dropObject(key: string, body: Uint8Array | string): Promise<void> {
    await this.store.put(key, body, 'application/octet-stream');
    const { size, etag } = await this.store.head(key);
    this.invocations.set('recordPhoto', (this.invocations.get('recordPhoto') ?? 0) + 1);
    await recordObjectCreated(parseObjectCreated(this.objectCreatedEvent(key, size, etag)), {
      ...this.sealing,
      store: this.store,
    });
  }

  /** Copies a folder as a browser folder drop would: every file, in name order, under subjects/<subjectId>/. */
  async dropFolder(subjectId: string, folder: string): Promise<number> {
    const files = await listFiles(folder);
    for (const file of files) {
      const relativeKey = relative(folder, file).split(sep).join('/');
      await this.dropObject(`subjects/${subjectId}/${relativeKey}`, await readFile(file));
    }
    return files.length;
  }

  /**
   * Runs the periodic sweep as if the quiet period, then the incomplete timeout, had passed with no new
   * object: locally the drop is known to be over, so there is no reason to wait in real time.
   */
  async fastForwardQuietPeriods(): Promise<void> {
    const { quietPeriodSeconds, incompleteTimeoutSeconds } = this.sealing.policy;
    for (const seconds of [quietPeriodSeconds + 1, incompleteTimeoutSeconds + 1]) {
      this.clockOffsetMs += seconds * 1000;
      this.invocations.set('sealQuietSubjects', (this.invocations.get('sealQuietSubjects') ?? 0) + 1);
      await sealQuietSubjects(this.sealing);
    }
  }

  async settled(): Promise<LocalExecutionRecord[]> {
    return this.stepFunctions.settled();
  }

  /** The outcome event of each subject's latest image set. */
  outcomes(): Map<string, PublishedEvent> {
    const outcomes = new Map<string, PublishedEvent>();
    for (const event of this.bus.published) {
      if (OUTCOME_TYPES.has(event['detail-type'])) outcomes.set(String(event.detail.subjectId), event);
    }
    return outcomes;
  }

  async close(): Promise<void> {
    await this.ledger.close();
  }

  private objectCreatedEvent(key: string, size: number, etag: string) {
    this.sequence += 1n;
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: LOCAL_ACCOUNT,
      time: new Date(this.sealing.now()).toISOString(),
      region: LOCAL_REGION,
      resources: [`arn:aws:s3:::${LOCAL_BUCKET}`],
      detail: {
        version: '0',
        bucket: { name: LOCAL_BUCKET },
        // As S3 sends it: URL-encoded, spaces as "+".
        object: {
          key: key.split('/').map(encodeURIComponent).join('/').replaceAll('%20', '+'),
          size,
          etag,
          sequencer: (0x1000000000000000n + this.sequence).toString(16).toUpperCase(),
        },
        'request-id': randomUUID(),
        requester: LOCAL_ACCOUNT,
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    };
  }
}

const OUTCOME_TYPES = new Set(['Subject Accepted', 'Subject Rejected', 'Subject Processing Failed']);

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

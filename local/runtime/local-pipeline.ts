import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SubjectRef } from '../../events/identifiers.js';
import {
  type ErasureAccepted,
  requestSubjectErasure,
} from '../../functions/erasure/request-subject-erasure.js';
import type { RecordOutcome } from '../../functions/ingest/record-object.js';
import { FolderObjectStore } from '../../functions/platform/folder-object-store.js';
import {
  type AnyTaskDescriptor,
  buildTask,
  type ModelEndpoint,
  type ObjectStore,
  type Ports,
  TASKS,
  type TaskName,
} from '../../functions/task-registry.js';
import {
  LocalAsyncTrainingEndpoint,
  type LocalTrainer,
  StandInTrainer,
} from '../stand-ins/async-training-endpoint.js';
import { LocalMultiModelEndpoint } from '../stand-ins/multi-model-endpoint.js';
import { busFunctionRules, busRules, rulesMatching } from './event-rules.js';
import { type LocalDynamo, startLocalDynamo, tablesFromTemplate } from './local-dynamo.js';
import { LocalEventBus, type PublishedEvent } from './local-event-bus.js';
import { localPorts } from './local-ports.js';
import {
  type ExecutionProgress,
  type LocalExecutionRecord,
  LocalStepFunctions,
  type UsedExecutionNames,
} from './local-step-functions.js';
import { LocalTaskTokens } from './local-task-tokens.js';
import { type LocalFunction, localTaskHandlers } from './local-tasks.js';
import { LocalTopic } from './local-topic.js';
import {
  asyncEndpointOf,
  environmentOf,
  eventBusNameOf,
  lambdaSubscriptions,
  type SynthesizedPipeline,
  snsTopicArns,
  synthesizePipeline,
} from './synthesized-pipeline.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, resolveTokens } from './template-tokens.js';

export interface LocalPipelineOptions {
  /** Holds `bucket/` (the ingest bucket as a folder) and `events.jsonl` (every published event). */
  dataDir: string;
  /** CDK context values, as `cdk deploy -c key=value` would take them. */
  context?: Record<string, unknown>;
  retryIntervalMs?: number;
  /** Every Wait state's duration, locally (default 50 ms): polling for training capacity need not take minutes. */
  waitMs?: number;
  /** Trains instead of the stand-in: a SageMaker-compatible container on localhost, or a test double. */
  trainer?: (deps: { store: ObjectStore; bucket: string }) => LocalTrainer;
  /** Wraps the multi-model endpoint stand-in (tests: throttling, images marked unsafe). */
  modelEndpoint?: (standIn: ModelEndpoint) => ModelEndpoint;
  /** For tests: replaces ports of the local set (a throttled face analyzer, say); every task is built with them. */
  ports?: (local: Ports) => Ports;
  /** For tests: lose or repeat the training endpoint's notifications. */
  trainingNotifications?: 'deliver' | 'lose' | 'duplicate';
  onProgress?: (progress: ExecutionProgress) => void;
  onEvent?: (event: PublishedEvent) => void;
  log?: (message: string, fields: Record<string, unknown>) => void;
  // --- State that persists across runs of one data folder, and what a person watches (issue 13) ---
  /** Keeps every DynamoDB table on disk in this folder, so the ledger and registry outlive the process. */
  dynamoPath?: string;
  /**
   * Numbers the S3 `sequencer` of each dropped object (default: from 1 in each process). The ledger ignores an
   * object whose sequencer is not later than the one it recorded, so across runs it must keep growing.
   */
  nextSequence?: () => bigint;
  /** Told when a task starts and when it ends, with its parsed input and its result (progress display). */
  onTask?: (observation: TaskObservation) => void;
  /** Execution names earlier runs used, so that they stay single-use across runs as on AWS. */
  usedExecutionNames?: UsedExecutionNames;
}

/** A task of the registry starting (`output` absent) or ending (with its result, or `failed`). */
export interface TaskObservation {
  task: TaskName;
  phase: 'started' | 'succeeded' | 'failed';
  input: unknown;
  output?: unknown;
}

/**
 * The whole pipeline on this machine: the synthesized training workflow on the local engine, every DynamoDB
 * table of the stack on dynalite, a folder as the bucket, a JSON-lines file as the event bus, local SNS topics
 * wired as the stack subscribes them, and stand-ins for the SageMaker endpoints. Objects dropped here produce
 * the same S3 `Object Created` events that EventBridge delivers on AWS and go through the same ingest code.
 */
export class LocalPipeline {
  private sequence = 0n;
  private clockOffsetMs = 0;
  /**
   * Executions started while objects are still being dropped, by name. Locally a Wait state lasts milliseconds,
   * so an execution started on a folder's first object could seal the set before the drop ends; holding its start
   * until the drop is over models what the settle period does on AWS. `undefined` once released.
   */
  heldStarts: Map<string, () => Promise<unknown>> | undefined = new Map();

  private constructor(
    readonly synthesized: SynthesizedPipeline,
    readonly store: FolderObjectStore,
    readonly bus: LocalEventBus,
    /** The training workflow's engine (the one the ingest starts). */
    readonly stepFunctions: LocalStepFunctions,
    /** Every workflow of the stack by name (`training`, `generation`), started by the ingest or by bus rules. */
    readonly workflows: Map<string, LocalStepFunctions>,
    readonly trainingEndpoint: LocalAsyncTrainingEndpoint,
    readonly modelEndpoint: LocalMultiModelEndpoint,
    readonly db: DynamoDBDocumentClient,
    /** Every task of the registry, built with the local ports and its deployed environment. */
    private readonly functions: Record<TaskName, LocalFunction>,
    private readonly topics: LocalTopic[],
    private readonly dynamo: LocalDynamo,
    private readonly bucket: string,
    /** Function invocations by task name, for the cost figures. */
    readonly invocations: Map<string, number>,
    /** Local run time of each invocation (ms) by task name, for the cost figures. */
    readonly durations: Map<string, number[]>,
    /** What the tasks counted as metrics (CloudWatch metrics on AWS). */
    readonly metrics: Map<string, number>,
  ) {}

  static async open(options: LocalPipelineOptions): Promise<LocalPipeline> {
    // Locally, webhook receivers on 127.0.0.1 are allowed (over http too); every other private address is not.
    const synthesized = synthesizePipeline({ webhookLoopbackReceivers: true, ...options.context });
    const { template } = synthesized;
    const store = new FolderObjectStore(join(options.dataDir, 'bucket'));
    // Rules on our bus start workflows; they are wired once the workflows exist (below).
    let routeToRules: (event: PublishedEvent) => void = () => {};
    const bus = new LocalEventBus(join(options.dataDir, 'events.jsonl'), (event) => {
      options.onEvent?.(event);
      routeToRules(event);
    });
    const dynamo = await startLocalDynamo(
      tablesFromTemplate(template),
      options.dynamoPath ? { path: options.dynamoPath } : {},
    );
    const env = (name: TaskName) => environmentOf(synthesized, name);
    const bucket = env('recordPhoto').PHOTO_BUCKET as string;
    const log = options.log ?? (() => {});
    const invocations = new Map<string, number>();
    const count = (name: string) => invocations.set(name, (invocations.get(name) ?? 0) + 1);

    const topics = new Map(snsTopicArns(synthesized).map((arn) => [arn, new LocalTopic(arn)]));
    const endpoint = asyncEndpointOf(synthesized);
    const topic = (arn: string) => topics.get(arn) ?? unreachable(`No topic ${arn} in the synthesized stack`);
    const trainingEndpoint = new LocalAsyncTrainingEndpoint({
      store,
      bucket,
      endpointName: endpoint.endpointName,
      successTopic: topic(endpoint.successTopic),
      errorTopic: topic(endpoint.errorTopic),
      maxConcurrency: endpoint.maxInstances,
      trainer: options.trainer?.({ store, bucket }) ?? new StandInTrainer(store, bucket),
      notifications: options.trainingNotifications ?? 'deliver',
    });
    const modelEndpoint = new LocalMultiModelEndpoint(store, env('deployModel').MODELS_PREFIX ?? 'models/');
    const taskTokens = new LocalTaskTokens();
    const durations = new Map<string, number[]>();
    const metrics = new Map<string, number>();
    // Engines by the ARN a Ref to their state machine resolves to; filled below, read when a task starts one.
    const byArn = new Map<string, LocalStepFunctions>();
    let pipeline: LocalPipeline | undefined;
    const standIns = localPorts({
      store,
      bucket,
      db: dynamo.db,
      trainingEndpoint,
      modelEndpoint: options.modelEndpoint ? options.modelEndpoint(modelEndpoint) : modelEndpoint,
      taskCallbacks: taskTokens,
      executionStarter: (arn) => ({
        start: async (name, input) => {
          const engine = byArn.get(arn) ?? unreachable(`No state machine ${arn} in the synthesized stack`);
          // While a drop is in progress locally, starts wait for its end (see fastForwardQuietPeriods).
          if (pipeline?.heldStarts) {
            pipeline.heldStarts.set(name, () => engine.start(name, input));
            return { alreadyStarted: false };
          }
          return engine.start(name, input);
        },
      }),
      executionControl: (arn) => {
        const engine = () =>
          byArn.get(arn) ?? unreachable(`No state machine ${arn} in the synthesized stack`);
        return {
          running: async () => engine().runningExecutions(),
          stop: async (executionArn, error, cause) => engine().stop(executionArn, error, cause),
        };
      },
      now: () => Date.now() + (pipeline?.clockOffsetMs ?? 0),
      log,
      metrics,
      topic,
    });
    const ports = options.ports ? options.ports(standIns) : standIns;
    const functions = buildLocalFunctions(ports, env, durations, options.onTask);
    for (const { topicArn, localHandler } of lambdaSubscriptions(synthesized)) {
      const subscriber = functions[localHandler as TaskName];
      if (!subscriber)
        throw new Error(
          `Topic ${topicArn} is subscribed by ${localHandler}, which is not in the task registry`,
        );
      topic(topicArn).subscribe(async (event) => {
        count(localHandler);
        return subscriber(event);
      });
    }
    const workflows = new Map<string, LocalStepFunctions>();
    for (const workflow of synthesized.workflows) {
      const tasks = localTaskHandlers(workflow.definition, {
        pipeline: synthesized,
        functions,
        bus,
        taskTokens,
        onInvoke: count,
      });
      const engine = new LocalStepFunctions(workflow, tasks, {
        ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
        waitMs: options.waitMs ?? 50,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.usedExecutionNames ? { usedNames: options.usedExecutionNames } : {}),
      });
      workflows.set(workflow.workflow, engine);
      byArn.set(String(resolveTokens(template, { Ref: workflow.logicalId })), engine);
    }
    const rules = busRules(template, eventBusNameOf(synthesized));
    const functionRules = busFunctionRules(template, eventBusNameOf(synthesized));
    const ruleInvocations = new Set<Promise<unknown>>();
    routeToRules = (event) => {
      // A function target is invoked asynchronously, as EventBridge does; settled() waits for it.
      for (const rule of rulesMatching(functionRules, event)) {
        const target = functions[rule.localHandler as TaskName];
        if (!target)
          throw new Error(
            `Rule ${rule.ruleId} targets ${rule.localHandler}, which is not in the task registry`,
          );
        count(rule.localHandler);
        const invocation: Promise<unknown> = new Promise((resolve) => setImmediate(resolve))
          .then(() => target(event))
          .catch((error: Error) => log('Rule target failed', { rule: rule.ruleId, error: error.message }))
          .finally(() => ruleInvocations.delete(invocation));
        ruleInvocations.add(invocation);
      }
      for (const rule of rulesMatching(rules, event)) {
        const engine = byArn.get(rule.stateMachineArn);
        if (!engine) continue;
        // EventBridge delivers the whole event as the execution input; the event id makes a unique name.
        engine
          .start(`${rule.ruleId.slice(0, 40)}-${event.id}`, event as never)
          .catch((error: Error) =>
            log('Rule target failed to start', { rule: rule.ruleId, error: error.message }),
          );
      }
    };
    const stepFunctions =
      workflows.get('training') ?? unreachable('No training workflow in the synthesized stack');
    pipeline = new LocalPipeline(
      synthesized,
      store,
      bus,
      stepFunctions,
      workflows,
      trainingEndpoint,
      modelEndpoint,
      dynamo.db,
      functions,
      [...topics.values()],
      dynamo,
      bucket,
      invocations,
      durations,
      metrics,
    );
    if (options.nextSequence) pipeline.nextSequence = options.nextSequence;
    pipeline.ruleInvocations = ruleInvocations;
    return pipeline;
  }

  /** Functions that bus rules invoked and that have not returned yet. */
  private ruleInvocations: Set<Promise<unknown>> = new Set();

  private nextSequence = (): bigint => {
    this.sequence += 1n;
    return this.sequence;
  };

  /** The sealing settings the stack gives the ingest functions. */
  get sealingPolicy(): {
    settlePeriodSeconds: number;
    quietPeriodSeconds: number;
    incompleteTimeoutSeconds: number;
  } {
    const env = environmentOf(this.synthesized, 'recordPhoto');
    return {
      settlePeriodSeconds: Number(env.SETTLE_PERIOD_SECONDS),
      quietPeriodSeconds: Number(env.QUIET_PERIOD_SECONDS),
      incompleteTimeoutSeconds: Number(env.INCOMPLETE_TIMEOUT_SECONDS),
    };
  }

  /** From now on, starts wait until the next fastForwardQuietPeriods (a test dropping several objects at once). */
  holdStarts(): void {
    this.heldStarts ??= new Map();
  }

  /** Puts one object in the bucket and delivers its `Object Created` event to the ingest task, as EventBridge does. */
  async dropObject(key: string, body: Uint8Array | string): Promise<RecordOutcome> {
    await this.store.put(key, body, 'application/octet-stream');
    const { size, etag } = await this.store.head(key);
    this.invocations.set('recordPhoto', (this.invocations.get('recordPhoto') ?? 0) + 1);
    return (await this.functions.recordPhoto(this.objectCreatedEvent(key, size, etag))) as RecordOutcome;
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
   * The drop is over: the executions held during it start, and their settle, quiet and incomplete periods pass
   * at Wait-state speed (milliseconds); then the periodic sweep runs once, as if its interval had passed.
   */
  async fastForwardQuietPeriods(): Promise<void> {
    const held = this.heldStarts ?? new Map();
    this.heldStarts = undefined;
    for (const start of held.values()) await start();
    this.clockOffsetMs += 61_000;
    this.invocations.set('startWaitingSubjects', (this.invocations.get('startWaitingSubjects') ?? 0) + 1);
    await this.functions.startWaitingSubjects(scheduledEvent(this.now()));
  }

  /**
   * Waits until nothing runs any more in any workflow or topic (an event can start a new execution, a
   * notification can end one), then returns the training executions.
   */
  async settled(): Promise<LocalExecutionRecord[]> {
    for (;;) {
      for (const engine of this.workflows.values()) await engine.settled();
      for (const topic of this.topics) await topic.drained();
      while (this.ruleInvocations.size > 0) await Promise.allSettled([...this.ruleInvocations]);
      await new Promise((resolve) => setImmediate(resolve));
      if (
        [...this.workflows.values()].every((engine) => engine.idle) &&
        this.topics.every((t) => t.idle) &&
        this.ruleInvocations.size === 0
      )
        break;
    }
    return [...this.stepFunctions.executions.values()];
  }

  /**
   * Starts the erasure workflow of a subject, as the HTTP API's DELETE does (`requestSubjectErasure`): its running
   * executions stop and every object and row of it goes, in this data folder. `settled()` waits for the end.
   */
  async requestErasure(
    ref: SubjectRef,
    options: { requestedBy?: 'api' | 'cli' } = {},
  ): Promise<ErasureAccepted> {
    const engine =
      this.workflows.get('erasure') ?? unreachable('No erasure workflow in the synthesized stack');
    return requestSubjectErasure({ starter: engine, now: () => this.now() }, ref, options);
  }

  /**
   * Sends the operators' summary of a UTC day (SendDailySummary, as its daily schedule does on AWS) and returns
   * what the operators' topic got: counts only.
   */
  async sendDailySummary(day: string): Promise<{ subject: string; message: string; events: number }> {
    const topicArn = environmentOf(this.synthesized, 'sendDailySummary').OPERATOR_TOPIC_ARN;
    const topic =
      this.topics.find((t) => t.topicArn === topicArn) ??
      unreachable(`No topic ${topicArn} in the synthesized stack`);
    const sent = (await this.functions.sendDailySummary({ day })) as { events: number };
    const notice = topic.published.at(-1) ?? unreachable('SendDailySummary published nothing');
    return { ...notice, events: sent.events };
  }

  /** The executions of one workflow (`training`, `generation`, `erasure`). */
  executionsOf(workflow: string): LocalExecutionRecord[] {
    return [...(this.workflows.get(workflow)?.executions.values() ?? [])];
  }

  async close(): Promise<void> {
    await this.dynamo.close();
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private objectCreatedEvent(key: string, size: number, etag: string) {
    const sequence = this.nextSequence();
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: LOCAL_ACCOUNT,
      time: new Date(this.now()).toISOString(),
      region: LOCAL_REGION,
      resources: [`arn:aws:s3:::${this.bucket}`],
      detail: {
        version: '0',
        bucket: { name: this.bucket },
        // As S3 sends it: URL-encoded, spaces as "+".
        object: {
          key: key.split('/').map(encodeURIComponent).join('/').replaceAll('%20', '+'),
          size,
          etag,
          sequencer: (0x1000000000000000n + sequence).toString(16).toUpperCase(),
        },
        'request-id': randomUUID(),
        requester: LOCAL_ACCOUNT,
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    };
  }
}

/**
 * Every task of the registry, built once as its Lambda handler builds it, with the local ports and the
 * environment the stack gives its function; each call parses its payload exactly as the handler does.
 */
function buildLocalFunctions(
  ports: Ports,
  env: (name: TaskName) => Record<string, string>,
  durations: Map<string, number[]>,
  onTask: ((observation: TaskObservation) => void) | undefined,
): Record<TaskName, LocalFunction> {
  const entries = (Object.keys(TASKS) as TaskName[]).map((name) => {
    const task: AnyTaskDescriptor = TASKS[name];
    const run = buildTask(task, env(name), ports);
    const fn: LocalFunction = async (payload) => {
      const started = performance.now();
      let input: unknown = payload;
      try {
        input = task.parse(payload);
        onTask?.({ task: name, phase: 'started', input });
        const output = await run(input);
        onTask?.({ task: name, phase: 'succeeded', input, output });
        return output;
      } catch (error) {
        onTask?.({ task: name, phase: 'failed', input });
        throw error;
      } finally {
        durations.set(name, [...(durations.get(name) ?? []), performance.now() - started]);
      }
    };
    return [name, fn] as const;
  });
  return Object.fromEntries(entries) as Record<TaskName, LocalFunction>;
}

/** The EventBridge Scheduler event the sweep's rule delivers every minute. */
function scheduledEvent(now: number) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: new Date(now).toISOString(),
    region: LOCAL_REGION,
    resources: [],
    detail: {},
  };
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function unreachable(message: string): never {
  throw new Error(message);
}

import type { PublishedEvent } from '../runtime/local-event-bus.js';
import type { LocalPipeline, LocalPipelineOptions, TaskObservation } from '../runtime/local-pipeline.js';
import type { ExecutionProgress } from '../runtime/local-step-functions.js';
import {
  DataFolder,
  DataFolderBusyError,
  PersistentExecutionNames,
  PersistentSequencer,
} from '../state/data-folder.js';
import { appendRunMarker, type EventLog, nextRun, type RunMarker, readEventLog } from '../state/event-log.js';
import { CliFailure } from './errors.js';

export interface SessionOptions {
  data: DataFolder;
  run: Omit<RunMarker, 'runId' | 'number' | 'startedAt'>;
  trainer?: LocalPipelineOptions['trainer'];
  modelEndpoint?: LocalPipelineOptions['modelEndpoint'];
  onTask?: (observation: TaskObservation) => void;
  onEvent?: (event: PublishedEvent) => void;
  onProgress?: (progress: ExecutionProgress) => void;
}

/** A local pipeline over a data folder that keeps its state: opened by one process at a time, as one run. */
export interface LocalSession {
  pipeline: LocalPipeline;
  data: DataFolder;
  run: RunMarker;
  /** The events of the data folder before this run. */
  before: EventLog;
  close(): Promise<void>;
}

export async function openSession(options: SessionOptions): Promise<LocalSession> {
  const { data } = options;
  await data.prepare();
  let release: () => void;
  try {
    release = data.lock();
  } catch (error) {
    if (error instanceof DataFolderBusyError) throw new CliFailure(error.message);
    throw error;
  }
  try {
    const before = await readEventLog(data.events);
    const sequencer = new PersistentSequencer(data.sequencerFile);
    // Loaded here, not at start-up: the CDK app takes seconds to import, and --help or a usage error need none of it.
    const [{ LocalPipeline }, { environmentOf }] = await Promise.all([
      import('../runtime/local-pipeline.js'),
      import('../runtime/synthesized-pipeline.js'),
    ]);
    const pipeline = await LocalPipeline.open({
      dataDir: data.root,
      dynamoPath: data.dynamo,
      nextSequence: () => sequencer.next(),
      usedExecutionNames: new PersistentExecutionNames(data.executionsFile),
      ...(options.trainer ? { trainer: options.trainer } : {}),
      ...(options.modelEndpoint ? { modelEndpoint: options.modelEndpoint } : {}),
      ...(options.onTask ? { onTask: options.onTask } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    data.writeTables({
      ledger: environmentOf(pipeline.synthesized, 'recordPhoto').LEDGER_TABLE ?? '',
      trainingState: environmentOf(pipeline.synthesized, 'acquireTrainingSlot').TRAINING_STATE_TABLE ?? '',
      modelRegistry: environmentOf(pipeline.synthesized, 'registerModel').MODEL_REGISTRY_TABLE ?? '',
    });
    const run = nextRun(before, options.run);
    await appendRunMarker(data.events, run);
    return {
      pipeline,
      data,
      run,
      before,
      close: async () => {
        try {
          await pipeline.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

export { DataFolder };

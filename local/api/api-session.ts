import { resolve } from 'node:path';
import type { LocalPipeline } from '../runtime/local-pipeline.js';
import {
  DataFolder,
  DataFolderBusyError,
  PersistentExecutionNames,
  PersistentSequencer,
} from '../state/data-folder.js';

/** The local pipeline over a data folder (its tables, bucket, sequencer and execution names persist), locked. */
export async function openDataPipeline(
  dir: string,
): Promise<{ pipeline: LocalPipeline; close(): Promise<void> }> {
  const data = new DataFolder(resolve(dir));
  await data.prepare();
  let release: () => void;
  try {
    release = data.lock();
  } catch (error) {
    if (error instanceof DataFolderBusyError) throw new Error(error.message);
    throw error;
  }
  try {
    const { LocalPipeline } = await import('../runtime/local-pipeline.js');
    const sequencer = new PersistentSequencer(data.sequencerFile);
    const pipeline = await LocalPipeline.open({
      dataDir: data.root,
      dynamoPath: data.dynamo,
      nextSequence: () => sequencer.next(),
      usedExecutionNames: new PersistentExecutionNames(data.executionsFile),
    });
    return {
      pipeline,
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

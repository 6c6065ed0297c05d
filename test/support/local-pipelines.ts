import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPipeline, type LocalPipelineOptions } from '../../local/runtime/local-pipeline.js';

/**
 * The local pipelines of one test file, each in its own temporary data folder: opened with the real local
 * functions and no retry waits unless a test says otherwise, and all closed and removed by `closeAll`.
 */
export class LocalPipelines {
  private readonly opened: { pipeline: LocalPipeline; dataDir: string }[] = [];

  async open(options: Partial<LocalPipelineOptions> = {}): Promise<LocalPipeline> {
    const dataDir = await mkdtemp(join(tmpdir(), 'pipeline-'));
    const pipeline = await LocalPipeline.open({
      dataDir,
      retryIntervalMs: 0,
      ...options,
    });
    this.opened.push({ pipeline, dataDir });
    return pipeline;
  }

  async closeAll(): Promise<void> {
    for (const { pipeline, dataDir } of this.opened.splice(0)) {
      await pipeline.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

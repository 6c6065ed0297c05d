import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPipeline } from '../local/runtime/local-pipeline.js';
import { generateSampleSubjects } from '../local/samples/generate-sample-subjects.js';

export interface LocalPipelineFigures {
  subjects: number;
  photos: number;
  /** From the first dropped object to the last execution settled; excludes synth and sample generation. */
  endToEndMs: number;
  synthAndStartMs: number;
  transitions: number;
  invocations: Record<string, number>;
}

/** The local end-to-end time of this slice over the generated sample subjects (stand-ins, one process). */
export async function benchLocalPipeline(): Promise<LocalPipelineFigures> {
  const root = await mkdtemp(join(tmpdir(), 'bench-local-'));
  try {
    const subjects = await generateSampleSubjects(join(root, 'input'));
    const opening = performance.now();
    const pipeline = await LocalPipeline.open({
      dataDir: join(root, 'data'),
    });
    const synthAndStartMs = performance.now() - opening;
    try {
      const start = performance.now();
      for (const subject of subjects) await pipeline.dropFolder(subject.subjectId, subject.dir);
      await pipeline.fastForwardQuietPeriods();
      const executions = await pipeline.settled();
      const endToEndMs = performance.now() - start;
      return {
        subjects: subjects.length,
        photos: subjects.reduce((sum, s) => sum + s.files.length, 0),
        endToEndMs,
        synthAndStartMs,
        transitions: executions.reduce((sum, e) => sum + e.transitions, 0),
        invocations: Object.fromEntries(pipeline.invocations),
      };
    } finally {
      await pipeline.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

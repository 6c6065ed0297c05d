import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPipeline } from '../local/runtime/local-pipeline.js';
import { LOCAL_HANDLER_METADATA } from '../local/runtime/synthesized-pipeline.js';
import { generateSampleSubjects } from '../local/samples/generate-sample-subjects.js';

export const GENERATION_FUNCTIONS = [
  'prepareGeneration',
  'screenPrompts',
  'generateScreenedImage',
  'compileAvatars',
];
const TRAINING_EVENTS = ['Subject Received', 'Subject Accepted', 'Training Started', 'Model Ready'];

/** Public prices (us-east-1, 2026), per unit. */
export const PRICES = {
  stateTransition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1_000_000,
  /** arm64, per GB-second. */
  lambdaGbSecond: 0.0000133334,
  customEvent: 1 / 1_000_000,
  /** ml.g5.xlarge, per hour; the seed's fine-tune took 1,500 s on it. */
  g5XlargeHour: 1.41,
  fineTuneSeconds: 1500,
};

export interface OrchestrationFigures {
  subjects: number;
  transitionsPerSubject: number;
  invocationsPerSubject: number;
  lambdaGbSecondsPerSubject: number;
  eventsPerSubject: number;
  orchestrationCostPerSubject: number;
  gpuCostPerSubject: number;
  ratio: number;
  invocations: Record<string, number>;
  /** Each minute a subject waits for training capacity costs one poll: AcquireTrainingSlot, Choice, Wait. */
  queuedCostPerMinute: number;
}

/**
 * Counts, from a local run of good subjects through training and deployment, the state transitions, function
 * invocations and events per subject, and prices them next to the GPU cost of one fine-tune. Lambda time is
 * the local run time of each function (this machine's 2 cores; a proxy) times the memory the stack gives it.
 */
export async function benchOrchestrationCost(subjectCount = 3): Promise<OrchestrationFigures> {
  const root = await mkdtemp(join(tmpdir(), 'bench-cost-'));
  try {
    const [ana] = await generateSampleSubjects(join(root, 'samples'), { subjects: ['good-ana'] });
    if (!ana) throw new Error('no sample subject');
    const pipeline = await LocalPipeline.open({
      dataDir: join(root, 'data'),
    });
    try {
      for (let i = 0; i < subjectCount; i++) {
        for (const file of ana.files) {
          await pipeline.dropObject(
            `subjects/subject-${i}/${file.name}`,
            await readFile(join(ana.dir, file.name)),
          );
        }
      }
      await pipeline.fastForwardQuietPeriods();
      const executions = await pipeline.settled();
      const ready = pipeline.bus.published.filter((e) => e['detail-type'] === 'Model Ready').length;
      if (ready !== subjectCount)
        throw new Error(`only ${ready} of ${subjectCount} subjects reached Model Ready`);
      const memoryMb = memoryByHandler(pipeline);
      let gbSeconds = 0;
      // Training and deployment only: generation after Model Ready is priced per avatar (generation-cost.bench.ts).
      const training = (name: string) => !GENERATION_FUNCTIONS.includes(name);
      for (const [name, runs] of [...pipeline.durations].filter(([name]) => training(name))) {
        gbSeconds += (runs.reduce((sum, ms) => sum + ms, 0) / 1000) * ((memoryMb.get(name) ?? 512) / 1024);
      }
      const invocations = [...pipeline.invocations]
        .filter(([name]) => training(name))
        .reduce((sum, [, count]) => sum + count, 0);
      const transitions = executions.reduce((sum, e) => sum + e.transitions, 0);
      const events = pipeline.bus.published.filter((e) => TRAINING_EVENTS.includes(e['detail-type'])).length;
      const perSubject = (n: number) => n / subjectCount;
      const orchestration =
        perSubject(transitions) * PRICES.stateTransition +
        perSubject(invocations) * PRICES.lambdaRequest +
        perSubject(gbSeconds) * PRICES.lambdaGbSecond +
        perSubject(events) * PRICES.customEvent;
      const gpu = (PRICES.fineTuneSeconds / 3600) * PRICES.g5XlargeHour;
      return {
        subjects: subjectCount,
        transitionsPerSubject: perSubject(transitions),
        invocationsPerSubject: perSubject(invocations),
        lambdaGbSecondsPerSubject: perSubject(gbSeconds),
        eventsPerSubject: perSubject(events),
        orchestrationCostPerSubject: orchestration,
        gpuCostPerSubject: gpu,
        ratio: orchestration / gpu,
        invocations: Object.fromEntries([...pipeline.invocations].filter(([name]) => training(name))),
        queuedCostPerMinute:
          3 * PRICES.stateTransition + PRICES.lambdaRequest + 0.1 * (512 / 1024) * PRICES.lambdaGbSecond,
      };
    } finally {
      await pipeline.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function memoryByHandler(pipeline: LocalPipeline): Map<string, number> {
  const memory = new Map<string, number>();
  for (const resource of Object.values(pipeline.synthesized.template.Resources)) {
    const name = resource.Metadata?.[LOCAL_HANDLER_METADATA];
    if (resource.Type === 'AWS::Lambda::Function' && typeof name === 'string') {
      memory.set(name, Number(resource.Properties?.MemorySize ?? 128));
    }
  }
  return memory;
}

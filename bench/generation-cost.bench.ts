import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelEndpoint } from '../functions/serving/model-endpoint.js';
import { LocalPipeline } from '../local/runtime/local-pipeline.js';
import { LOCAL_HANDLER_METADATA } from '../local/runtime/synthesized-pipeline.js';
import { generateSampleSubjects } from '../local/samples/generate-sample-subjects.js';
import { GENERATION_FUNCTIONS, PRICES } from './orchestration-cost.bench.js';

/** Estimate for one 512 px, 30-step SD 2.1 image on ml.g5.2xlarge ($1.52/h): seconds of GPU per avatar. */
const GPU_SECONDS_PER_AVATAR = 4;
const G5_2XLARGE_HOUR = 1.52;

export interface GenerationFigures {
  avatars: number;
  transitionsPerAvatar: number;
  invocationsPerAvatar: number;
  /** Function time per avatar (all four generation functions), and the part spent waiting on the stand-in model. */
  functionMsPerAvatar: number;
  standInModelMsPerAvatar: number;
  /** What runs around the model: screening, storing, screening the image, compiling. */
  overheadMsPerAvatar: number;
  /** On AWS GenerateScreenedImage waits for the real model (~4 s): Lambda cost per avatar with that wait. */
  awsOrchestrationCostPerAvatar: number;
  orchestrationCostPerAvatar: number;
  gpuCostPerAvatar: number;
  ratio: number;
}

/** Generation for subjects with the default style pack, measured from `Model Ready` to `Avatars Ready`. */
export async function benchGeneration(subjects = 2): Promise<GenerationFigures> {
  const root = await mkdtemp(join(tmpdir(), 'bench-generation-'));
  let modelMs = 0;
  const timedEndpoint = (inner: ModelEndpoint): ModelEndpoint => ({
    performedBy: inner.performedBy,
    invoke: async (target, body) => {
      const started = performance.now();
      try {
        return await inner.invoke(target, body);
      } finally {
        modelMs += performance.now() - started;
      }
    },
  });
  try {
    const [ana] = await generateSampleSubjects(join(root, 'samples'), { subjects: ['good-ana'] });
    if (!ana) throw new Error('no sample subject');
    const pipeline = await LocalPipeline.open({
      dataDir: join(root, 'data'),
      modelEndpoint: timedEndpoint,
    });
    try {
      for (let i = 0; i < subjects; i++) await pipeline.dropFolder(`subject-${i}`, ana.dir);
      await pipeline.fastForwardQuietPeriods();
      await pipeline.settled();
      const executions = pipeline.executionsOf('generation');
      const avatars = pipeline.bus.published
        .filter((e) => e['detail-type'] === 'Avatars Ready')
        .reduce((sum, e) => sum + ((e.detail.counts as { imagesDelivered: number }).imagesDelivered ?? 0), 0);
      if (avatars === 0) throw new Error('no avatar was delivered');
      const memoryMb = new Map<string, number>();
      for (const resource of Object.values(pipeline.synthesized.template.Resources)) {
        const name = resource.Metadata?.[LOCAL_HANDLER_METADATA];
        if (typeof name === 'string') memoryMb.set(name, Number(resource.Properties?.MemorySize ?? 128));
      }
      let gbSeconds = 0;
      let invocations = 0;
      let functionMs = 0;
      for (const name of GENERATION_FUNCTIONS) {
        const runs = pipeline.durations.get(name) ?? [];
        invocations += runs.length;
        const ms = runs.reduce((a, b) => a + b, 0);
        functionMs += ms;
        gbSeconds += (ms / 1000) * ((memoryMb.get(name) ?? 512) / 1024);
      }
      // On AWS the image function waits for the real model instead of the stand-in.
      const imageGb = (memoryMb.get('generateScreenedImage') ?? 1024) / 1024;
      const awsGbSeconds =
        gbSeconds + avatars * imageGb * (GPU_SECONDS_PER_AVATAR - modelMs / 1000 / avatars);
      const transitions = executions.reduce((sum, e) => sum + e.transitions, 0);
      const events = pipeline.bus.published.filter((e) =>
        ['Prompt Rejected', 'Avatars Ready', 'Generation Failed'].includes(e['detail-type']),
      ).length;
      const cost = (gb: number) =>
        transitions * PRICES.stateTransition +
        invocations * PRICES.lambdaRequest +
        gb * PRICES.lambdaGbSecond +
        events * PRICES.customEvent;
      const orchestration = cost(gbSeconds);
      const gpuPerAvatar = (GPU_SECONDS_PER_AVATAR / 3600) * G5_2XLARGE_HOUR;
      return {
        avatars,
        transitionsPerAvatar: transitions / avatars,
        invocationsPerAvatar: invocations / avatars,
        functionMsPerAvatar: functionMs / avatars,
        standInModelMsPerAvatar: modelMs / avatars,
        overheadMsPerAvatar: (functionMs - modelMs) / avatars,
        awsOrchestrationCostPerAvatar: cost(awsGbSeconds) / avatars,
        orchestrationCostPerAvatar: orchestration / avatars,
        gpuCostPerAvatar: gpuPerAvatar,
        ratio: cost(awsGbSeconds) / avatars / gpuPerAvatar,
      };
    } finally {
      await pipeline.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

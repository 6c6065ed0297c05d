import { DRY_RUN } from '../../events/run-mode.js';
import { GenerateScreenedImageInput } from '../../state-machines/generation/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { DryRunModelEndpoint } from '../serving/dry-run-endpoint.js';
import { MalformedGenerationTaskInputError } from './errors.js';
import { generateScreenedImage, readGenerationPolicyFromEnvironment } from './generate-screened-image.js';

/** GenerateScreenedImage: one avatar, generated, screened, then delivered or withheld. */
export const generateScreenedImageTask = defineTask({
  name: 'generateScreenedImage',
  entry: 'functions/generation/generate-screened-image.handler.ts',
  env: [
    Env.servingEndpoint,
    Env.photoBucket,
    Env.maxRegenerations,
    Env.blockedCategories,
    Env.moderationMinConfidence,
  ],
  parse: taskInputParser(
    'GenerateScreenedImage',
    GenerateScreenedImageInput,
    MalformedGenerationTaskInputError,
  ),
  build: (env, ports: Pick<Ports, 'modelEndpoint' | 'imageScreen' | 'objectStore' | 'clock' | 'log'>) => {
    const policy = readGenerationPolicyFromEnvironment(env);
    const deps = {
      endpoint: ports.modelEndpoint(getStringFromEnv(Env.servingEndpoint, { env })),
      screen: ports.imageScreen(policy.moderation.minConfidence),
      store: ports.objectStore(getStringFromEnv(Env.photoBucket, { env })),
      policy,
      sleep: ports.clock.sleep,
      random: ports.clock.random,
      log: (message: string, fields: Record<string, unknown>) => ports.log.info(message, fields),
    };
    const dryRunDeps = { ...deps, endpoint: new DryRunModelEndpoint() };
    return (input: GenerateScreenedImageInput) =>
      generateScreenedImage(input, input.request.mode === DRY_RUN ? dryRunDeps : deps);
  },
});

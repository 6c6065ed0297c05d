import { ValidateImagesInput } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedValidateImagesInputError } from './errors.js';
import { validateImageSet } from './validate-image-set.js';
import { readValidationPolicyFromEnvironment } from './validation-policy.js';

/** ValidateImages: every photo of a sealed subject judged, then the set; each exclusion explained. */
export const validateImagesTask = defineTask({
  name: 'validateImages',
  entry: 'functions/validation/validate-images.handler.ts',
  env: [Env.photoBucket, Env.minPhotos, Env.maxPhotos, Env.minSidePx, Env.maxFileBytes, Env.maxPixels],
  parse: taskInputParser('ValidateImages', ValidateImagesInput, MalformedValidateImagesInputError),
  build: (env, ports: Pick<Ports, 'objectStore' | 'faceAnalyzer' | 'faceComparer' | 'contentModerator'>) => {
    const deps = {
      store: ports.objectStore(getStringFromEnv(Env.photoBucket, { env })),
      faceAnalyzer: ports.faceAnalyzer(),
      faceComparer: ports.faceComparer(),
      moderator: ports.contentModerator(),
      policy: readValidationPolicyFromEnvironment(env),
    };
    return (input: ValidateImagesInput) => validateImageSet(input, deps);
  },
});

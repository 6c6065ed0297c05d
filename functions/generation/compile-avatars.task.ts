import { CompileAvatarsInput } from '../../state-machines/generation/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { compileAvatars, readCompilePolicyFromEnvironment } from './compile-avatars.js';
import { MalformedGenerationTaskInputError } from './errors.js';

/** CompileAvatars: Avatars Ready with links, or Generation Failed with the reason. */
export const compileAvatarsTask = defineTask({
  name: 'compileAvatars',
  entry: 'functions/generation/compile-avatars.handler.ts',
  env: [Env.photoBucket, Env.linkExpirySeconds],
  parse: taskInputParser('CompileAvatars', CompileAvatarsInput, MalformedGenerationTaskInputError),
  build: (env, ports: Pick<Ports, 'imageLinks' | 'provenance'>) => {
    const deps = {
      links: ports.imageLinks(getStringFromEnv(Env.photoBucket, { env })),
      policy: readCompilePolicyFromEnvironment(env),
      generatedBy: ports.provenance.servedBy,
      screenedBy: ports.provenance.imagesScreenedBy,
    };
    return (input: CompileAvatarsInput) => compileAvatars(input, deps);
  },
});

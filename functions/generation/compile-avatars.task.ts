import { CompileAvatarsInput } from '../../state-machines/generation/contract.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { compileAvatars } from './compile-avatars.js';
import { MalformedGenerationTaskInputError } from './errors.js';

/** CompileAvatars: Avatars Ready with the avatars' keys (never links), or Generation Failed with the reason. */
export const compileAvatarsTask = defineTask({
  name: 'compileAvatars',
  entry: 'functions/generation/compile-avatars.handler.ts',
  env: [],
  parse: taskInputParser('CompileAvatars', CompileAvatarsInput, MalformedGenerationTaskInputError),
  build: (_env, ports: Pick<Ports, 'provenance'>) => {
    const deps = {
      generatedBy: ports.provenance.servedBy,
      screenedBy: ports.provenance.imagesScreenedBy,
    };
    return (input: CompileAvatarsInput) => compileAvatars(input, deps);
  },
});

import { ScreenPromptsInput } from '../../state-machines/generation/contract.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedGenerationTaskInputError } from './errors.js';
import { readPromptScreeningPolicyFromEnvironment, screenPrompts } from './prompt-screening.js';

/** ScreenPrompts: rejected prompts (Prompt Rejected details) and one job per image of each accepted prompt. */
export const screenPromptsTask = defineTask({
  name: 'screenPrompts',
  entry: 'functions/generation/screen-prompts.handler.ts',
  env: [Env.denyListExtra, Env.toxicityThresholds, Env.nonEnglishPolicy, Env.maxPromptBytes],
  parse: taskInputParser('ScreenPrompts', ScreenPromptsInput, MalformedGenerationTaskInputError),
  build: (env, ports: Pick<Ports, 'languageDetector' | 'toxicityClassifier' | 'log'>) => {
    const deps = {
      language: ports.languageDetector(),
      toxicity: ports.toxicityClassifier(),
      policy: readPromptScreeningPolicyFromEnvironment(env),
      log: (message: string, fields: Record<string, unknown>) => ports.log.warn(message, fields),
    };
    return (input: ScreenPromptsInput) => screenPrompts(input, deps);
  },
});

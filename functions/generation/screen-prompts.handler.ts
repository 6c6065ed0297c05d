import { ComprehendClient } from '@aws-sdk/client-comprehend';
import { logger, tracer, withObservability } from '../platform/observability.js';
import { ComprehendLanguageDetector, ComprehendToxicityClassifier } from './comprehend-prompt-screen.js';
import { parseScreenPromptsInput } from './generation-inputs.js';
import { readPromptScreeningPolicyFromEnvironment, screenPrompts } from './prompt-screening.js';

const comprehend = tracer.captureAWSv3Client(new ComprehendClient({}));
const deps = {
  language: new ComprehendLanguageDetector(comprehend),
  toxicity: new ComprehendToxicityClassifier(comprehend),
  policy: readPromptScreeningPolicyFromEnvironment(),
  log: (message: string, fields: Record<string, unknown>) => logger.warn(message, fields),
};

/** ScreenPrompts task: rejected prompts (Prompt Rejected details) and one job per image of each accepted prompt. */
export const handler = withObservability(async (event: unknown) =>
  screenPrompts(parseScreenPromptsInput(event), deps),
);

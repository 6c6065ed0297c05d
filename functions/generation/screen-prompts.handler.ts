import { comprehendLanguageDetector, comprehendToxicityClassifier } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { screenPromptsTask } from './screen-prompts.task.js';

export const handler = lambdaHandler(screenPromptsTask, {
  languageDetector: comprehendLanguageDetector,
  toxicityClassifier: comprehendToxicityClassifier,
});

import { prepareTrainingSet } from '../../functions/training-set/prepare-training-set.js';
import { parsePrepareTrainingSetInput } from '../../functions/training-set/prepare-training-set-input.js';
import { readTrainingSetPolicyFromEnvironment } from '../../functions/training-set/training-set-policy.js';
import { validateImageSet } from '../../functions/validation/validate-image-set.js';
import { parseValidateImagesInput } from '../../functions/validation/validate-images-input.js';
import { readValidationPolicyFromEnvironment } from '../../functions/validation/validation-policy.js';
import { UnscreenedContentModerator } from '../stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../stand-ins/face-analysis.js';
import type { LocalFunctionsFactory } from './local-pipeline.js';

/** Printed at the start of every local run, so nobody mistakes a local result for a screened one. */
export const STAND_IN_NOTICE = [
  'LOCAL MODE with stand-ins (no AWS account is used):',
  '  - face analysis: local stand-in, NOT Amazon Rekognition DetectFaces (it assumes one frontal face at the',
  '    most salient point; sharpness and brightness are measured for real)',
  '  - content moderation: local stand-in, NOT Amazon Rekognition DetectModerationLabels (nothing is screened)',
  '  - bucket: a folder; event bus: a JSON-lines file; ledger: dynalite (DynamoDB-compatible, in memory)',
  '  - workflow: the synthesized training state machine, run by aws-local-stepfunctions',
  'Events say the same: checks.faceAnalysis = "local-stand-in".',
].join('\n');

/**
 * The state machine's functions with local ports: the same domain code and input parsing as the Lambda
 * handlers, configured from the environment the stack gives each function, with local stand-ins where
 * the handlers call Rekognition.
 */
export const createLocalFunctions: LocalFunctionsFactory = ({ store, environmentOf }) => {
  const validation = {
    store,
    faceAnalyzer: new SaliencyFaceAnalyzer(),
    moderator: new UnscreenedContentModerator(),
    policy: readValidationPolicyFromEnvironment(environmentOf('validateImages')),
  };
  const preparation = {
    store,
    policy: readTrainingSetPolicyFromEnvironment(environmentOf('prepareTrainingSet')),
  };
  return {
    validateImages: async (payload) => validateImageSet(parseValidateImagesInput(payload), validation),
    prepareTrainingSet: async (payload) =>
      prepareTrainingSet(parsePrepareTrainingSetInput(payload), preparation),
  };
};

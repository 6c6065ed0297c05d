import type { SNSEvent } from 'aws-lambda';
import { deployModel } from '../../functions/deployment/deploy-model.js';
import { ModelRegistry } from '../../functions/deployment/model-registry.js';
import { registerModel } from '../../functions/deployment/register-model.js';
import { DEFAULT_WARM_UP_POLICY, warmUpModel } from '../../functions/deployment/warm-up-model.js';
import {
  compileAvatars,
  readCompilePolicyFromEnvironment,
} from '../../functions/generation/compile-avatars.js';
import {
  generateScreenedImage,
  readGenerationPolicyFromEnvironment,
} from '../../functions/generation/generate-screened-image.js';
import {
  parseCompileAvatarsInput,
  parseGenerateScreenedImageInput,
  parsePrepareGenerationInput,
  parseScreenPromptsInput,
} from '../../functions/generation/generation-inputs.js';
import { FileImageLinks } from '../../functions/generation/image-links.js';
import {
  prepareGeneration,
  readPreparationPolicyFromEnvironment,
} from '../../functions/generation/prepare-generation.js';
import {
  readPromptScreeningPolicyFromEnvironment,
  screenPrompts,
} from '../../functions/generation/prompt-screening.js';
import { SubjectLedger } from '../../functions/ingest/subject-ledger.js';
import { numberEnv, requiredEnv } from '../../functions/platform/environment.js';
import type { FolderObjectStore } from '../../functions/platform/folder-object-store.js';
import { CallbackTokens } from '../../functions/training/callback-tokens.js';
import { explainFailedTrainingState } from '../../functions/training/explain-training-failure.js';
import { planTraining } from '../../functions/training/plan-training.js';
import { startTraining } from '../../functions/training/start-training.js';
import {
  parseDeployModelInput,
  parseFailedTrainingState,
  parsePlanTrainingInput,
  parseRegisterModelInput,
  parseSlotRequest,
  parseStartTrainingInput,
  parseWarmUpInput,
} from '../../functions/training/training-inputs.js';
import { handleTrainingNotification } from '../../functions/training/training-notification.js';
import { TrainingQueue } from '../../functions/training/training-queue.js';
import { prepareTrainingSet } from '../../functions/training-set/prepare-training-set.js';
import { parsePrepareTrainingSetInput } from '../../functions/training-set/prepare-training-set-input.js';
import { readTrainingSetPolicyFromEnvironment } from '../../functions/training-set/training-set-policy.js';
import { validateImageSet } from '../../functions/validation/validate-image-set.js';
import { parseValidateImagesInput } from '../../functions/validation/validate-images-input.js';
import { readValidationPolicyFromEnvironment } from '../../functions/validation/validation-policy.js';
import { UnscreenedContentModerator } from '../stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../stand-ins/face-analysis.js';
import { MarkedImageScreen, UnsafeMarkingEndpoint } from '../stand-ins/image-screening.js';
import { StopWordLanguageDetector, UnscreenedToxicityClassifier } from '../stand-ins/prompt-screening.js';
import type { LocalFunctionsFactory } from './local-pipeline.js';

/** Printed at the start of every local run, so nobody mistakes a local result for a screened or trained one. */
export const STAND_IN_NOTICE = [
  'LOCAL MODE with stand-ins (no AWS account is used):',
  '  - face analysis: local stand-in, NOT Amazon Rekognition DetectFaces (it assumes one frontal face at the',
  '    most salient point; sharpness and brightness are measured for real)',
  '  - content moderation: local stand-in, NOT Amazon Rekognition DetectModerationLabels (nothing is screened)',
  '  - training: local stand-in for the SageMaker async endpoint, NOT DreamBooth: it checks the request and the',
  '    dataset and writes an adapter package with the real layout but no weights (--training-endpoint URL',
  '    sends the training to a SageMaker-compatible container on this machine instead)',
  '  - serving: local stand-in for the GPU multi-model endpoint: loads and checks the package, answers a',
  "    labelled placeholder avatar drawn from the subject's crops and the prompt (not Stable Diffusion)",
  '  - prompt screening: the deny-list, normalization and length limit apply for real; language detection is a',
  '    stop-word stand-in and toxicity is NOT classified (no Amazon Comprehend)',
  '  - image screening: local stand-in, NOT Rekognition: blocks only placeholders marked unsafe (prompts',
  '    containing "[stand-in:unsafe]"), so quarantine and regeneration can be seen working',
  '  - bucket: a folder; event bus: a JSON-lines file; DynamoDB: dynalite in memory; SNS: in process',
  '  - workflow: the synthesized training state machine, run by aws-local-stepfunctions',
  'Events say the same: checks.* / trainedBy / servedBy = "local-stand-in".',
].join('\n');

/**
 * The functions of the stack with local ports: the same domain code and input parsing as the Lambda handlers,
 * configured from the environment the stack gives each function, with local stand-ins where the handlers
 * call Rekognition or SageMaker.
 */
export const createLocalFunctions: LocalFunctionsFactory = (deps) => {
  const { store, bucket, db, environmentOf } = deps;
  const env = (handler: string, name: string) => requiredEnv(name, environmentOf(handler));
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
  const queue = new TrainingQueue(db, env('acquireTrainingSlot', 'TRAINING_STATE_TABLE'));
  const concurrency = numberEnv('TRAINING_CONCURRENCY', 1, environmentOf('acquireTrainingSlot'));
  const tokens = new CallbackTokens(db, env('startTraining', 'TRAINING_STATE_TABLE'));
  const registry = new ModelRegistry(db, env('registerModel', 'MODEL_REGISTRY_TABLE'));
  const notificationLog = (level: string, message: string, fields: Record<string, unknown>) =>
    deps.log(`[trainingCallback ${level}] ${message}`, fields);
  const generationRequests = {
    models: registry,
    subjects: new SubjectLedger(db, env('prepareGeneration', 'LEDGER_TABLE')),
    policy: readPreparationPolicyFromEnvironment(environmentOf('prepareGeneration')),
  };
  const screening = {
    language: new StopWordLanguageDetector(),
    toxicity: new UnscreenedToxicityClassifier(),
    policy: readPromptScreeningPolicyFromEnvironment(environmentOf('screenPrompts')),
    log: deps.log,
  };
  const generationPolicy = readGenerationPolicyFromEnvironment(environmentOf('generateScreenedImage'));
  const generation = {
    // The stand-in convention: images of prompts containing "[stand-in:unsafe]" are marked, and blocked.
    endpoint: new UnsafeMarkingEndpoint(deps.modelEndpoint),
    screen: new MarkedImageScreen(),
    store,
    policy: { ...generationPolicy, retry: { ...generationPolicy.retry, baseDelayMs: 20, maxDelayMs: 200 } },
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    log: deps.log,
  };
  const compilation = {
    links: new FileImageLinks(store as FolderObjectStore),
    policy: readCompilePolicyFromEnvironment(environmentOf('compileAvatars')),
    generatedBy: deps.modelEndpoint.performedBy,
    screenedBy: 'local-stand-in' as const,
  };

  return {
    validateImages: async (payload) => validateImageSet(parseValidateImagesInput(payload), validation),
    prepareTrainingSet: async (payload) =>
      prepareTrainingSet(parsePrepareTrainingSetInput(payload), preparation),
    planTraining: async (payload) =>
      planTraining(parsePlanTrainingInput(payload), {
        store,
        bucket,
        baseModel: env('planTraining', 'BASE_MODEL'),
        trainedBy: deps.trainingEndpoint.performedBy,
      }),
    acquireTrainingSlot: async (payload) => queue.acquire(parseSlotRequest(payload), concurrency),
    releaseTrainingSlot: async (payload) => queue.release(parseSlotRequest(payload)),
    startTraining: async (payload) =>
      startTraining(parseStartTrainingInput(payload), {
        tokens,
        inference: deps.trainingEndpoint,
        bucket,
        invocationTimeoutSeconds: numberEnv(
          'TRAINING_INVOCATION_TIMEOUT_SECONDS',
          3600,
          environmentOf('startTraining'),
        ),
        tokenTtlSeconds: numberEnv('TOKEN_TTL_SECONDS', 86_400, environmentOf('startTraining')),
      }),
    trainingCallback: async (event) =>
      Promise.all(
        (event as SNSEvent).Records.map((record) =>
          handleTrainingNotification(record.Sns.Message, {
            tokens,
            callbacks: deps.taskCallbacks,
            log: notificationLog,
          }),
        ),
      ),
    explainTrainingFailure: async (payload) => explainFailedTrainingState(parseFailedTrainingState(payload)),
    deployModel: async (payload) =>
      deployModel(parseDeployModelInput(payload), {
        store,
        bucket,
        modelsPrefix: env('deployModel', 'MODELS_PREFIX'),
      }),
    warmUpModel: async (payload) =>
      warmUpModel(parseWarmUpInput(payload), {
        endpoint: deps.modelEndpoint,
        // The stand-in loads in no time; keep the backoff but not its seconds.
        policy: { ...DEFAULT_WARM_UP_POLICY, baseDelayMs: 20, maxDelayMs: 200 },
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: Date.now,
        random: Math.random,
        log: deps.log,
      }),
    prepareGeneration: async (payload) =>
      prepareGeneration(parsePrepareGenerationInput(payload), generationRequests),
    screenPrompts: async (payload) => screenPrompts(parseScreenPromptsInput(payload), screening),
    generateScreenedImage: async (payload) =>
      generateScreenedImage(parseGenerateScreenedImageInput(payload), generation),
    compileAvatars: async (payload) => compileAvatars(parseCompileAvatarsInput(payload), compilation),
    registerModel: async (payload) =>
      registerModel(parseRegisterModelInput(payload), {
        registry,
        servedBy: deps.modelEndpoint.performedBy,
        now: Date.now,
      }),
  };
};

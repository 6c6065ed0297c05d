import type { TrainingStarted } from '../../events/pipeline-events.js';
import { DRY_RUN, DRY_RUN_PERFORMER, modeField, runModeOf } from '../../events/run-mode.js';
import { SubjectSettings } from '../../events/subject-settings.js';
import { hyperparametersFor } from '../../events/training-settings.js';
import type { PlanTrainingInput, TrainingPlan } from '../../state-machines/training/contract.js';
import { adapterKey, TRAINING_PREFIX, trainingRequestKey } from '../platform/bucket-layout.js';
import type { ObjectStore } from '../platform/object-store.js';
import { assertOwnedKeys } from '../platform/ownership.js';
import { s3Uri } from '../platform/s3-uri.js';
import { modelVersionOf, type TrainingRequest } from './training-request.js';

export interface PlanTrainingDeps {
  store: ObjectStore;
  bucket: string;
  baseModel: string;
  trainedBy: TrainingStarted['trainedBy'];
}

/**
 * Fixes what will be trained: hyperparameters (defaults, then the subject's overrides, already bounded by the
 * subject.json schema), the model version derived from them, and the request the training container reads.
 * Writing the request is idempotent: same inputs, same key, same bytes.
 */
export async function planTraining(input: PlanTrainingInput, deps: PlanTrainingDeps): Promise<TrainingPlan> {
  assertOwnedKeys(input, [input.manifestKey], { task: 'PlanTraining', prefix: TRAINING_PREFIX });
  const settings = SubjectSettings.parse(input.settings);
  const mode = runModeOf(settings.mode);
  const hyperparameters = hyperparametersFor(settings.training);
  const modelVersion = modelVersionOf(input.imageSetId, hyperparameters, deps.baseModel);
  const requestKey = trainingRequestKey(input, input.imageSetId, modelVersion);
  const request: TrainingRequest = {
    schemaVersion: 1,
    tenantId: input.tenantId,
    subjectId: input.subjectId,
    imageSetId: input.imageSetId,
    modelVersion,
    manifestUri: s3Uri(deps.bucket, input.manifestKey),
    outputUri: s3Uri(deps.bucket, adapterKey(input, modelVersion)),
    baseModel: deps.baseModel,
    hyperparameters,
  };
  await deps.store.put(requestKey, JSON.stringify(request, null, 2), 'application/json');
  return {
    modelVersion,
    requestKey,
    mode,
    started: {
      version: 1,
      tenantId: input.tenantId,
      ...modeField(mode),
      subjectId: input.subjectId,
      imageSetId: input.imageSetId,
      modelVersion,
      baseModel: deps.baseModel,
      hyperparameters,
      trainedBy: mode === DRY_RUN ? DRY_RUN_PERFORMER : deps.trainedBy,
    },
  };
}

import type { ModelReady } from '../../events/pipeline-events.js';
import { DRY_RUN, DRY_RUN_PERFORMER, modeField } from '../../events/run-mode.js';
import type { RegisterModelInput } from '../../state-machines/training/contract.js';
import type { ModelRegistry } from './model-registry.js';

/** Records the model in the registry and returns the `Model Ready` detail. */
export async function registerModel(
  input: RegisterModelInput,
  deps: { registry: ModelRegistry; servedBy: ModelReady['servedBy']; now: () => number },
): Promise<ModelReady> {
  const { started, deployed, warmUp } = input;
  await deps.registry.register({
    tenantId: started.tenantId,
    subjectId: started.subjectId,
    modelVersion: started.modelVersion,
    imageSetId: started.imageSetId,
    targetModel: deployed.targetModel,
    artifactKey: deployed.modelKey,
    baseModel: started.baseModel,
    hyperparameters: started.hyperparameters,
    adapterBytes: deployed.adapterBytes,
    trainingSeconds: deployed.trainingSeconds,
    warmUpSeconds: warmUp.warmUpSeconds,
    registeredAt: new Date(deps.now()).toISOString(),
    // What generation must use for this model: the token and class word it learned, the subject's prompts.
    ...(input.settings ? { trainedWith: input.settings } : {}),
  });
  return {
    version: 1,
    tenantId: started.tenantId,
    ...modeField(started.mode),
    subjectId: started.subjectId,
    imageSetId: started.imageSetId,
    modelVersion: started.modelVersion,
    targetModel: deployed.targetModel,
    baseModel: started.baseModel,
    adapterBytes: deployed.adapterBytes,
    trainingSeconds: deployed.trainingSeconds,
    warmUpSeconds: warmUp.warmUpSeconds,
    servedBy: started.mode === DRY_RUN ? DRY_RUN_PERFORMER : deps.servedBy,
  };
}

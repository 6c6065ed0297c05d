import type { DeployedModel, DeployModelInput } from '../../state-machines/training/contract.js';
import { adapterKey, targetModelOf } from '../platform/bucket-layout.js';
import type { ObjectStore } from '../platform/object-store.js';
import { keyInBucket } from '../platform/s3-uri.js';
import { TrainingResponse } from '../training/training-request.js';
import { UnexpectedTrainingResponseError } from './errors.js';

/**
 * Adds the trained adapter to the multi-model endpoint: a copy of the Triton package to
 * `models/<subjectId>/<version>.tar.gz` under the endpoint's ModelDataUrl. No endpoint update: the endpoint
 * loads a model from that prefix on its first invocation with the matching TargetModel.
 */
export async function deployModel(
  input: DeployModelInput,
  deps: { store: ObjectStore; bucket: string; modelsPrefix: string },
): Promise<DeployedModel> {
  const body = new TextDecoder().decode(await deps.store.get(keyInBucket(input.outputLocation, deps.bucket)));
  const parsed = TrainingResponse.safeParse(safeJson(body));
  if (!parsed.success) {
    throw new UnexpectedTrainingResponseError(
      `The training response at ${input.outputLocation} does not follow the contract: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const response = parsed.data;
  if (response.subjectId !== input.subjectId || response.modelVersion !== input.modelVersion) {
    throw new UnexpectedTrainingResponseError(
      `The training response at ${input.outputLocation} is for ${response.subjectId}/${response.modelVersion}, not ${input.subjectId}/${input.modelVersion}`,
    );
  }
  // The package must be the one planned for this subject and version: a response naming another key (another
  // tenant's adapter, say) is refused rather than served under this subject's TargetModel.
  const expectedAdapter = adapterKey(input, input.modelVersion);
  const adapter = keyInBucket(response.adapterPackageUri, deps.bucket);
  if (adapter !== expectedAdapter) {
    throw new UnexpectedTrainingResponseError(
      `The training response at ${input.outputLocation} names the package ${adapter}, not ${expectedAdapter}, the one planned for ${input.tenantId}/${input.subjectId}/${input.modelVersion}`,
    );
  }
  const targetModel = targetModelOf(input, input.modelVersion);
  const modelKey = `${deps.modelsPrefix}${targetModel}`;
  await deps.store.copy(adapter, modelKey);
  return {
    targetModel,
    modelKey,
    adapterBytes: response.adapterBytes,
    trainingSeconds: response.timings.trainingSeconds + response.timings.classImagesSeconds,
    baseModel: response.baseModel,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

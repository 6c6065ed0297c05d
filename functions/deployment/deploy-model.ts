import type { DeployedModel, DeployModelInput } from '../../state-machines/training/contract.js';
import type { ErasureTombstones } from '../erasure/erasure-tombstones.js';
import { SubjectErasedError } from '../erasure/errors.js';
import { adapterKey, targetModelOf } from '../platform/bucket-layout.js';
import { InvalidModelPackageError, inspectModelPackage, tritonModelName } from '../platform/model-package.js';
import type { ObjectStore } from '../platform/object-store.js';
import { keyInBucket } from '../platform/s3-uri.js';
import type { CallbackTokens, TrainingPlanRow } from '../training/callback-tokens.js';
import { sha256 } from '../training/notification-checks.js';
import { TrainingResponse } from '../training/training-request.js';
import { UnexpectedTrainingResponseError } from './errors.js';

/**
 * Adds the trained adapter to the multi-model endpoint: a copy of the Triton package to
 * `models/<subjectId>/<version>.tar.gz` under the endpoint's ModelDataUrl. No endpoint update: the endpoint
 * loads a model from that prefix on its first invocation with the matching TargetModel.
 *
 * The package is written by the training role, and the serving host runs what the endpoint loads: so only a
 * package that follows sagemaker/model-package-layout.json is deployed (weights, the manifest and a config.pbtxt
 * naming the serving image's avatar_lora backend; no `.py` or other code, no other backend, no other config field),
 * for this subject and version. The bytes checked are the bytes written.
 */
export interface DeployChecks {
  /** The token rows: the plan of the inference and the adapter digest its notification recorded. */
  tokens: Pick<CallbackTokens, 'peek'>;
  tombstones: Pick<ErasureTombstones, 'erasedSince'>;
}

export async function deployModel(
  input: DeployModelInput,
  deps: { store: ObjectStore; bucket: string; modelsPrefix: string; checks?: DeployChecks },
): Promise<DeployedModel> {
  // First, before reading anything: a training of a subject erased since it began is not deployed.
  const plan = deps.checks ? await checkedPlan(input, deps.checks) : undefined;
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
  // The bytes checked are the bytes served: no copy of an adapter that could change between check and copy.
  const bytes = plan ? await checkedAdapter(plan, adapter, deps.store) : await deps.store.get(adapter);
  await checkPackage(bytes, adapter, input);
  await deps.store.put(modelKey, bytes, 'application/gzip');
  return {
    targetModel,
    modelKey,
    adapterBytes: response.adapterBytes,
    trainingSeconds: response.timings.trainingSeconds + response.timings.classImagesSeconds,
    baseModel: response.baseModel,
  };
}

/**
 * The plan of the training (its token row), once its subject is known not to be erased since it began.
 * @throws SubjectErasedError, UnexpectedTrainingResponseError
 */
async function checkedPlan(input: DeployModelInput, checks: DeployChecks): Promise<TrainingPlanRow> {
  if (!input.inferenceId) {
    throw new UnexpectedTrainingResponseError(
      'DeployModel needs the inferenceId of the training (from the Train state) to check the adapter against its recorded digest',
    );
  }
  const plan = await checks.tokens.peek(input.inferenceId);
  if (!plan || plan.subjectId !== input.subjectId || (plan.tenantId ?? input.tenantId) !== input.tenantId) {
    throw new UnexpectedTrainingResponseError(
      `No training of ${input.tenantId}/${input.subjectId} was started as inference ${input.inferenceId}`,
    );
  }
  if (plan.createdAt !== undefined && (await checks.tombstones.erasedSince(input, plan.createdAt))) {
    throw new SubjectErasedError(
      `${input.tenantId}/${input.subjectId} was erased after its training began: the adapter is not deployed`,
    );
  }
  return plan;
}

/**
 * The adapter, once it is known to be the one the notification saw (its SHA-256, recorded then).
 * @throws UnexpectedTrainingResponseError
 */
async function checkedAdapter(
  plan: TrainingPlanRow,
  adapter: string,
  store: ObjectStore,
): Promise<Uint8Array> {
  const bytes = await store.get(adapter);
  const digest = sha256(bytes);
  if (!plan.adapterSha256 || plan.adapterSha256 !== digest) {
    throw new UnexpectedTrainingResponseError(
      plan.adapterSha256
        ? `The adapter ${adapter} changed after training (SHA-256 ${digest.slice(0, 12)}..., recorded ${plan.adapterSha256.slice(0, 12)}...): it is not deployed`
        : `No digest was recorded for the adapter ${adapter}: only an adapter its success notification checked is deployed`,
    );
  }
  return bytes;
}

/**
 * The package follows the layout and is the model of this subject and version.
 * @throws UnexpectedTrainingResponseError naming the entry or field refused
 */
async function checkPackage(
  bytes: Uint8Array,
  adapter: string,
  input: Pick<DeployModelInput, 'subjectId' | 'modelVersion'>,
): Promise<void> {
  const refused = (why: string) =>
    new UnexpectedTrainingResponseError(
      `The adapter package ${adapter} is not deployed: ${why} (sagemaker/model-package-layout.json)`,
    );
  const { modelName } = await inspectModelPackage(bytes).catch((error: unknown) => {
    throw error instanceof InvalidModelPackageError ? refused(error.message) : error;
  });
  const expected = tritonModelName(input.subjectId, input.modelVersion);
  if (modelName !== expected) {
    throw refused(
      `it holds the model ${modelName}, not ${expected}, the one of ${input.subjectId}/${input.modelVersion}`,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

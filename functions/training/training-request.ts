import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Hyperparameters } from '../../events/training-settings.js';

/**
 * The contract with the training container (sagemaker/training): the request we write to S3 and pass as the
 * async invocation's InputLocation, and the response the container returns (SageMaker stores it at the
 * notification's outputLocation).
 */
export const TrainingRequest = z.object({
  schemaVersion: z.literal(1),
  /** The container ignores it (its paths carry the tenant); recorded so a request names whose subject it is. */
  tenantId: z.string().optional(),
  subjectId: z.string(),
  imageSetId: z.string(),
  modelVersion: z.string(),
  manifestUri: z.string().startsWith('s3://'),
  outputUri: z.string().startsWith('s3://'),
  baseModel: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
});
export type TrainingRequest = z.infer<typeof TrainingRequest>;

export const TrainingResponse = z.object({
  schemaVersion: z.literal(1),
  subjectId: z.string(),
  imageSetId: z.string(),
  modelVersion: z.string(),
  adapterPackageUri: z.string().startsWith('s3://'),
  adapterBytes: z.number().int().nonnegative(),
  baseModel: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
  timings: z.object({
    downloadSeconds: z.number().nonnegative(),
    classImagesSeconds: z.number().nonnegative(),
    trainingSeconds: z.number().nonnegative(),
    packagingSeconds: z.number().nonnegative(),
  }),
});
export type TrainingResponse = z.infer<typeof TrainingResponse>;

/** Same image set, hyperparameters and base model -> same version, so a repeated training is recognisable. */
export function modelVersionOf(
  imageSetId: string,
  hyperparameters: Hyperparameters,
  baseModel: string,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ imageSetId, hyperparameters, baseModel }))
    .digest('hex');
  return `v-${digest.slice(0, 12)}`;
}

import * as z from 'zod';

/**
 * DreamBooth LoRA hyperparameters: defaults close to the seed (SD 2.1-base, 512 px, 1000 steps, LR 1e-4, prior
 * preservation with 50 class images, LoRA rank 128 UNet / 64 text encoder) and the bounds a subject.json may
 * override them within. This is the single source: `npm run events:schemas` exports it as JSON for the training
 * container (sagemaker/training), which checks the same bounds again.
 */
export const HYPERPARAMETER_BOUNDS = {
  resolution: { min: 256, max: 1024, multipleOf: 64 },
  maxTrainSteps: { min: 100, max: 3000 },
  learningRate: { min: 1e-6, max: 1e-3 },
  loraRank: { min: 4, max: 256 },
  textEncoderRank: { min: 4, max: 128 },
  numClassImages: { min: 0, max: 200 },
  priorLossWeight: { min: 0, max: 2 },
  seed: { min: 0, max: 2 ** 31 - 1 },
} as const;

export const DEFAULT_HYPERPARAMETERS = {
  resolution: 512,
  maxTrainSteps: 1000,
  learningRate: 1e-4,
  loraRank: 128,
  textEncoderRank: 64,
  trainTextEncoder: true,
  priorPreservation: true,
  numClassImages: 50,
  priorLossWeight: 1,
  seed: 42,
  mixedPrecision: 'fp16' as 'fp16' | 'bf16' | 'no',
};
export type Hyperparameters = typeof DEFAULT_HYPERPARAMETERS;

const bounded = (name: keyof typeof HYPERPARAMETER_BOUNDS, integer = true) => {
  const b = HYPERPARAMETER_BOUNDS[name];
  let schema = (integer ? z.number().int() : z.number()).min(b.min).max(b.max);
  if ('multipleOf' in b) schema = schema.multipleOf(b.multipleOf);
  return schema;
};

/** `training` in subject.json: any subset of the hyperparameters, each within its bounds. */
export const TrainingOverrides = z
  .object({
    resolution: bounded('resolution'),
    maxTrainSteps: bounded('maxTrainSteps'),
    learningRate: bounded('learningRate', false),
    loraRank: bounded('loraRank'),
    textEncoderRank: bounded('textEncoderRank'),
    trainTextEncoder: z.boolean(),
    priorPreservation: z.boolean(),
    numClassImages: bounded('numClassImages'),
    priorLossWeight: bounded('priorLossWeight', false),
    seed: bounded('seed'),
    mixedPrecision: z.enum(['fp16', 'bf16', 'no']),
  })
  .partial()
  .strict();
export type TrainingOverrides = z.infer<typeof TrainingOverrides>;

export function hyperparametersFor(overrides: TrainingOverrides | undefined): Hyperparameters {
  return { ...DEFAULT_HYPERPARAMETERS, ...overrides };
}

/** What the training container reads: sagemaker/training/src/avatar_training/hyperparameters.json. */
export function hyperparametersDocument() {
  return {
    description: 'Generated from events/training-settings.ts by `npm run events:schemas`; do not edit.',
    defaults: DEFAULT_HYPERPARAMETERS,
    bounds: HYPERPARAMETER_BOUNDS,
  };
}

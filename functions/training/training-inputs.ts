import { z } from 'zod';

/** The payloads the training workflow passes to its functions, checked at the edge so a wiring mistake names the field. */
export class MalformedTrainingTaskInputError extends Error {
  override name = 'MalformedTrainingTaskInputError';
}

function parser<T>(task: string, schema: z.ZodType<T>) {
  return (payload: unknown): T => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new MalformedTrainingTaskInputError(
        `${task} received a malformed payload: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  };
}

export const parsePlanTrainingInput = parser(
  'PlanTraining',
  z.object({ subjectId: z.string(), imageSetId: z.string(), manifestKey: z.string(), settings: z.unknown() }),
);

export const parseSlotRequest = parser(
  'AcquireTrainingSlot / ReleaseTrainingSlot',
  z.object({ executionName: z.string().min(1), enqueuedAt: z.string().min(1), subjectId: z.string() }),
);

export const parseStartTrainingInput = parser(
  'Train',
  z.object({
    taskToken: z.string().min(1),
    executionName: z.string().min(1),
    subjectId: z.string(),
    modelVersion: z.string(),
    requestKey: z.string(),
  }),
);

export const parseFailedTrainingState = parser(
  'ExplainTrainingFailure',
  z.object({
    received: z.object({ subjectId: z.string(), imageSetId: z.string() }),
    plan: z.object({ modelVersion: z.string().optional() }).optional(),
    failedStage: z.string(),
    failure: z.object({ Error: z.string(), Cause: z.string().optional() }),
  }),
);

export const parseDeployModelInput = parser(
  'DeployModel',
  z.object({ subjectId: z.string(), modelVersion: z.string(), outputLocation: z.string() }),
);

export const parseWarmUpInput = parser('WarmUpModel', z.object({ targetModel: z.string().min(1) }));

export const parseRegisterModelInput = parser(
  'RegisterModel',
  z.object({
    started: z.object({
      version: z.literal(1),
      subjectId: z.string(),
      imageSetId: z.string(),
      modelVersion: z.string(),
      baseModel: z.string(),
      hyperparameters: z.any(),
      trainedBy: z.enum(['amazon-sagemaker', 'local-stand-in', 'local-container', 'tiny-model']),
    }),
    deployed: z.object({
      targetModel: z.string(),
      modelKey: z.string(),
      adapterBytes: z.number(),
      trainingSeconds: z.number(),
      baseModel: z.string(),
    }),
    warmUp: z.object({ warmUpSeconds: z.number() }),
  }),
);

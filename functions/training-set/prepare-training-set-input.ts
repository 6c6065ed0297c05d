import { z } from 'zod';
import { SubjectSettings } from '../../events/subject-settings.js';
import type { PrepareTrainingSetInput } from '../../state-machines/training/contract.js';

const Ratio = z.number().min(0).max(1);

/** The task input the state machine passes as `Payload`: the usable photos from ValidateImages. */
const PrepareTrainingSetInputSchema = z.object({
  subjectId: z.string().min(1),
  imageSetId: z.string().min(1),
  photos: z
    .array(
      z.object({
        key: z.string().min(1),
        faceBox: z.object({ left: Ratio, top: Ratio, width: Ratio, height: Ratio }),
      }),
    )
    .min(1),
  settings: SubjectSettings,
});

export class MalformedPrepareTrainingSetInputError extends Error {
  override name = 'MalformedPrepareTrainingSetInputError';
}

export function parsePrepareTrainingSetInput(event: unknown): PrepareTrainingSetInput {
  const parsed = PrepareTrainingSetInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new MalformedPrepareTrainingSetInputError(
      `PrepareTrainingSet received a malformed payload: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

import { z } from 'zod';
import { PhotoRef } from '../../events/pipeline-events.js';
import { SubjectSettings } from '../../events/subject-settings.js';
import type { ValidateImagesInput } from '../../state-machines/training/contract.js';

/** The task input the state machine passes as `Payload`: the `Subject Received` detail (extra fields ignored). */
const ValidateImagesInputSchema = z.object({
  subjectId: z.string().min(1),
  imageSetId: z.string().min(1),
  photos: z.array(PhotoRef),
  settings: SubjectSettings,
  settingsProblem: z.string().optional(),
});

export class MalformedValidateImagesInputError extends Error {
  override name = 'MalformedValidateImagesInputError';
}

/** Checked at the edge, so a wiring mistake in the ASL fails with the field named, not deep in the domain. */
export function parseValidateImagesInput(event: unknown): ValidateImagesInput {
  const parsed = ValidateImagesInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new MalformedValidateImagesInputError(
      `ValidateImages received a malformed payload: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

import type { ModerationLabel } from './content-moderation.js';
import { type PhotoProblem, photoProblem } from './photo-problems.js';
import type { ValidationPolicy } from './validation-policy.js';

/** Excludes a photo when a label of a listed top-level category reaches the confidence threshold. */
export function judgeModeration(
  fileName: string,
  labels: readonly ModerationLabel[],
  policy: ValidationPolicy,
): PhotoProblem | undefined {
  const unsafe = new Set(policy.unsafeCategories.map((category) => category.toLowerCase()));
  const flagged = labels.filter(
    (label) =>
      label.confidence >= policy.minUnsafeConfidence &&
      (unsafe.has(label.topLevelCategory.toLowerCase()) || unsafe.has(label.name.toLowerCase())),
  );
  if (flagged.length === 0) return undefined;
  const categories = [...new Set(flagged.map((label) => label.topLevelCategory))];
  return photoProblem.unsafeContent(fileName, categories);
}

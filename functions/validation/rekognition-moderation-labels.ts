import type { ModerationLabel as RekognitionLabel } from '@aws-sdk/client-rekognition';
import type { ModerationLabel } from './content-moderation.js';

/**
 * Rekognition's moderation labels with the top-level category of each: the taxonomy is up to three levels deep
 * and our policies name categories. Shared by photo validation and generated-image screening.
 */
export function moderationLabelsFrom(labels: RekognitionLabel[]): ModerationLabel[] {
  const parentOf = new Map(labels.map((label) => [label.Name ?? '', label.ParentName ?? '']));
  return labels.map((label) => ({
    name: label.Name ?? '',
    topLevelCategory: topLevelCategory(label, parentOf),
    confidence: label.Confidence ?? 0,
  }));
}

function topLevelCategory(label: RekognitionLabel, parentOf: Map<string, string>): string {
  let category = label.Name ?? '';
  let parent = label.ParentName ?? '';
  for (let depth = 0; parent && depth < 5; depth++) {
    category = parent;
    parent = parentOf.get(parent) ?? '';
  }
  return category;
}

import type {
  AnalysisImage,
  ContentModerator,
  ModerationLabel,
  PhotoContext,
} from '../../functions/task-registry.js';

export function contentModerationStandInNote(): string {
  return 'Content was NOT screened for unsafe content: local runs have no Amazon Rekognition moderation.';
}

/**
 * Local stand-in for Rekognition DetectModerationLabels: returns no labels, so it screens nothing. Its
 * `performedBy` and `note` make that visible in every event, so a local run never passes for a screened one.
 */
export class UnscreenedContentModerator implements ContentModerator {
  readonly performedBy = 'local-stand-in' as const;
  readonly note = contentModerationStandInNote();

  async detectUnsafeContent(_image: AnalysisImage, _photo: PhotoContext): Promise<ModerationLabel[]> {
    return [];
  }
}

import {
  DetectModerationLabelsCommand,
  type RekognitionClient,
  type ModerationLabel as RekognitionLabel,
} from '@aws-sdk/client-rekognition';
import type { AnalysisImage } from './analysis-image.js';
import type { ContentModerator, ModerationLabel } from './content-moderation.js';
import type { PhotoContext } from './face-analysis.js';
import { moderationLabelsFrom } from './rekognition-moderation-labels.js';
import { classifyRekognitionError } from './rekognition-transient-errors.js';

/** Below the policy's threshold on purpose: weaker labels still name their top-level category. */
const DEFAULT_MIN_CONFIDENCE = 50;

/** ContentModerator on Amazon Rekognition DetectModerationLabels. */
export class RekognitionContentModerator implements ContentModerator {
  readonly performedBy = 'amazon-rekognition' as const;

  constructor(
    private readonly rekognition: RekognitionClient,
    private readonly minConfidence = DEFAULT_MIN_CONFIDENCE,
  ) {}

  async detectUnsafeContent(image: AnalysisImage, photo: PhotoContext): Promise<ModerationLabel[]> {
    const jpeg = await image.jpeg();
    let labels: RekognitionLabel[];
    try {
      const out = await this.rekognition.send(
        new DetectModerationLabelsCommand({ Image: { Bytes: jpeg }, MinConfidence: this.minConfidence }),
      );
      labels = out.ModerationLabels ?? [];
    } catch (error) {
      throw classifyRekognitionError(error, 'DetectModerationLabels', photo.key);
    }
    return moderationLabelsFrom(labels);
  }
}

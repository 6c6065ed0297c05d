import {
  DetectModerationLabelsCommand,
  type RekognitionClient,
  type ModerationLabel as RekognitionLabel,
} from '@aws-sdk/client-rekognition';
import type { ModerationLabel } from '../validation/content-moderation.js';
import { moderationLabelsFrom } from '../validation/rekognition-moderation-labels.js';
import { classifyScreeningError } from './screening-errors.js';

export type { ModerationLabel };

/** Port: moderation labels of one generated image. Rekognition on AWS; a stand-in locally. */
export interface ImageScreen {
  readonly performedBy: 'amazon-rekognition' | 'local-stand-in';
  /**
   * @param png the generated image (Rekognition takes up to 5 MB as bytes)
   * @throws ScreeningUnavailableError when the service is throttled or failing
   */
  moderationLabels(png: Uint8Array): Promise<ModerationLabel[]>;
}

/** ImageScreen on Amazon Rekognition DetectModerationLabels, image as bytes. */
export class RekognitionImageScreen implements ImageScreen {
  readonly performedBy = 'amazon-rekognition' as const;

  constructor(
    private readonly rekognition: RekognitionClient,
    /** 0-100: labels below are not returned. */
    private readonly minConfidence: number,
  ) {}

  async moderationLabels(png: Uint8Array): Promise<ModerationLabel[]> {
    let labels: RekognitionLabel[];
    try {
      const out = await this.rekognition.send(
        new DetectModerationLabelsCommand({ Image: { Bytes: png }, MinConfidence: this.minConfidence }),
      );
      labels = out.ModerationLabels ?? [];
    } catch (error) {
      throw classifyScreeningError(error, 'Amazon Rekognition', 'DetectModerationLabels');
    }
    return moderationLabelsFrom(labels);
  }
}

export interface ImageModerationPolicy {
  /** Label names (top-level categories, or any level) that block an image; compared case-insensitively. */
  blockedCategories: string[];
  /** 0-100: a label counts from this confidence. */
  minConfidence: number;
}

/** The labels that block an image under the policy; empty when the image may be delivered. */
export function blockingLabels(
  labels: readonly ModerationLabel[],
  policy: ImageModerationPolicy,
): ModerationLabel[] {
  const blocked = new Set(policy.blockedCategories.map((category) => category.trim().toLowerCase()));
  return labels.filter(
    (label) =>
      label.confidence >= policy.minConfidence &&
      (blocked.has(label.topLevelCategory.toLowerCase()) || blocked.has(label.name.toLowerCase())),
  );
}

/** "Explicit / Explicit Nudity (97.1%)" for a reason a person can read. */
export function describeLabels(labels: readonly ModerationLabel[]): string {
  return labels
    .map((label) =>
      label.name === label.topLevelCategory
        ? `${label.name} (${label.confidence.toFixed(1)}%)`
        : `${label.topLevelCategory} / ${label.name} (${label.confidence.toFixed(1)}%)`,
    )
    .join(', ');
}

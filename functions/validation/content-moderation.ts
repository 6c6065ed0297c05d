import type { AnalysisImage } from './analysis-image.js';
import type { CheckPerformer, PhotoContext } from './face-analysis.js';

export interface ModerationLabel {
  name: string;
  /** The root of the label's taxonomy ("Explicit", "Violence"...), which the policy lists. */
  topLevelCategory: string;
  /** 0-100 */
  confidence: number;
}

/** Port: screens one photo for unsafe content. Rekognition on AWS; a stand-in locally. */
export interface ContentModerator {
  readonly performedBy: CheckPerformer;
  readonly note?: string;
  /**
   * @param image the photo, decoded once and EXIF-oriented
   * @param photo which photo it is, for logs and error messages
   * @throws FaceAnalysisUnavailableError when the service is throttled or failing: retry later
   */
  detectUnsafeContent(image: AnalysisImage, photo: PhotoContext): Promise<ModerationLabel[]>;
}

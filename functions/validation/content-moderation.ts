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
   * @param jpeg an EXIF-oriented JPEG under 5 MB
   * @param photo which photo the bytes come from, for logs and error messages
   * @throws FaceAnalysisUnavailableError when the service is throttled or failing: retry later
   */
  detectUnsafeContent(jpeg: Uint8Array, photo: PhotoContext): Promise<ModerationLabel[]>;
}

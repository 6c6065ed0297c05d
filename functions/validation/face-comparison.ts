import type { AnalysisImage } from './analysis-image.js';
import type { CheckPerformer, PhotoContext } from './face-analysis.js';

/** How alike the face of a photo is to the reference face of its set. */
export interface FaceSimilarity {
  /** 0-100 (Rekognition's scale); 0 when no face of the photo could be compared. */
  similarity: number;
}

/**
 * Port: compares the face of one photo with the reference face of the set (is it the same person?). Rekognition
 * CompareFaces on AWS; a stand-in locally, named as such in `checks.faceComparison`.
 */
export interface FaceComparer {
  readonly performedBy: CheckPerformer;
  /** What a reader of the result must know about how faces were compared (set by stand-ins). */
  readonly note?: string;
  /**
   * @param reference the set's reference photo (its largest face is used), decoded as the analyzers receive it
   * @param photo the photo to compare; its most similar face counts
   * @throws FaceAnalysisUnavailableError when the service is throttled or failing: retry later
   */
  compare(
    reference: AnalysisImage,
    photo: AnalysisImage,
    context: { reference: PhotoContext; photo: PhotoContext },
  ): Promise<FaceSimilarity>;
}

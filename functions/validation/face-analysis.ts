import type { FaceBox } from '../../state-machines/training/contract.js';
import type { AnalysisImage } from './analysis-image.js';

/** Who answers: recorded in `checks` so a local stand-in never passes for Rekognition. */
export type CheckPerformer = 'amazon-rekognition' | 'local-stand-in';

export interface DetectedFace {
  /** Ratios of the analysed (EXIF-oriented) image, as Rekognition's BoundingBox. */
  box: FaceBox;
  /** 0-100 */
  confidence: number;
  pose: { yaw: number; pitch: number; roll: number };
  /** 0-100, Rekognition's scale. */
  quality: { sharpness: number; brightness: number };
}

export interface PhotoContext {
  key: string;
}

/** Port: finds the faces in one photo. Implemented by Rekognition on AWS and by a stand-in locally. */
export interface FaceAnalyzer {
  readonly performedBy: CheckPerformer;
  /** What a reader of the result must know about how faces were checked (set by stand-ins). */
  readonly note?: string;
  /**
   * @param image the photo, decoded once and EXIF-oriented (its `jpeg()` fits Rekognition's 5 MB limit for bytes)
   * @param photo which photo it is, for logs and error messages
   * @throws FaceAnalysisUnavailableError when the service is throttled or failing: retry later
   */
  detectFaces(image: AnalysisImage, photo: PhotoContext): Promise<DetectedFace[]>;
}

import type { FaceBox } from '../../state-machines/training/contract.js';

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
   * @param jpeg an EXIF-oriented JPEG under 5 MB (Rekognition's limit for bytes)
   * @param photo which photo the bytes come from, for logs and error messages
   * @throws FaceAnalysisUnavailableError when the service is throttled or failing: retry later
   */
  detectFaces(jpeg: Uint8Array, photo: PhotoContext): Promise<DetectedFace[]>;
}

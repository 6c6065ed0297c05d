import { DetectFacesCommand, type FaceDetail, type RekognitionClient } from '@aws-sdk/client-rekognition';
import type { AnalysisImage } from './analysis-image.js';
import type { DetectedFace, FaceAnalyzer, PhotoContext } from './face-analysis.js';
import { classifyRekognitionError } from './rekognition-transient-errors.js';

/** FaceAnalyzer on Amazon Rekognition DetectFaces (ALL attributes: pose and quality are what the rules need). */
export class RekognitionFaceAnalyzer implements FaceAnalyzer {
  readonly performedBy = 'amazon-rekognition' as const;

  constructor(private readonly rekognition: RekognitionClient) {}

  async detectFaces(image: AnalysisImage, photo: PhotoContext): Promise<DetectedFace[]> {
    const jpeg = await image.jpeg();
    let faces: FaceDetail[];
    try {
      const out = await this.rekognition.send(
        new DetectFacesCommand({ Image: { Bytes: jpeg }, Attributes: ['ALL'] }),
      );
      faces = out.FaceDetails ?? [];
    } catch (error) {
      throw classifyRekognitionError(error, 'DetectFaces', photo.key);
    }
    return faces.map(toDetectedFace);
  }
}

function toDetectedFace(face: FaceDetail): DetectedFace {
  return {
    box: {
      left: face.BoundingBox?.Left ?? 0,
      top: face.BoundingBox?.Top ?? 0,
      width: face.BoundingBox?.Width ?? 0,
      height: face.BoundingBox?.Height ?? 0,
    },
    confidence: face.Confidence ?? 0,
    pose: { yaw: face.Pose?.Yaw ?? 0, pitch: face.Pose?.Pitch ?? 0, roll: face.Pose?.Roll ?? 0 },
    quality: { sharpness: face.Quality?.Sharpness ?? 0, brightness: face.Quality?.Brightness ?? 0 },
  };
}

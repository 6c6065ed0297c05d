import { CompareFacesCommand, type RekognitionClient } from '@aws-sdk/client-rekognition';
import type { AnalysisImage } from './analysis-image.js';
import type { PhotoContext } from './face-analysis.js';
import type { FaceComparer, FaceSimilarity } from './face-comparison.js';
import { classifyRekognitionError } from './rekognition-transient-errors.js';

/**
 * FaceComparer on Amazon Rekognition CompareFaces: the reference photo as SourceImage (Rekognition uses its
 * largest face), the photo as TargetImage, both as the analysis JPEG (under the 5 MB limit for bytes).
 * SimilarityThreshold 0 puts every target face in FaceMatches with its Similarity, so the rule, not the service,
 * decides with the policy's threshold; the best match counts. One call bills as one image of Rekognition's
 * Group 1 APIs.
 */
export class RekognitionFaceComparer implements FaceComparer {
  readonly performedBy = 'amazon-rekognition' as const;

  constructor(private readonly rekognition: RekognitionClient) {}

  async compare(
    reference: AnalysisImage,
    photo: AnalysisImage,
    context: { reference: PhotoContext; photo: PhotoContext },
  ): Promise<FaceSimilarity> {
    const [source, target] = await Promise.all([reference.jpeg(), photo.jpeg()]);
    try {
      const out = await this.rekognition.send(
        new CompareFacesCommand({
          SourceImage: { Bytes: source },
          TargetImage: { Bytes: target },
          SimilarityThreshold: 0,
        }),
      );
      const similarities = (out.FaceMatches ?? []).map((match) => match.Similarity ?? 0);
      return { similarity: Math.max(0, ...similarities) };
    } catch (error) {
      throw classifyRekognitionError(error, 'CompareFaces', context.photo.key);
    }
  }
}

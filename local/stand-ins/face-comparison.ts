import type { AnalysisImage, FaceComparer, FaceSimilarity } from '../../functions/task-registry.js';

export function faceComparisonStandInNote(): string {
  return 'Faces were NOT compared by Amazon Rekognition CompareFaces: the local stand-in compared nothing and called every photo the same person.';
}

/**
 * Local stand-in for Rekognition CompareFaces. It compares nothing: every photo is reported as the same person
 * (similarity 100). Its `performedBy` ('local-stand-in') and `note` say so in every event, so a local run never
 * passes for one where the set was checked for a second person.
 */
export class UncomparedFaceComparer implements FaceComparer {
  readonly performedBy = 'local-stand-in' as const;
  readonly note = faceComparisonStandInNote();

  async compare(_reference: AnalysisImage, _photo: AnalysisImage): Promise<FaceSimilarity> {
    return { similarity: 100 };
  }
}

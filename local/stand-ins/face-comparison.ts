import type {
  AnalysisImage,
  FaceAnalyzer,
  FaceComparer,
  FaceSimilarity,
} from '../../functions/task-registry.js';
import { SaliencyFaceAnalyzer } from './face-analysis.js';

export function faceComparisonStandInNote(): string {
  return (
    'Faces were NOT compared by Amazon Rekognition CompareFaces: a local stand-in compared the skin tone at the ' +
    'assumed face (its chromaticity, so lighting matters little). It tells apart clearly different skin tones, ' +
    'as the sample portraits have; it cannot tell two people of similar skin tone apart, and judges nothing where ' +
    'the assumed face is not skin-coloured.'
  );
}

/** Chromaticity distance at which the stand-in's similarity reaches 0; 0.067 apart is the default 80% threshold. */
const CHROMA_SPAN = 1 / 3;

/**
 * Local stand-in for Rekognition CompareFaces. It does NOT compare faces: it takes the median colour of the
 * middle of the face box the local face stand-in assumes, and compares the two photos' chromaticities
 * (r and g over r + g + b). Where either sample is not skin-coloured (a face box that missed the face), it
 * judges nothing and answers 100. `performedBy` is 'local-stand-in' and `note` says all this in every event.
 */
export class SkinToneFaceComparer implements FaceComparer {
  readonly performedBy = 'local-stand-in' as const;
  readonly note = faceComparisonStandInNote();

  constructor(private readonly faces: FaceAnalyzer = new SaliencyFaceAnalyzer()) {}

  async compare(reference: AnalysisImage, photo: AnalysisImage): Promise<FaceSimilarity> {
    const [a, b] = await Promise.all([this.skinChroma(reference), this.skinChroma(photo)]);
    if (!a || !b) return { similarity: 100 };
    const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
    return { similarity: Math.round(Math.max(0, 100 * (1 - distance / CHROMA_SPAN)) * 10) / 10 };
  }

  private async skinChroma(image: AnalysisImage): Promise<readonly [number, number] | undefined> {
    const [face] = await this.faces.detectFaces(image, { key: '' });
    if (!face) return undefined;
    const { data, width, height, channels } = image.pixels;
    const { left, top, width: boxWidth, height: boxHeight } = face.box;
    const samples: [number, number, number][] = [];
    const step = Math.max(1, Math.round((boxWidth * width) / 40));
    for (
      let y = Math.round((top + boxHeight * 0.35) * height);
      y < (top + boxHeight * 0.65) * height;
      y += step
    ) {
      for (
        let x = Math.round((left + boxWidth * 0.3) * width);
        x < (left + boxWidth * 0.7) * width;
        x += step
      ) {
        const at = (Math.min(height - 1, y) * width + Math.min(width - 1, x)) * channels;
        samples.push([data[at] ?? 0, data[at + 1] ?? 0, data[at + 2] ?? 0]);
      }
    }
    if (samples.length === 0) return undefined;
    const median = (channel: 0 | 1 | 2) =>
      samples.map((sample) => sample[channel]).sort((x, y) => x - y)[Math.floor(samples.length / 2)] ?? 0;
    const [r, g, b] = [median(0), median(1), median(2)];
    const sum = r + g + b;
    if (sum < 60) return undefined;
    const chroma = [r / sum, g / sum] as const;
    // Skin-coloured: red above green above blue, in the band human skin tones fall in.
    const skinLike =
      r > g && g > b && chroma[0] >= 0.36 && chroma[0] <= 0.6 && chroma[1] >= 0.28 && chroma[1] <= 0.38;
    return skinLike ? chroma : undefined;
  }
}

import type { PhotoProblemCode } from '../../events/photo-verdicts.js';
import type { ImageSetResult } from './subject-results.js';

/**
 * What one image set would cost on AWS (us-east-1 on-demand prices, 2026), from what the local run did: the
 * figures of the README's Costs section, applied to this subject's counts. An estimate, never a bill.
 */
export const UNIT_PRICES = {
  /** DetectFaces + DetectModerationLabels, $0.001 each per image (first tier), for photos past the free checks. */
  rekognitionPerPhoto: 0.002,
  /** The seed's fine-tune: ~1,500 s on ml.g5.xlarge at $1.41/h. */
  fineTune: (1500 / 3600) * 1.41,
  /** 16 transitions, 23 invocations, 4 events per trained subject (`npm run bench`). */
  trainingOrchestration: 0.00044,
  /** A set that stops at validation: a handful of transitions and two invocations. */
  validationOrchestration: 0.0002,
  /** ~4 s on ml.g5.2xlarge ($1.52/h) per image generated, including those blocked by screening. */
  gpuPerImage: (4 / 3600) * 1.52,
  /** Rekognition moderation of the image plus its share of Comprehend's two calls per prompt. */
  screeningPerImage: 0.001,
  /** 1.75 transitions, 1.25 invocations, the image function waiting on the GPU (`npm run bench`). */
  orchestrationPerImage: 0.000057,
} as const;

/** Exclusions decided after Rekognition was called: these photos were paid for. */
const SCREENED_CODES = new Set<PhotoProblemCode>([
  'NO_FACE',
  'MULTIPLE_FACES',
  'FACE_TOO_SMALL',
  'FACE_NOT_FRONTAL',
  'TOO_BLURRY',
  'BAD_LIGHTING',
  'UNSAFE_CONTENT',
  'OVER_SET_LIMIT',
]);

export interface CostLine {
  item: string;
  quantity: number;
  usd: number;
}

export interface CostEstimate {
  lines: CostLine[];
  totalUsd: number;
}

export function estimateCost(set: ImageSetResult): CostEstimate {
  const lines: CostLine[] = [];
  const excluded = set.accepted?.photosExcluded ?? set.rejected?.photosExcluded ?? [];
  const usable = set.accepted?.photosUsed.length ?? set.rejected?.usablePhotoCount ?? 0;
  const screened = usable + excluded.filter((p) => SCREENED_CODES.has(p.code)).length;
  if (screened > 0) {
    lines.push({
      item: 'Rekognition face analysis and moderation of photos',
      quantity: screened,
      usd: screened * UNIT_PRICES.rekognitionPerPhoto,
    });
  }
  if (set.trainingStarted) {
    lines.push({ item: 'GPU fine-tune (DreamBooth LoRA)', quantity: 1, usd: UNIT_PRICES.fineTune });
    lines.push({
      item: 'Orchestration of training',
      quantity: 1,
      usd: UNIT_PRICES.trainingOrchestration,
    });
  } else {
    lines.push({
      item: 'Orchestration of validation',
      quantity: 1,
      usd: UNIT_PRICES.validationOrchestration,
    });
  }
  const images = set.generations.reduce((sum, g) => {
    const counts = g.avatarsReady?.counts;
    return sum + (counts ? counts.imagesDelivered + counts.imagesBlocked : 0);
  }, 0);
  if (images > 0) {
    const perImage =
      UNIT_PRICES.gpuPerImage + UNIT_PRICES.screeningPerImage + UNIT_PRICES.orchestrationPerImage;
    lines.push({
      item: 'Avatars: GPU, screening and orchestration per image generated',
      quantity: images,
      usd: images * perImage,
    });
  }
  return { lines, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0) };
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

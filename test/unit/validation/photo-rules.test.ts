import { mapWithConcurrency } from '../../../functions/validation/bounded-concurrency.js';
import type { ModerationLabel } from '../../../functions/validation/content-moderation.js';
import { deduplicate } from '../../../functions/validation/deduplicate.js';
import type { DetectedFace } from '../../../functions/validation/face-analysis.js';
import { judgeFaces } from '../../../functions/validation/face-rules.js';
import { judgeModeration } from '../../../functions/validation/moderation-rules.js';
import { differenceHash, hammingDistance } from '../../../functions/validation/perceptual-hash.js';
import { keepBest } from '../../../functions/validation/set-limits.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';

const policy = validationPolicy();

function face(overrides: Partial<DetectedFace> = {}): DetectedFace {
  return {
    box: { left: 0.3, top: 0.2, width: 0.3, height: 0.4 },
    confidence: 99.9,
    pose: { yaw: 3, pitch: -4, roll: 1 },
    quality: { sharpness: 80, brightness: 60 },
    ...overrides,
  };
}

describe('judgeFaces', () => {
  it('accepts one clear frontal face and returns its box', () => {
    expect(judgeFaces('a.jpg', [face()], policy)).toMatchObject({
      usable: true,
      faceBox: { left: 0.3, top: 0.2, width: 0.3, height: 0.4 },
    });
  });

  it.each([
    ['NO_FACE', []],
    ['MULTIPLE_FACES', [face(), face({ box: { left: 0.6, top: 0.2, width: 0.25, height: 0.35 } })]],
    ['FACE_TOO_SMALL', [face({ box: { left: 0.4, top: 0.4, width: 0.08, height: 0.1 } })]],
    ['FACE_NOT_FRONTAL', [face({ pose: { yaw: 45, pitch: 0, roll: 0 } })]],
    ['FACE_NOT_FRONTAL', [face({ pose: { yaw: 0, pitch: -35, roll: 0 } })]],
    ['TOO_BLURRY', [face({ quality: { sharpness: 4, brightness: 60 } })]],
    ['BAD_LIGHTING', [face({ quality: { sharpness: 80, brightness: 8 } })]],
    ['BAD_LIGHTING', [face({ quality: { sharpness: 80, brightness: 99 } })]],
  ] as const)('excludes with %s', (code, faces) => {
    // Act
    const verdict = judgeFaces('IMG_7.jpg', faces, policy);

    // Assess
    expect(verdict).toMatchObject({ usable: false, problem: { code } });
    if (!verdict.usable) {
      expect(verdict.problem.reason).toContain('IMG_7.jpg');
      expect(verdict.problem.advice).not.toHaveLength(0);
    }
  });

  it('ignores a small bystander far behind the subject', () => {
    const bystander = face({ box: { left: 0.8, top: 0.1, width: 0.05, height: 0.07 } });
    expect(judgeFaces('a.jpg', [bystander, face()], policy)).toMatchObject({ usable: true });
  });

  it('clamps a face box that crosses the frame into the image', () => {
    const verdict = judgeFaces(
      'a.jpg',
      [face({ box: { left: -0.1, top: 0.7, width: 0.4, height: 0.5 } })],
      policy,
    );
    expect(verdict).toMatchObject({ usable: true, faceBox: { left: 0, top: 0.7 } });
    if (verdict.usable) {
      expect(verdict.faceBox.width).toBeCloseTo(0.3);
      expect(verdict.faceBox.height).toBeCloseTo(0.3);
    }
  });
});

describe('judgeModeration', () => {
  const label = (name: string, topLevelCategory: string, confidence: number): ModerationLabel => ({
    name,
    topLevelCategory,
    confidence,
  });

  it('excludes a photo with a confident label of a listed category, naming the category', () => {
    // Act
    const problem = judgeModeration(
      'beach.jpg',
      [label('Graphic Male Nudity', 'Explicit Nudity', 93)],
      policy,
    );

    // Assess
    expect(problem).toMatchObject({ code: 'UNSAFE_CONTENT' });
    expect(problem?.reason).toContain('beach.jpg');
    expect(problem?.reason).toContain('Explicit Nudity');
  });

  it('keeps a photo whose labels are below the threshold or outside the list', () => {
    const labels = [
      label('Weapons', 'Violence', 60),
      label('Swimwear or Underwear', 'Swimwear or Underwear', 97),
    ];
    expect(judgeModeration('beach.jpg', labels, policy)).toBeUndefined();
  });

  it('follows a configured list of categories', () => {
    const custom = validationPolicy({ unsafeCategories: ['Drugs & Tobacco'] });
    expect(judgeModeration('a.jpg', [label('Smoking', 'Drugs & Tobacco', 90)], custom)?.code).toBe(
      'UNSAFE_CONTENT',
    );
    expect(judgeModeration('a.jpg', [label('Weapons', 'Violence', 99)], custom)).toBeUndefined();
  });
});

describe('perceptual hash', () => {
  it('sets one bit per pixel brighter than its right neighbour', () => {
    // Prepare: every row falls from left to right, so every comparison is "brighter".
    const falling = Uint8Array.from({ length: 72 }, (_, index) => 255 - (index % 9) * 20);

    // Act / Assess
    expect(differenceHash(falling)).toBe((1n << 64n) - 1n);
    expect(differenceHash(new Uint8Array(72))).toBe(0n);
  });

  it('counts differing bits', () => {
    expect(hammingDistance(0b1011n, 0b0010n)).toBe(2);
    expect(hammingDistance((1n << 64n) - 1n, 0n)).toBe(64);
  });
});

describe('deduplicate', () => {
  const photo = (key: string, sha256: string, dHash: bigint, qualityScore: number) => ({
    key,
    fileName: key,
    sha256,
    dHash,
    qualityScore,
  });

  it('keeps the better of two near duplicates and names it in duplicateOf', () => {
    // Prepare
    const worse = photo('a.jpg', 'aa', 0b1111n, 40);
    const better = photo('b.jpg', 'bb', 0b0111n, 70);
    const other = photo('c.jpg', 'cc', (1n << 40n) - 1n, 50);

    // Act
    const { kept, duplicates } = deduplicate([worse, better, other], 6);

    // Assess
    expect(kept.map((p) => p.key)).toEqual(['b.jpg', 'c.jpg']);
    expect(duplicates.map(({ photo: p, problem }) => [p.key, problem.code, problem.duplicateOf])).toEqual([
      ['a.jpg', 'NEAR_DUPLICATE', 'b.jpg'],
    ]);
  });

  it('calls byte-identical copies exact duplicates of the first key', () => {
    const { duplicates } = deduplicate([photo('b.jpg', 'same', 1n, 50), photo('a.jpg', 'same', 1n, 50)], 6);
    expect(duplicates.map(({ photo: p, problem }) => [p.key, problem.code, problem.duplicateOf])).toEqual([
      ['b.jpg', 'EXACT_DUPLICATE', 'a.jpg'],
    ]);
  });
});

describe('keepBest', () => {
  it('keeps the best by quality and names the rest OVER_SET_LIMIT', () => {
    // Prepare
    const photos = [30, 90, 50, 70].map((qualityScore, index) => ({
      key: `p${index}.jpg`,
      fileName: `p${index}.jpg`,
      qualityScore,
    }));

    // Act
    const { kept, overLimit } = keepBest(photos, 2);

    // Assess
    expect(kept.map((p) => p.key)).toEqual(['p1.jpg', 'p3.jpg']);
    expect(overLimit.map(({ photo: p, problem }) => [p.key, problem.code])).toEqual([
      ['p0.jpg', 'OVER_SET_LIMIT'],
      ['p2.jpg', 'OVER_SET_LIMIT'],
    ]);
  });
});

describe('mapWithConcurrency', () => {
  it('never runs more than the limit at once and keeps the input order', async () => {
    // Prepare
    let running = 0;
    let peak = 0;

    // Act
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 6, 1], 3, async (delay) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, delay));
      running--;
      return delay * 10;
    });

    // Assess
    expect(peak).toBe(3);
    expect(results).toEqual([50, 10, 40, 20, 30, 60, 10]);
  });
});

import { decodeForAnalysis } from '../../../functions/validation/decode-for-analysis.js';
import { deduplicate } from '../../../functions/validation/deduplicate.js';
import { isSameShot } from '../../../functions/validation/perceptual-hash.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';
import { nearDuplicateSet, VARIANTS } from '../../../local/samples/near-duplicate-set.js';

/**
 * The near-duplicate rule on a small generated set (counts, not timings; `npm run bench` measures a larger one):
 * distinct shots of one person in front of one wall stay apart, and every re-encode, resize, small crop,
 * brightening or conversion of a shot is called the same shot.
 */
describe('near-duplicate rule', () => {
  type Photo = Awaited<ReturnType<typeof nearDuplicateSet>>[number] & {
    key: string;
    fileName: string;
    sha256: string;
    dHash: bigint;
    signature: Awaited<ReturnType<typeof decodeForAnalysis>>['signature'];
    qualityScore: number;
  };
  let photos: Photo[];
  const policy = validationPolicy();
  const same = (a: Photo, b: Photo) => isSameShot(a.signature, b.signature, policy.nearDuplicateDistances);
  const isOriginal = (photo: Photo) => !photo.name.includes('(');

  beforeAll(async () => {
    const set = await nearDuplicateSet({ people: 2, shotsPerPerson: 8, variedShots: 1, side: 640, seed: 99 });
    photos = [];
    for (const photo of set) {
      const analysis = await decodeForAnalysis(photo.body, {
        longSidePx: policy.analysisLongSidePx,
        maxPixels: policy.maxPixels,
      });
      photos.push({
        ...photo,
        key: photo.name,
        fileName: photo.name,
        sha256: photo.name,
        dHash: analysis.dHash,
        signature: analysis.signature,
        qualityScore: analysis.qualityScore,
      });
    }
  }, 60_000);

  it('calls no two distinct shots of one person in front of one wall the same shot', () => {
    // Prepare
    const originals = photos.filter(isOriginal);

    // Act
    const confused = originals.flatMap((a, index) =>
      originals
        .slice(index + 1)
        .filter((b) => same(a, b))
        .map((b) => `${a.name} ~ ${b.name}`),
    );

    // Assess
    expect(originals).toHaveLength(16);
    expect(confused).toEqual([]);
  });

  it('calls every variant of a shot the same shot as its original', () => {
    // Prepare
    const variants = photos.filter((photo) => !isOriginal(photo));

    // Act
    const missed = variants
      .filter(
        (variant) => !same(photos.find((p) => isOriginal(p) && p.shot === variant.shot) as Photo, variant),
      )
      .map((variant) => variant.name);

    // Assess
    expect(variants).toHaveLength(2 * Object.keys(VARIANTS).length);
    expect(missed).toEqual([]);
  });

  it('keeps exactly one photo of each shot when the whole set is deduplicated', () => {
    // Act
    const { kept, duplicates } = deduplicate(photos, same);

    // Assess
    expect(new Set(kept.map((photo) => photo.shot)).size).toBe(16);
    expect(kept).toHaveLength(16);
    expect(duplicates).toHaveLength(2 * Object.keys(VARIANTS).length);
    for (const { photo, problem } of duplicates) {
      expect(photos.find((p) => p.key === problem.duplicateOf)?.shot).toBe(photo.shot);
    }
  });
});

import { pathToFileURL } from 'node:url';
import { decodeForAnalysis } from '../functions/validation/decode-for-analysis.js';
import { deduplicate } from '../functions/validation/deduplicate.js';
import { hammingDistance, isSameShot, type ShotSignature } from '../functions/validation/perceptual-hash.js';
import { DEFAULT_VALIDATION_POLICY } from '../functions/validation/validation-policy.js';
import { type LabelledPhoto, nearDuplicateSet } from '../local/samples/near-duplicate-set.js';

/** The near-duplicate rule before issue 8: a 64-bit whole-frame dHash, at most 6 bits apart. */
const OLD_MAX_DISTANCE = 6;

interface Decoded extends LabelledPhoto {
  key: string;
  fileName: string;
  sha256: string;
  dHash: bigint;
  signature: ShotSignature;
  qualityScore: number;
}

export interface RuleFigures {
  /** Pairs of distinct shots of one person in front of one wall called the same shot, of all such pairs. */
  falsePositives: { count: number; pairs: number };
  /** Pairs of distinct shots of different people and walls called the same shot. */
  falsePositivesOtherWalls: { count: number; pairs: number };
  /** (shot, variant of it) pairs not called the same shot, of all such pairs, by variant. */
  falseNegatives: { count: number; pairs: number; byVariant: Record<string, number> };
  /** Pairs of two variants of one shot not called the same shot. */
  falseNegativesBetweenVariants: { count: number; pairs: number };
  /** What deduplicate() makes of the whole set: distinct shots lost, and copies of one shot kept. */
  deduplicated: { shotsLost: number; shots: number; copiesKept: number; copies: number };
}

export interface NearDuplicateBenchmark {
  people: number;
  shotsPerPerson: number;
  variants: number;
  photos: number;
  old: RuleFigures;
  current: RuleFigures;
}

const isOriginal = (photo: LabelledPhoto) => !photo.name.includes('(');
const personOf = (photo: LabelledPhoto) => photo.shot.split('/')[0];

function measure(photos: Decoded[], sameShot: (a: Decoded, b: Decoded) => boolean): RuleFigures {
  const figures: RuleFigures = {
    falsePositives: { count: 0, pairs: 0 },
    falsePositivesOtherWalls: { count: 0, pairs: 0 },
    falseNegatives: { count: 0, pairs: 0, byVariant: {} },
    falseNegativesBetweenVariants: { count: 0, pairs: 0 },
    deduplicated: { shotsLost: 0, shots: 0, copiesKept: 0, copies: 0 },
  };
  for (const [index, a] of photos.entries()) {
    for (const b of photos.slice(index + 1)) {
      const same = sameShot(a, b);
      if (a.shot === b.shot) {
        if (isOriginal(a) || isOriginal(b)) {
          figures.falseNegatives.pairs++;
          if (!same) {
            figures.falseNegatives.count++;
            const variant = (isOriginal(a) ? b : a).name.replace(/^.*\((.*)\)$/, '$1');
            figures.falseNegatives.byVariant[variant] = (figures.falseNegatives.byVariant[variant] ?? 0) + 1;
          }
        } else {
          figures.falseNegativesBetweenVariants.pairs++;
          if (!same) figures.falseNegativesBetweenVariants.count++;
        }
      } else if (isOriginal(a) && isOriginal(b)) {
        const bucket =
          personOf(a) === personOf(b) ? figures.falsePositives : figures.falsePositivesOtherWalls;
        bucket.pairs++;
        if (same) bucket.count++;
      }
    }
  }
  const { kept } = deduplicate(photos, sameShot);
  const shots = new Set(photos.map((photo) => photo.shot));
  const keptPerShot = new Map<string, number>();
  for (const photo of kept) keptPerShot.set(photo.shot, (keptPerShot.get(photo.shot) ?? 0) + 1);
  figures.deduplicated = {
    shots: shots.size,
    shotsLost: [...shots].filter((shot) => !keptPerShot.has(shot)).length,
    copies: photos.length - shots.size,
    copiesKept: [...keptPerShot.values()].reduce((sum, count) => sum + count - 1, 0),
  };
  return figures;
}

/**
 * The near-duplicate rule's false-positive and false-negative rates on a generated set: distinct shots of each
 * person in front of one wall (only the pose changes), and re-encodes, resizes, small crops, a brightening and
 * format conversions of some of them (local/samples/near-duplicate-set.ts). Counts, not timings.
 */
export async function benchNearDuplicates(
  options = { people: 4, shotsPerPerson: 12, variedShots: 2 },
): Promise<NearDuplicateBenchmark> {
  const photos = await nearDuplicateSet(options);
  const decoded: Decoded[] = [];
  for (const photo of photos) {
    const analysis = await decodeForAnalysis(photo.body, {
      longSidePx: DEFAULT_VALIDATION_POLICY.analysisLongSidePx,
      maxPixels: DEFAULT_VALIDATION_POLICY.maxPixels,
    });
    decoded.push({
      ...photo,
      key: photo.name,
      fileName: photo.name,
      // Every photo's bytes differ: exact duplicates are a different, exact rule.
      sha256: photo.name,
      dHash: analysis.dHash,
      signature: analysis.signature,
      qualityScore: analysis.qualityScore,
    });
  }
  return {
    ...options,
    variants: decoded.filter((photo) => !isOriginal(photo)).length,
    photos: decoded.length,
    old: measure(decoded, (a, b) => hammingDistance(a.dHash, b.dHash) <= OLD_MAX_DISTANCE),
    current: measure(decoded, (a, b) =>
      isSameShot(a.signature, b.signature, DEFAULT_VALIDATION_POLICY.nearDuplicateDistances),
    ),
  };
}

const percent = ({ count, pairs }: { count: number; pairs: number }) =>
  `${count}/${pairs} (${pairs === 0 ? '0.0' : ((100 * count) / pairs).toFixed(1)}%)`;

export function describeNearDuplicates(result: NearDuplicateBenchmark): string[] {
  const lines = [
    `  ${result.people} people x ${result.shotsPerPerson} distinct shots (one wall each), ${result.variants} variants of ${result.people * 2} of the shots: ${result.photos} photos`,
  ];
  for (const [name, figures] of [
    ['64-bit dHash <= 6 (before)', result.old],
    ['256-bit dHash or framing hashes (now)', result.current],
  ] as const) {
    lines.push(
      `  ${name}:`,
      `    false positives, distinct shots in front of one wall: ${percent(figures.falsePositives)}; other walls: ${percent(figures.falsePositivesOtherWalls)}`,
      `    false negatives, shot vs its variant: ${percent(figures.falseNegatives)} ${JSON.stringify(figures.falseNegatives.byVariant)}; variant vs variant: ${percent(figures.falseNegativesBetweenVariants)}`,
      `    deduplicate(): distinct shots lost ${figures.deduplicated.shotsLost}/${figures.deduplicated.shots}, copies kept ${figures.deduplicated.copiesKept}/${figures.deduplicated.copies}`,
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(describeNearDuplicates(await benchNearDuplicates()).join('\n'));
}

/**
 * dHash: 64 bits saying, for each of 8 rows of a 9x8 greyscale thumbnail, whether each pixel is brighter than
 * its right neighbour. Re-encoding, resizing or a small exposure change barely moves it; a different shot does.
 */
export const DHASH_WIDTH = 9;
export const DHASH_HEIGHT = 8;

/** @param greyscale 9x8 one-channel pixels, row by row */
export function differenceHash(greyscale: Uint8Array): bigint {
  if (greyscale.length !== DHASH_WIDTH * DHASH_HEIGHT) {
    throw new RangeError(
      `dHash needs ${DHASH_WIDTH}x${DHASH_HEIGHT} greyscale pixels, got ${greyscale.length}`,
    );
  }
  let hash = 0n;
  for (let row = 0; row < DHASH_HEIGHT; row++) {
    for (let column = 0; column < DHASH_WIDTH - 1; column++) {
      const left = greyscale[row * DHASH_WIDTH + column] ?? 0;
      const right = greyscale[row * DHASH_WIDTH + column + 1] ?? 0;
      hash = (hash << 1n) | (left > right ? 1n : 0n);
    }
  }
  return hash;
}

export function hammingDistance(a: bigint, b: bigint): number {
  let difference = a ^ b;
  let count = 0;
  while (difference > 0n) {
    count += Number(difference & 1n);
    difference >>= 1n;
  }
  return count;
}

/**
 * The stronger same-shot signal (issue 8). A 64-bit whole-frame dHash calls two different shots of one person in
 * front of one wall the same shot (the head is a few of its 72 cells), and misses a small crop (every cell moves).
 * `npm run bench` measures both rules on generated shots and variants. This signal has two parts, either of which
 * says "same shot":
 *
 * - `wide`: a 256-bit dHash (17 x 16 cells): four times the cells, so a moved or resized head changes bits;
 * - `framings`: 144-bit dHashes (13 x 12 cells) of the whole frame and of ten framings cropped by 3% or 6% (all
 *   round, or off one side), so a slightly cropped copy still meets its original in one of them.
 */
export const WIDE_HASH_WIDTH = 17;
export const WIDE_HASH_HEIGHT = 16;
/** Side of the greyscale thumbnail the framing hashes are cut from. */
export const FRAMING_THUMBNAIL_SIDE = 128;
const FRAMING_HASH_WIDTH = 13;
const FRAMING_HASH_HEIGHT = 12;
/** [left, top, right, bottom] as ratios: the whole frame first, then 3% and 6% off all round or one side. */
const FRAMINGS: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 1, 1],
  ...[0.03, 0.06].flatMap(
    (m) =>
      [
        [m, m, 1 - m, 1 - m],
        [0, 0, 1, 1 - m],
        [0, m, 1, 1],
        [0, 0, 1 - m, 1],
        [m, 0, 1, 1],
      ] as const,
  ),
];

export interface ShotSignature {
  /** 256-bit dHash of the whole frame. */
  wide: bigint;
  /** 144-bit dHashes of the whole frame (first) and of each framing. */
  framings: bigint[];
}

/** Thresholds, in differing bits, at or under which two photos are the same shot (measured by `npm run bench`). */
export const SAME_SHOT_DISTANCES = { wide: 34, framing: 17 } as const;

/**
 * @param wideGrey 17 x 16 greyscale pixels of the whole frame (sharp's resize of `thumbnail`), row by row
 * @param thumbnail 128 x 128 greyscale pixels of the whole frame (resized to fill), row by row
 */
export function shotSignature(wideGrey: Uint8Array, thumbnail: Uint8Array): ShotSignature {
  const side = FRAMING_THUMBNAIL_SIDE;
  if (wideGrey.length !== WIDE_HASH_WIDTH * WIDE_HASH_HEIGHT || thumbnail.length !== side * side) {
    throw new RangeError(`shotSignature needs 17 x 16 and ${side} x ${side} greyscale pixels`);
  }
  const hashOf = (region: readonly number[], width: number, height: number) =>
    rowDifferences(areaAverage(thumbnail, side, region, width, height), width, height);
  const framings = FRAMINGS.map(([left, top, right, bottom]) =>
    hashOf([left * side, top * side, right * side, bottom * side], FRAMING_HASH_WIDTH, FRAMING_HASH_HEIGHT),
  );
  return { wide: rowDifferences(wideGrey, WIDE_HASH_WIDTH, WIDE_HASH_HEIGHT), framings };
}

/** Same shot: the wide hashes are close, or the whole frame of one is close to some framing of the other. */
export function isSameShot(
  a: ShotSignature,
  b: ShotSignature,
  distances: { wide: number; framing: number } = SAME_SHOT_DISTANCES,
): boolean {
  if (hammingDistance(a.wide, b.wide) <= distances.wide) return true;
  const [wholeA, wholeB] = [a.framings[0], b.framings[0]];
  if (wholeA === undefined || wholeB === undefined) return false;
  return (
    a.framings.some((framing) => hammingDistance(framing, wholeB) <= distances.framing) ||
    b.framings.some((framing) => hammingDistance(wholeA, framing) <= distances.framing)
  );
}

/** One bit per cell: brighter than its right neighbour. */
function rowDifferences(cells: ArrayLike<number>, width: number, height: number): bigint {
  let hash = 0n;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width - 1; column++) {
      const left = cells[row * width + column] ?? 0;
      const right = cells[row * width + column + 1] ?? 0;
      hash = (hash << 1n) | (left > right ? 1n : 0n);
    }
  }
  return hash;
}

/** Mean of each cell of a width x height grid over a region of the thumbnail, with fractional pixel coverage. */
function areaAverage(
  pixels: Uint8Array,
  side: number,
  [x0, y0, x1, y1]: readonly number[],
  width: number,
  height: number,
): Float64Array {
  const cells = new Float64Array(width * height);
  const [left, top, right, bottom] = [x0 ?? 0, y0 ?? 0, x1 ?? side, y1 ?? side];
  for (let row = 0; row < height; row++) {
    const ay = top + (row * (bottom - top)) / height;
    const by = top + ((row + 1) * (bottom - top)) / height;
    for (let column = 0; column < width; column++) {
      const ax = left + (column * (right - left)) / width;
      const bx = left + ((column + 1) * (right - left)) / width;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(ay); y < Math.ceil(by); y++) {
        const coverY = Math.min(by, y + 1) - Math.max(ay, y);
        for (let x = Math.floor(ax); x < Math.ceil(bx); x++) {
          const cover = (Math.min(bx, x + 1) - Math.max(ax, x)) * coverY;
          sum += (pixels[Math.min(side - 1, y) * side + Math.min(side - 1, x)] ?? 0) * cover;
          area += cover;
        }
      }
      cells[row * width + column] = area > 0 ? sum / area : 0;
    }
  }
  return cells;
}

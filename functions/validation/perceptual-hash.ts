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

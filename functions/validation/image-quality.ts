/**
 * A 0-100 estimate of how good a photo is to train on, from the analysis-sized decode: mostly sharpness
 * (standard deviation of the Laplacian), some exposure. Only used to rank photos of the same subject
 * (which of two near duplicates to keep, which photos to keep over the limit), so it is relative, not absolute.
 */
export function qualityScore(laplacianSharpness: number, meanBrightness: number): number {
  // Saturates: past ~6 (a crisp 1024 px photo) more edge energy is noise or texture, not a better photo.
  const sharpness = 100 * (1 - Math.exp(-Math.max(0, laplacianSharpness) / 3));
  const exposure = 100 * (1 - Math.min(1, Math.abs(meanBrightness - 128) / 128));
  return Math.round((0.75 * sharpness + 0.25 * exposure) * 10) / 10;
}

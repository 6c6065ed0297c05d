/** Where a training set lives in the bucket: one folder per image set, so a new set never overwrites an old one. */
export function trainingSetPrefix(trainingPrefix: string, subjectId: string, imageSetId: string): string {
  return `${trainingPrefix}${subjectId}/${imageSetId}/`;
}

/** 01.jpg, 02.jpg...: the order of the usable photos, stable across retries. */
export function trainingImageKey(setPrefix: string, index: number): string {
  return `${setPrefix}images/${String(index + 1).padStart(2, '0')}.jpg`;
}

export function manifestKey(setPrefix: string): string {
  return `${setPrefix}manifest.json`;
}

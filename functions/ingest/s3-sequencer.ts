/**
 * S3's `sequencer` orders events on the same key. Values can differ in length; the S3 user guide says to
 * pad the shorter one with zeros on the right and then compare them as strings.
 */
export function isLaterSequencer(candidate: string, current: string | undefined): boolean {
  if (current === undefined) return true;
  const width = Math.max(candidate.length, current.length);
  return candidate.toUpperCase().padEnd(width, '0') > current.toUpperCase().padEnd(width, '0');
}

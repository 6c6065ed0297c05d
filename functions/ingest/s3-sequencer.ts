/**
 * S3's `sequencer` orders events on the same key. Values can differ in length; the S3 user guide says to
 * pad the shorter one with zeros on the right and then compare them as strings.
 */
export function isLaterSequencer(candidate: string, current: string | undefined): boolean {
  if (current === undefined) return true;
  const width = Math.max(candidate.length, current.length);
  return candidate.toUpperCase().padEnd(width, '0') > current.toUpperCase().padEnd(width, '0');
}

/** Longer than any sequencer S3 sends (they are hex, about 16 to 20 characters). */
const SORTABLE_WIDTH = 32;

/**
 * A sequencer in a form that plain string comparison orders correctly (upper case, padded with zeros on the
 * right to a fixed width), for comparisons that DynamoDB makes in a condition expression.
 */
export function sortableSequencer(sequencer: string): string {
  return sequencer.toUpperCase().padEnd(SORTABLE_WIDTH, '0');
}

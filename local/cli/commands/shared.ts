/** Prints one line (or nothing, when quiet). */
export type Say = (line: string) => void;

/**
 * The subject an execution works for, for --verbose lines: a training execution is named after its subject and
 * image set (`<subject>-is-<hash>`), a generation execution after the event that started it.
 */
export function executionSubjects(
  execution: string,
  subjects: readonly string[],
  subjectByEventId: ReadonlyMap<string, string>,
): string | undefined {
  const training = subjects
    .filter((subjectId) => execution.startsWith(`${subjectId.replace(/[^A-Za-z0-9_-]/g, '_')}-is-`))
    .sort((a, b) => b.length - a.length)[0];
  if (training) return training;
  for (const [eventId, subjectId] of subjectByEventId) if (execution.endsWith(eventId)) return subjectId;
  return undefined;
}

import type { SubjectRef } from '../../events/identifiers.js';
import { isOwnedKey, subjectFolder } from './bucket-layout.js';
import { OwnershipError } from './errors.js';

/**
 * Re-checks that every key a task was given lies in the subject's own folder under `prefix` (`subjects/...` for
 * photos, or a derived prefix such as `training/`), so no input can make a task read or write another subject's,
 * or another tenant's, objects.
 * @throws OwnershipError naming the first key that is not the subject's
 */
export function assertOwnedKeys(
  ref: SubjectRef,
  keys: Iterable<string>,
  where: { task: string; prefix?: string },
): void {
  for (const key of keys) {
    const owned = where.prefix ? isOwnedKey(ref, key, where.prefix) : key.startsWith(subjectFolder(ref));
    if (!owned) {
      const expected = where.prefix ? `${where.prefix}${ref.tenantId}/${ref.subjectId}/` : subjectFolder(ref);
      throw new OwnershipError(
        `${where.task} was given "${key}", which is not an object of ${ref.tenantId}/${ref.subjectId} (expected a key under ${expected}); nothing was read or written`,
      );
    }
  }
}

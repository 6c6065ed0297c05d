import { SUBJECT_ID_PATTERN, SUBJECT_ID_RULE } from '../../events/identifiers.js';
import { SETTINGS_FILE, SUBJECTS_PREFIX } from '../platform/bucket-layout.js';

/**
 * What an object dropped under `subjects/` is. Browsers, Finder and Explorer add files nobody meant to
 * upload; those are recognised here so they are never counted as photos.
 */
export type ObjectKind =
  | { kind: 'photo'; subjectId: string; fileName: string }
  | { kind: 'settings'; subjectId: string }
  | { kind: 'junk'; subjectId: string; fileName: string; why: string }
  | { kind: 'outside'; why: string };

const JUNK_FILES: Record<string, string> = {
  '.ds_store': 'macOS Finder metadata',
  'thumbs.db': 'Windows thumbnail cache',
  'desktop.ini': 'Windows folder settings',
  '.localized': 'macOS folder name file',
  'icon\r': 'macOS folder icon',
};

export function classifyObjectKey(key: string): ObjectKind {
  if (!key.startsWith(SUBJECTS_PREFIX)) {
    return { kind: 'outside', why: `"${key}" is not under ${SUBJECTS_PREFIX}` };
  }
  const [subjectId, ...rest] = key.slice(SUBJECTS_PREFIX.length).split('/');
  if (!subjectId || rest.length === 0 || rest.at(-1) === '') {
    return { kind: 'outside', why: `"${key}" is a folder marker, not a file in a subject folder` };
  }
  if (!SUBJECT_ID_PATTERN.test(subjectId)) {
    return {
      kind: 'outside',
      why: `Folder name "${subjectId}" is not a valid subject id: use ${SUBJECT_ID_RULE}`,
    };
  }
  const fileName = rest.join('/');
  const baseName = rest.at(-1) ?? '';
  if (rest.length === 1 && baseName === SETTINGS_FILE) return { kind: 'settings', subjectId };
  if (rest.some((part) => part === '__MACOSX')) {
    return { kind: 'junk', subjectId, fileName, why: 'macOS archive metadata (__MACOSX)' };
  }
  if (baseName.startsWith('._')) {
    return { kind: 'junk', subjectId, fileName, why: 'macOS resource fork (._ file)' };
  }
  const known = JUNK_FILES[baseName.toLowerCase()];
  if (known) return { kind: 'junk', subjectId, fileName, why: known };
  return { kind: 'photo', subjectId, fileName };
}

import { createHash } from 'node:crypto';
import {
  DEFAULT_TENANT_ID,
  SUBJECT_ID_PATTERN,
  SUBJECT_ID_RULE,
  TENANT_ID_PATTERN,
  TENANT_ID_RULE,
} from '../../events/identifiers.js';
import { SETTINGS_FILE, SUBJECTS_PREFIX, TENANTS_PREFIX } from '../platform/bucket-layout.js';

/**
 * What an object dropped under `subjects/` is. Browsers, Finder and Explorer add files nobody meant to
 * upload; those are recognised here so they are never counted as photos. `path` is the object's path inside its
 * subject folder (`holiday/photo.jpg`): messages name files by it, since two subfolders may hold the same name.
 */
export type ObjectKind =
  | { kind: 'photo'; tenantId: string; subjectId: string; path: string }
  | { kind: 'settings'; tenantId: string; subjectId: string; path: string }
  | { kind: 'junk'; tenantId: string; subjectId: string; path: string; why: string }
  | { kind: 'invalid-folder'; tenantId: string; folder: string; why: string; suggestedSubjectId: string }
  | { kind: 'outside'; why: string };

const JUNK_FILES: Record<string, string> = {
  '.ds_store': 'macOS Finder metadata',
  'thumbs.db': 'Windows thumbnail cache',
  'desktop.ini': 'Windows folder settings',
  '.localized': 'macOS folder name file',
  'icon\r': 'macOS folder icon',
};

/**
 * `subjects/<id>/...` is the default tenant's folder drop; `tenants/<tenantId>/subjects/<id>/...` a tenant's (where
 * the HTTP API's uploads go). Anything else is outside the pipeline.
 */
function splitTenant(key: string): { tenantId: string; dropPrefix: string; rest: string } | undefined {
  if (key.startsWith(SUBJECTS_PREFIX)) {
    return {
      tenantId: DEFAULT_TENANT_ID,
      dropPrefix: SUBJECTS_PREFIX,
      rest: key.slice(SUBJECTS_PREFIX.length),
    };
  }
  if (!key.startsWith(TENANTS_PREFIX)) return undefined;
  const [tenantId, subjects, ...rest] = key.slice(TENANTS_PREFIX.length).split('/');
  // The default tenant's folders are subjects/<id>/ only: one subject never has two folders.
  if (!tenantId || tenantId === DEFAULT_TENANT_ID || !TENANT_ID_PATTERN.test(tenantId)) return undefined;
  if (`${subjects}/` !== SUBJECTS_PREFIX) return undefined;
  return {
    tenantId,
    dropPrefix: `${TENANTS_PREFIX}${tenantId}/${SUBJECTS_PREFIX}`,
    rest: rest.join('/'),
  };
}

export function classifyObjectKey(key: string): ObjectKind {
  const tenant = splitTenant(key);
  if (!tenant) {
    return {
      kind: 'outside',
      why: `"${key}" is not under ${SUBJECTS_PREFIX}<subjectId>/ or ${TENANTS_PREFIX}<tenantId>/${SUBJECTS_PREFIX}<subjectId>/ (a tenant id is ${TENANT_ID_RULE}; the ${DEFAULT_TENANT_ID} tenant's folders are under ${SUBJECTS_PREFIX})`,
    };
  }
  const { tenantId, dropPrefix } = tenant;
  const [folder, ...rest] = tenant.rest.split('/');
  if (!folder || rest.length === 0 || rest.at(-1) === '') {
    return { kind: 'outside', why: `"${key}" is a folder marker, not a file in a subject folder` };
  }
  if (!SUBJECT_ID_PATTERN.test(folder)) {
    const suggestedSubjectId = suggestSubjectId(folder);
    return {
      kind: 'invalid-folder',
      tenantId,
      folder,
      suggestedSubjectId,
      why: `Folder name "${folder}" is not a valid subject id: use ${SUBJECT_ID_RULE}, for example "${suggestedSubjectId}"`,
    };
  }
  const subjectId = folder;
  const path = rest.join('/');
  const baseName = rest.at(-1) ?? '';
  // Finder and Explorer keep the case a person typed: Subject.JSON is still the settings file.
  if (baseName.toLowerCase() === SETTINGS_FILE) {
    if (rest.length === 1) return { kind: 'settings', tenantId, subjectId, path };
    return {
      kind: 'junk',
      tenantId,
      subjectId,
      path,
      why: `a settings file inside a subfolder is not read: move it to ${dropPrefix}${subjectId}/${SETTINGS_FILE} (the top of the subject folder)`,
    };
  }
  if (rest.some((part) => part === '__MACOSX')) {
    return { kind: 'junk', tenantId, subjectId, path, why: 'macOS archive metadata (__MACOSX)' };
  }
  if (baseName.startsWith('._')) {
    return { kind: 'junk', tenantId, subjectId, path, why: 'macOS resource fork (._ file)' };
  }
  const known = JUNK_FILES[baseName.toLowerCase()];
  if (known) return { kind: 'junk', tenantId, subjectId, path, why: known };
  return { kind: 'photo', tenantId, subjectId, path };
}

/**
 * A valid subject id close to a folder name a person typed: accents dropped ("Zoë" -> "Zoe"), spaces and other
 * characters turned into "-", leading punctuation removed, cut to 64. A name with nothing usable left gets a
 * stable id from its hash, so the same folder always gets the same suggestion.
 */
export function suggestSubjectId(folder: string): string {
  const ascii = folder.normalize('NFKD').replace(/\p{M}/gu, '');
  const cleaned = ascii
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  if (SUBJECT_ID_PATTERN.test(cleaned)) return cleaned;
  return `subject-${createHash('sha256').update(folder).digest('hex').slice(0, 8)}`;
}

import * as z from 'zod';

/**
 * The identifiers every event, key and request carries, declared once. The Python training host reads the same
 * patterns from `sagemaker/training/src/avatar_training/identifiers.json`, generated from here by
 * `npm run events:schemas` (a test fails when it drifts).
 */

/** A subject id is the folder name under `subjects/`: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit. */
export const SUBJECT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const SUBJECT_ID_RULE =
  '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (no spaces or accents)';

/** Content hash of a sealed set of photos. */
export const IMAGE_SET_ID_PATTERN = /^is-[a-f0-9]{16}$/;

/** A model version: the training's content hash (`v-` and 12 hex digits), under the same rule as a subject id. */
export const MODEL_VERSION_PATTERN = SUBJECT_ID_PATTERN;

export const SubjectId = z
  .string()
  .regex(SUBJECT_ID_PATTERN, SUBJECT_ID_RULE)
  .describe('Folder name under subjects/ in the ingest bucket');

export const ImageSetId = z
  .string()
  .regex(IMAGE_SET_ID_PATTERN)
  .describe('Content hash of the sealed set of photos: the same photos always give the same id');

/** What the Python side reads: the same patterns, as JSON strings (Python's `re` reads them unchanged). */
export function identifiersDocument() {
  return {
    $comment: 'Generated from events/identifiers.ts by `npm run events:schemas`; do not edit.',
    subjectId: SUBJECT_ID_PATTERN.source,
    imageSetId: IMAGE_SET_ID_PATTERN.source,
    modelVersion: MODEL_VERSION_PATTERN.source,
  };
}

/**
 * A tenant owns subjects, models, requests and webhook endpoints; nothing a caller sends can name another tenant's.
 * 1-32 lower-case letters, digits or "-", starting and ending with a letter or digit.
 */
// No "--": execution names join tenant and subject with "--", so the first one always ends the tenant id.
export const TENANT_ID_PATTERN = /^(?=.{1,32}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const TENANT_ID_RULE =
  '1-32 lower-case letters, digits or single "-" between them (no "--", no "-" at either end)';

/** The tenant of a single-team deployment: folders dropped under `subjects/` belong to it. */
export const DEFAULT_TENANT_ID = 'default';

export const TenantId = z
  .string()
  .regex(TENANT_ID_PATTERN, TENANT_ID_RULE)
  .describe("The tenant that owns the subject (default: the deployment's own, for folders under subjects/)");

/** A subject of a tenant: subject ids are unique within a tenant, so the pair names a subject. */
export interface SubjectRef {
  readonly tenantId: string;
  readonly subjectId: string;
}

/**
 * The layout of the ingest bucket, declared once: infra grants per prefix from these constants, the functions
 * build their keys with these helpers, and the local runtime's folder has the same layout. A key always uses `/`
 * and never starts with one; below each top-level prefix every per-subject folder starts with `<tenantId>/<subjectId>/`,
 * so a grant, a lifecycle rule or an erasure can name one tenant's, or one subject's, objects by prefix.
 */

import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';

/** Where a single-team deployment's people drop photos: `subjects/<subjectId>/...` (the default tenant). */
export const SUBJECTS_PREFIX = 'subjects/';
/** Where a tenant's subjects live (the HTTP API's presigned uploads): `tenants/<tenantId>/subjects/<subjectId>/...`. */
export const TENANTS_PREFIX = 'tenants/';
/** The optional settings file at the top of a subject folder. */
export const SETTINGS_FILE = 'subject.json';
/** Crops, manifests and training requests: `training/<tenantId>/<subjectId>/<imageSetId>/...`. */
export const TRAINING_PREFIX = 'training/';
/** Trained LoRA adapter packages, written by the training endpoint: `adapters/<tenantId>/<subjectId>/<version>/model.tar.gz`. */
export const ADAPTERS_PREFIX = 'adapters/';
/**
 * The multi-model endpoint's `ModelDataUrl`: `models/<tenantId>/<subjectId>/<version>.tar.gz` is a servable model, and
 * putting one there is all it takes to add it (no endpoint update).
 */
export const MODELS_PREFIX = 'models/';
/** Where SageMaker asynchronous inference writes results (`output/`) and errors (`failures/`). */
export const ASYNC_INFERENCE_PREFIX = 'async-inference/';
export const ASYNC_OUTPUT_PREFIX = `${ASYNC_INFERENCE_PREFIX}output/`;
export const ASYNC_FAILURE_PREFIX = `${ASYNC_INFERENCE_PREFIX}failures/`;
/** Avatars that passed image moderation: `avatars/<tenantId>/<subjectId>/<modelVersion>/<requestId>/...`. */
export const AVATARS_PREFIX = 'avatars/';
/** Images moderation blocked, never linked to anyone: `quarantine/<tenantId>/<subjectId>/<requestId>/...`. */
export const QUARANTINE_PREFIX = 'quarantine/';

/** The folder a subject's photos are dropped into (the default tenant's keeps the short `subjects/<id>/`). */
export function subjectFolder(ref: SubjectRef): string {
  return ref.tenantId === DEFAULT_TENANT_ID
    ? `${SUBJECTS_PREFIX}${ref.subjectId}/`
    : `${TENANTS_PREFIX}${ref.tenantId}/${SUBJECTS_PREFIX}${ref.subjectId}/`;
}

/** `<tenantId>/<subjectId>/`: what follows every derived prefix (training, adapters, models, avatars, quarantine). */
export function subjectScope(ref: SubjectRef): string {
  return `${ref.tenantId}/${ref.subjectId}/`;
}

/**
 * How messages name a photo: its path inside its subject folder (`subjects/ana/a/photo.jpg` and
 * `tenants/acme/subjects/ana/a/photo.jpg` -> `a/photo.jpg`), so two `photo.jpg` in different subfolders are never
 * confused. A key outside a subject folder is returned as is.
 */
export function pathInSubjectFolder(key: string): string {
  const segments = key.split('/');
  const folderDepth = key.startsWith(SUBJECTS_PREFIX) ? 2 : key.startsWith(TENANTS_PREFIX) ? 4 : 0;
  if (folderDepth === 0 || segments.length <= folderDepth) return key;
  return segments.slice(folderDepth).join('/');
}

/** A training set's folder: one per image set, so a new set never overwrites an old one. */
export function trainingSetPrefix(
  ref: SubjectRef,
  imageSetId: string,
  trainingPrefix = TRAINING_PREFIX,
): string {
  return `${trainingPrefix}${subjectScope(ref)}${imageSetId}/`;
}

/** 01.jpg, 02.jpg...: the order of the usable photos, stable across retries. */
export function trainingImageKey(setPrefix: string, index: number): string {
  return `${setPrefix}images/${String(index + 1).padStart(2, '0')}.jpg`;
}

export function manifestKey(setPrefix: string): string {
  return `${setPrefix}manifest.json`;
}

/** The training request the async endpoint reads (its `InputLocation`). */
export function trainingRequestKey(ref: SubjectRef, imageSetId: string, modelVersion: string): string {
  return `${trainingSetPrefix(ref, imageSetId)}requests/${modelVersion}.json`;
}

/** Where the training endpoint writes the adapter package of one model version. */
export function adapterKey(ref: SubjectRef, modelVersion: string): string {
  return `${ADAPTERS_PREFIX}${subjectScope(ref)}${modelVersion}/model.tar.gz`;
}

/** The multi-model endpoint's `TargetModel` of one model version: a path relative to `ModelDataUrl`. */
export function targetModelOf(ref: SubjectRef, modelVersion: string): string {
  return `${subjectScope(ref)}${modelVersion}.tar.gz`;
}

/** A delivered avatar: `avatars/<tenantId>/<subjectId>/<modelVersion>/<requestId>/<promptId>-<imageIndex>.png`. */
export function avatarKey(
  target: SubjectRef & { modelVersion: string; requestId: string },
  image: { promptId: string; imageIndex: number },
): string {
  return `${AVATARS_PREFIX}${subjectScope(target)}${target.modelVersion}/${target.requestId}/${image.promptId}-${image.imageIndex}.png`;
}

/** A blocked image, kept for review: `quarantine/<tenantId>/<subjectId>/<requestId>/<promptId>-<imageIndex>-<attempt>.png`. */
export function quarantineKey(
  target: SubjectRef & { requestId: string },
  image: { promptId: string; imageIndex: number },
  attempt: number,
): string {
  return `${QUARANTINE_PREFIX}${subjectScope(target)}${target.requestId}/${image.promptId}-${image.imageIndex}-${attempt}.png`;
}

/** Whether `key` lies under `prefix` followed by the subject's scope: a key a task was given, owned by its subject. */
export function isOwnedKey(ref: SubjectRef, key: string, prefix: string): boolean {
  return key.startsWith(`${prefix}${subjectScope(ref)}`);
}

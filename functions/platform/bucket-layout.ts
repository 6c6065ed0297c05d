/**
 * The layout of the ingest bucket, declared once: infra grants per prefix from these constants, the functions
 * build their keys with these helpers, and the local runtime's folder has the same layout. A key always uses `/`
 * and never starts with one; every per-subject folder starts with the subject id, so a grant, a lifecycle rule or
 * an erasure can name one subject's objects by prefix.
 */

/** Where people (and the HTTP API's presigned uploads) drop photos: `subjects/<subjectId>/...`. */
export const SUBJECTS_PREFIX = 'subjects/';
/** The optional settings file at the top of a subject folder. */
export const SETTINGS_FILE = 'subject.json';
/** Crops, manifests and training requests: `training/<subjectId>/<imageSetId>/...`. */
export const TRAINING_PREFIX = 'training/';
/** Trained LoRA adapter packages, written by the training endpoint: `adapters/<subjectId>/<version>/model.tar.gz`. */
export const ADAPTERS_PREFIX = 'adapters/';
/**
 * The multi-model endpoint's `ModelDataUrl`: `models/<subjectId>/<version>.tar.gz` is a servable model, and
 * putting one there is all it takes to add it (no endpoint update).
 */
export const MODELS_PREFIX = 'models/';
/** Where SageMaker asynchronous inference writes results (`output/`) and errors (`failures/`). */
export const ASYNC_INFERENCE_PREFIX = 'async-inference/';
export const ASYNC_OUTPUT_PREFIX = `${ASYNC_INFERENCE_PREFIX}output/`;
export const ASYNC_FAILURE_PREFIX = `${ASYNC_INFERENCE_PREFIX}failures/`;
/** Avatars that passed image moderation: `avatars/<subjectId>/<modelVersion>/<requestId>/...`. */
export const AVATARS_PREFIX = 'avatars/';
/** Images moderation blocked, never linked to anyone: `quarantine/<subjectId>/<requestId>/...`. */
export const QUARANTINE_PREFIX = 'quarantine/';

/**
 * How messages name a photo: its path inside its subject folder (`subjects/ana/a/photo.jpg` -> `a/photo.jpg`),
 * so two `photo.jpg` in different subfolders are never confused. A key outside `subjects/` is returned as is.
 */
export function pathInSubjectFolder(key: string): string {
  if (!key.startsWith(SUBJECTS_PREFIX)) return key;
  const rest = key.slice(SUBJECTS_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest : rest.slice(slash + 1);
}

/** A training set's folder: one per image set, so a new set never overwrites an old one. */
export function trainingSetPrefix(subjectId: string, imageSetId: string, trainingPrefix = TRAINING_PREFIX) {
  return `${trainingPrefix}${subjectId}/${imageSetId}/`;
}

/** 01.jpg, 02.jpg...: the order of the usable photos, stable across retries. */
export function trainingImageKey(setPrefix: string, index: number): string {
  return `${setPrefix}images/${String(index + 1).padStart(2, '0')}.jpg`;
}

export function manifestKey(setPrefix: string): string {
  return `${setPrefix}manifest.json`;
}

/** The training request the async endpoint reads (its `InputLocation`). */
export function trainingRequestKey(subjectId: string, imageSetId: string, modelVersion: string): string {
  return `${trainingSetPrefix(subjectId, imageSetId)}requests/${modelVersion}.json`;
}

/** Where the training endpoint writes the adapter package of one model version. */
export function adapterKey(subjectId: string, modelVersion: string): string {
  return `${ADAPTERS_PREFIX}${subjectId}/${modelVersion}/model.tar.gz`;
}

/** The multi-model endpoint's `TargetModel` of one model version: a path relative to `ModelDataUrl`. */
export function targetModelOf(subjectId: string, modelVersion: string): string {
  return `${subjectId}/${modelVersion}.tar.gz`;
}

/** A delivered avatar: `avatars/<subjectId>/<modelVersion>/<requestId>/<promptId>-<imageIndex>.png`. */
export function avatarKey(
  target: { subjectId: string; modelVersion: string; requestId: string },
  image: { promptId: string; imageIndex: number },
): string {
  return `${AVATARS_PREFIX}${target.subjectId}/${target.modelVersion}/${target.requestId}/${image.promptId}-${image.imageIndex}.png`;
}

/** A blocked image, kept for review: `quarantine/<subjectId>/<requestId>/<promptId>-<imageIndex>-<attempt>.png`. */
export function quarantineKey(
  target: { subjectId: string; requestId: string },
  image: { promptId: string; imageIndex: number },
  attempt: number,
): string {
  return `${QUARANTINE_PREFIX}${target.subjectId}/${target.requestId}/${image.promptId}-${image.imageIndex}-${attempt}.png`;
}

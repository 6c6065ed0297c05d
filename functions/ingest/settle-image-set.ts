import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';
import type { ChecksPerformedBy } from '../../events/photo-verdicts.js';
import { SubjectReceived, type SubjectRejected } from '../../events/pipeline-events.js';
import { modeField } from '../../events/run-mode.js';
import { SubjectSettings } from '../../events/subject-settings.js';
import type {
  RejectedFolder,
  SettleDecision,
  SettleImageSetInput,
  SettleReason,
} from '../../state-machines/training/contract.js';
import { SUBJECTS_PREFIX, subjectFolder, TENANTS_PREFIX } from '../platform/bucket-layout.js';
import { imageSetIdOf, rejectedFolderImageSetId, rejectedFolderSubjectId } from './image-set.js';
import type { SealingPolicy } from './sealing-policy.js';
import type { SubjectLedger, SubjectRecord } from './subject-ledger.js';

export interface SettleDeps {
  ledger: SubjectLedger;
  policy: SealingPolicy;
  now: () => number;
  /** Named in a folder rejection, which analyses nothing (Subject Rejected always says who checked). */
  checks: ChecksPerformedBy;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * SettleImageSet, the first state of every training execution: decides whether the subject's folder drop is
 * over. A browser uploads a folder in parallel and in no order, so nothing seals on arrival: the execution waits
 * (a Wait state, cheap and exact) and seals when a whole wait passed with no new object, or at once when every
 * photo subject.json names (or counts) has arrived. How long it waits depends on what the folder holds:
 *
 *   - subject.json names its photos: until the last of them arrives (polled every few seconds; see awaitNamedPhotos)
 *   - subject.json present and enough photos: the settle period (seconds)
 *   - enough photos, no subject.json: the quiet period
 *   - too few photos: the incomplete timeout, so a slow upload is not rejected half-way; the person then hears
 *     what is missing
 *
 * The seal is a conditional write on the folder's activity count as read, so a photo that arrives during the
 * decision sends the execution back to waiting instead of sealing a set without it.
 */
export async function settleImageSet(input: SettleImageSetInput, deps: SettleDeps): Promise<SettleDecision> {
  if (input.rejectedFolder)
    return { decision: 'rejected', rejected: folderRejection(input.rejectedFolder, deps) };
  const { tenantId, subjectId, generation } = input;
  if (!subjectId || !generation) {
    throw new Error(
      'SettleImageSet needs subjectId and generation (or rejectedFolder) in the execution input',
    );
  }
  const ref = { tenantId, subjectId };
  const subject = await deps.ledger.getSubject(ref);
  if (!subject || subject.generation !== generation) {
    deps.log('Execution of an older generation: nothing to settle', { tenantId, subjectId, generation });
    return { decision: 'stale' };
  }
  if (subject.status !== 'open') {
    // Sealed by this execution before (a retried task): the set it sealed, again.
    return {
      decision: 'sealed',
      received: await received(subject, subject.sealedBy as SettleSealedBy, deps),
    };
  }
  const photos = await deps.ledger.listPhotos(ref);
  const settings = settingsOf(subject);
  if (namedSetComplete(ref, settings, photos)) return seal(subject, 'photo-list-complete', deps);
  if (settings.photos) return awaitNamedPhotos(subject, deps);
  const previous = input.settle;
  if (previous?.decision === 'wait' && previous.seenActivity === subject.activity && previous.reason) {
    return seal(subject, previous.reason as SettleReason, deps);
  }
  const reason: SettleReason =
    photos.length < deps.policy.minPhotos
      ? 'incomplete-timeout'
      : subject.settingsEtag
        ? 'subject-json'
        : 'quiet-period';
  return wait(subject.activity, reason, deps.policy);
}

type SettleSealedBy = SubjectReceived['sealedBy'];

/**
 * A subject.json that names its photos (the HTTP API writes one) says when the drop is over: a quiet folder is not
 * done, so no settle or quiet period seals it; it polls every `photoListPollSeconds` and seals the moment the last
 * named photo is there. Only a list that stops arriving for the whole incomplete timeout is sealed as it is, so the
 * person hears which photos never came.
 */
async function awaitNamedPhotos(subject: SubjectRecord, deps: SettleDeps): Promise<SettleDecision> {
  if (deps.now() - subject.lastActivityAt >= deps.policy.incompleteTimeoutSeconds * 1000) {
    return seal(subject, 'incomplete-timeout', deps);
  }
  return {
    decision: 'wait',
    waitSeconds: deps.policy.photoListPollSeconds,
    seenActivity: subject.activity,
    reason: 'subject-json',
  };
}

function wait(seenActivity: number, reason: SettleReason, policy: SealingPolicy): SettleDecision {
  const waitSeconds = {
    'subject-json': policy.settlePeriodSeconds,
    'quiet-period': policy.quietPeriodSeconds,
    'incomplete-timeout': policy.incompleteTimeoutSeconds,
  }[reason];
  return { decision: 'wait', waitSeconds, seenActivity, reason };
}

async function seal(
  subject: SubjectRecord,
  sealedBy: SettleSealedBy,
  deps: SettleDeps,
): Promise<SettleDecision> {
  const photos = await deps.ledger.listPhotos(subject);
  const imageSetId = imageSetIdOf(photos, subject.settingsEtag);
  const sealed = await deps.ledger.markSealed(subject, { imageSetId, sealedBy }, deps.now());
  if (!sealed) {
    // An object arrived between our read and the seal: wait again, from its activity on.
    deps.log('Folder changed while sealing; waiting again', { subjectId: subject.subjectId });
    return wait(-1, sealedBy === 'photo-list-complete' ? 'subject-json' : sealedBy, deps.policy);
  }
  const record = { ...subject, imageSetId, sealedBy, status: 'sealed' as const };
  deps.log('Image set sealed', { subjectId: subject.subjectId, imageSetId, sealedBy, photos: photos.length });
  return { decision: 'sealed', received: await received(record, sealedBy, deps) };
}

async function received(subject: SubjectRecord, sealedBy: SettleSealedBy, deps: SettleDeps) {
  const [photos, ignored] = await Promise.all([
    deps.ledger.listPhotos(subject),
    deps.ledger.listIgnoredFiles(subject),
  ]);
  const settings = settingsOf(subject);
  return SubjectReceived.parse({
    version: 1,
    tenantId: subject.tenantId,
    ...modeField(settings.mode),
    subjectId: subject.subjectId,
    imageSetId: subject.imageSetId ?? imageSetIdOf(photos, subject.settingsEtag),
    sealedBy,
    photos,
    ignoredFiles: ignored.map((file) => file.key),
    ignoredFileReasons: ignored.map((file) => ({ key: file.key, reason: file.why })),
    settings,
    ...(subject.settingsProblem ? { settingsProblem: subject.settingsProblem } : {}),
    ...(subject.supersededImageSetId ? { supersedes: subject.supersededImageSetId } : {}),
  });
}

/** Every photo subject.json names is here (or as many as it counts): the drop is known to be complete. */
function namedSetComplete(ref: SubjectRef, settings: SubjectSettings, photos: { key: string }[]): boolean {
  if (settings.photos) {
    const present = new Set(photos.map((photo) => photo.key));
    return settings.photos.every((path) => present.has(`${subjectFolder(ref)}${path}`));
  }
  return settings.photoCount !== undefined && photos.length >= settings.photoCount;
}

/** A subject.json that failed its checks is reported by the workflow; the set uses the defaults meanwhile. */
function settingsOf(subject: SubjectRecord): SubjectSettings {
  if (subject.settingsJson && !subject.settingsProblem) {
    return SubjectSettings.parse(JSON.parse(subject.settingsJson));
  }
  return SubjectSettings.parse({});
}

function folderRejection(folder: RejectedFolder, deps: SettleDeps): SubjectRejected {
  const dropped =
    folder.tenantId === DEFAULT_TENANT_ID
      ? SUBJECTS_PREFIX
      : `${TENANTS_PREFIX}${folder.tenantId}/${SUBJECTS_PREFIX}`;
  return {
    version: 1,
    tenantId: folder.tenantId,
    subjectId: rejectedFolderSubjectId(folder.folder),
    imageSetId: rejectedFolderImageSetId(folder.folder),
    folder: folder.folder,
    suggestedSubjectId: folder.suggestedSubjectId,
    reason: `${folder.reason}. Nothing in ${dropped}${folder.folder}/ was read.`,
    advice: `Upload the folder again as ${dropped}${folder.suggestedSubjectId}/ (or another name that follows the rule); the photos under the old name are never used.`,
    usablePhotoCount: 0,
    requiredPhotoCount: deps.policy.minPhotos,
    photosExcluded: [],
    checks: { ...deps.checks, note: 'No photo was analysed: the folder name is not a valid subject id.' },
  };
}

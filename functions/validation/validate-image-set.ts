import type { ChecksPerformedBy, ExcludedPhoto, UsedPhoto } from '../../events/photo-verdicts.js';
import { modeField } from '../../events/run-mode.js';
import type {
  FaceBox,
  UsablePhoto,
  ValidateImagesInput,
  ValidateImagesOutput,
} from '../../state-machines/training/contract.js';
import { pathInSubjectFolder } from '../platform/bucket-layout.js';
import type { ObjectStore } from '../platform/object-store.js';
import { assertOwnedKeys } from '../platform/ownership.js';
import { mapWithConcurrency } from './bounded-concurrency.js';
import type { ContentModerator } from './content-moderation.js';
import { deduplicate } from './deduplicate.js';
import type { FaceAnalyzer } from './face-analysis.js';
import type { FaceComparer } from './face-comparison.js';
import { judgeFaces } from './face-rules.js';
import { type InspectedPhoto, inspectPhoto } from './inspect-photo.js';
import { judgeModeration } from './moderation-rules.js';
import { isSameShot } from './perceptual-hash.js';
import { type PhotoProblem, photoProblem } from './photo-problems.js';
import { keepBest } from './set-limits.js';
import type { ValidationPolicy } from './validation-policy.js';

export interface ValidateImagesDependencies {
  store: ObjectStore;
  faceAnalyzer: FaceAnalyzer;
  /**
   * Is it the same person? The task always gives one (Rekognition CompareFaces, or the local stand-in); without
   * one the check is not made, and `checks` does not claim it.
   */
  faceComparer?: FaceComparer;
  moderator: ContentModerator;
  policy: ValidationPolicy;
}

interface JudgedPhoto extends InspectedPhoto {
  faceBox: FaceBox;
}

/**
 * ValidateImages: judges every photo, then the set. Paid services are called last and only for photos that
 * survived the free checks and deduplication. Throws FaceAnalysisUnavailableError when Rekognition is
 * throttled or failing, so the state machine retries instead of rejecting good photos.
 */
export async function validateImageSet(
  input: ValidateImagesInput,
  deps: ValidateImagesDependencies,
): Promise<ValidateImagesOutput> {
  const { policy } = deps;
  assertOwnedKeys(
    input,
    input.photos.map((photo) => photo.key),
    { task: 'ValidateImages' },
  );
  const excluded = new Map<string, ExcludedPhoto>();
  const exclude = (photo: { key: string; fileName: string }, problem: PhotoProblem) =>
    excluded.set(photo.key, {
      key: photo.key,
      fileName: photo.fileName,
      path: pathInSubjectFolder(photo.key),
      ...problem,
    });

  // Settings that can never be served (checked at ingest: schema, styles, image caps) are refused before a single
  // photo is analysed: no Rekognition call, no GPU time, for a subject that would be refused later anyway.
  if (input.settingsProblem) {
    const checks = checksPerformedBy(deps.faceAnalyzer, deps.moderator, deps.faceComparer);
    return {
      outcome: 'rejected',
      rejected: {
        version: 1,
        tenantId: input.tenantId,
        ...modeField(input.mode),
        subjectId: input.subjectId,
        imageSetId: input.imageSetId,
        reason: input.settingsProblem,
        advice:
          'Fix subject.json (its schema is events/schemas/subject-json.schema.json) or delete it to use the defaults, ' +
          'then upload it again. The photos were not checked yet: they are once the settings can be used.',
        usablePhotoCount: 0,
        requiredPhotoCount: policy.minPhotos,
        photosExcluded: [],
        checks: {
          ...checks,
          note: [checks.note, 'No photo was analysed: the settings were refused first.']
            .filter(Boolean)
            .join(' '),
        },
      },
    };
  }

  const inspections = await mapWithConcurrency(input.photos, policy.concurrency, (ref) =>
    inspectPhoto(ref, deps.store, policy),
  );
  const inspected: InspectedPhoto[] = [];
  for (const inspection of inspections) {
    if (inspection.usable) inspected.push(inspection.photo);
    else exclude(inspection, inspection.problem);
  }

  const { kept: distinct, duplicates } = deduplicate(inspected, (a, b) =>
    isSameShot(a.signature, b.signature, policy.nearDuplicateDistances),
  );
  for (const { photo, problem } of duplicates) exclude(photo, problem);

  const verdicts = await mapWithConcurrency(distinct, policy.concurrency, async (photo) => {
    const [faces, labels] = await Promise.all([
      deps.faceAnalyzer.detectFaces(photo.analysis, { key: photo.key }),
      deps.moderator.detectUnsafeContent(photo.analysis, { key: photo.key }),
    ]);
    // Unsafe content outranks any face problem: it is the one the person must not miss.
    const unsafe = judgeModeration(pathInSubjectFolder(photo.key), labels, policy);
    if (unsafe) return { photo, problem: unsafe };
    const face = judgeFaces(pathInSubjectFolder(photo.key), faces, policy);
    if (!face.usable) return { photo, problem: face.problem };
    return { photo: { ...photo, faceBox: face.faceBox } satisfies JudgedPhoto };
  });
  const judged: JudgedPhoto[] = [];
  for (const verdict of verdicts) {
    if ('problem' in verdict && verdict.problem) exclude(verdict.photo, verdict.problem);
    else judged.push(verdict.photo as JudgedPhoto);
  }

  const samePerson = deps.faceComparer
    ? await judgeSamePerson(judged, deps.faceComparer, policy)
    : { kept: judged, different: [] };
  for (const { photo, problem } of samePerson.different) exclude(photo, problem);

  const { kept, overLimit } = keepBest(samePerson.kept, policy.maxPhotos);
  for (const { photo, problem } of overLimit) exclude(photo, problem);

  // Listed in the order the photos came in, so a person can walk the folder alongside the report.
  const photosExcluded = input.photos.flatMap((ref) => excluded.get(ref.key) ?? []);
  const checks = checksPerformedBy(deps.faceAnalyzer, deps.moderator, deps.faceComparer);
  const envelope = {
    version: 1 as const,
    tenantId: input.tenantId,
    ...modeField(input.mode),
    subjectId: input.subjectId,
    imageSetId: input.imageSetId,
  };

  if (kept.length < policy.minPhotos) {
    const missing = policy.minPhotos - kept.length;
    return {
      outcome: 'rejected',
      rejected: {
        ...envelope,
        reason: rejectionReason(
          input.subjectId,
          input.photos.length,
          kept.length,
          policy.minPhotos,
          photosExcluded,
        ),
        advice:
          `Add at least ${missing} more usable photo${missing === 1 ? '' : 's'} of ${input.subjectId} ` +
          `(${policy.minPhotos} to ${policy.maxPhotos} in all): the subject alone, face clearly visible and ` +
          'looking roughly at the camera, varied poses, expressions and backgrounds, JPEG/PNG/WebP of at least ' +
          `${policy.minSidePx} px per side. Fix or replace the photos listed in photosExcluded, then upload the folder again.`,
        usablePhotoCount: kept.length,
        requiredPhotoCount: policy.minPhotos,
        photosExcluded,
        checks,
      },
    };
  }

  return {
    outcome: 'accepted',
    usable: kept.map((photo): UsablePhoto => ({ key: photo.key, faceBox: photo.faceBox })),
    accepted: {
      ...envelope,
      photosUsed: kept.map(
        (photo): UsedPhoto => ({
          key: photo.key,
          fileName: photo.fileName,
          path: pathInSubjectFolder(photo.key),
          format: photo.format,
          width: photo.width,
          height: photo.height,
          qualityScore: photo.qualityScore,
          ...(photo.notes.length > 0 ? { notes: photo.notes } : {}),
        }),
      ),
      photosExcluded,
      checks,
    },
  };
}

/**
 * Is it the same person? Every usable photo's face is compared with a reference face, the set's best photo by
 * quality (ties by key): one call per other photo, made only for photos that passed every other check. A photo
 * below the policy's similarity is excluded as DIFFERENT_PERSON, naming its similarity and the reference. When
 * fewer than half the photos match the reference, the reference is the odd one out: the comparison is made once
 * more against the best of the others, and the larger group is the subject (at most 2 x (n - 1) calls).
 */
async function judgeSamePerson(
  judged: JudgedPhoto[],
  comparer: FaceComparer,
  policy: ValidationPolicy,
): Promise<{ kept: JudgedPhoto[]; different: { photo: JudgedPhoto; problem: PhotoProblem }[] }> {
  const bestFirst = [...judged].sort(
    (a, b) => b.qualityScore - a.qualityScore || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const first = bestFirst[0];
  if (!first || judged.length < 2) return { kept: judged, different: [] };
  let round = await compareWith(first, judged, comparer, policy);
  if (round.kept.length * 2 < judged.length) {
    const others = new Set(round.different.map(({ photo }) => photo));
    const second = bestFirst.find((photo) => others.has(photo));
    if (second) {
      const retry = await compareWith(second, judged, comparer, policy);
      if (retry.kept.length > round.kept.length) round = retry;
    }
  }
  return round;
}

async function compareWith(
  reference: JudgedPhoto,
  judged: JudgedPhoto[],
  comparer: FaceComparer,
  policy: ValidationPolicy,
): Promise<{ kept: JudgedPhoto[]; different: { photo: JudgedPhoto; problem: PhotoProblem }[] }> {
  const referencePath = pathInSubjectFolder(reference.key);
  const verdicts = await mapWithConcurrency(judged, policy.concurrency, async (photo) => {
    if (photo === reference) return { photo };
    const { similarity } = await comparer.compare(reference.analysis, photo.analysis, {
      reference: { key: reference.key },
      photo: { key: photo.key },
    });
    if (similarity >= policy.minSamePersonSimilarity) return { photo };
    const problem = photoProblem.differentPerson(
      pathInSubjectFolder(photo.key),
      similarity,
      referencePath,
      policy.minSamePersonSimilarity,
    );
    return { photo, problem };
  });
  return {
    kept: verdicts.filter((verdict) => !verdict.problem).map((verdict) => verdict.photo),
    different: verdicts.flatMap((verdict) =>
      verdict.problem ? [{ photo: verdict.photo, problem: verdict.problem }] : [],
    ),
  };
}

function checksPerformedBy(
  faceAnalyzer: FaceAnalyzer,
  moderator: ContentModerator,
  faceComparer: FaceComparer | undefined,
): ChecksPerformedBy {
  const notes = [faceAnalyzer.note, moderator.note, faceComparer?.note].filter((note): note is string =>
    Boolean(note),
  );
  return {
    faceAnalysis: faceAnalyzer.performedBy,
    contentModeration: moderator.performedBy,
    ...(faceComparer ? { faceComparison: faceComparer.performedBy } : {}),
    ...(notes.length > 0 ? { note: notes.join(' ') } : {}),
  };
}

function rejectionReason(
  subjectId: string,
  received: number,
  usable: number,
  required: number,
  photosExcluded: readonly ExcludedPhoto[],
): string {
  const listed = photosExcluded.map((photo) => `${photo.path} (${photo.code})`).join(', ');
  return (
    `Only ${usable} of the ${received} photos of ${subjectId} can be used; at least ${required} are needed, ` +
    `so ${required - usable} more usable photo${required - usable === 1 ? ' is' : 's are'} needed.` +
    (photosExcluded.length > 0 ? ` Excluded: ${listed}.` : '')
  );
}

import sharp from 'sharp';
import { SubjectAccepted, SubjectRejected } from '../../../events/pipeline-events.js';
import { SubjectSettings } from '../../../events/subject-settings.js';
import type { ObjectStore } from '../../../functions/platform/object-store.js';
import type { AnalysisImage } from '../../../functions/validation/analysis-image.js';
import type { ContentModerator, ModerationLabel } from '../../../functions/validation/content-moderation.js';
import { FaceAnalysisUnavailableError } from '../../../functions/validation/errors.js';
import type {
  DetectedFace,
  FaceAnalyzer,
  PhotoContext,
} from '../../../functions/validation/face-analysis.js';
import { inspectPhoto } from '../../../functions/validation/inspect-photo.js';
import {
  type ValidateImagesDependencies,
  validateImageSet,
} from '../../../functions/validation/validate-image-set.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';
import type { SampleSubjectName } from '../../../local/samples/generate-sample-subjects.js';
import { UnscreenedContentModerator } from '../../../local/stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../../../local/stand-ins/face-analysis.js';
import type { ValidateImagesInput, ValidateImagesOutput } from '../../../state-machines/training/contract.js';
import { createSampleStore, type SampleStore } from '../samples/sample-store.js';

const IMAGE_SET_ID = 'is-0123456789abcdef';
const AcceptedDetail = SubjectAccepted.omit({ trainingSet: true });

/** A face analyzer that answers per file name, for the rules that need a particular answer. */
class ScriptedFaceAnalyzer implements FaceAnalyzer {
  readonly performedBy = 'amazon-rekognition' as const;
  constructor(private readonly answers: Record<string, DetectedFace[]>) {}
  async detectFaces(_image: AnalysisImage, photo: PhotoContext): Promise<DetectedFace[]> {
    return this.answers[photo.key.slice(photo.key.lastIndexOf('/') + 1)] ?? [goodFace()];
  }
}

class ScriptedModerator implements ContentModerator {
  readonly performedBy = 'amazon-rekognition' as const;
  constructor(private readonly answers: Record<string, ModerationLabel[]>) {}
  async detectUnsafeContent(_image: AnalysisImage, photo: PhotoContext): Promise<ModerationLabel[]> {
    return this.answers[photo.key.slice(photo.key.lastIndexOf('/') + 1)] ?? [];
  }
}

function goodFace(overrides: Partial<DetectedFace> = {}): DetectedFace {
  return {
    box: { left: 0.35, top: 0.25, width: 0.3, height: 0.35 },
    confidence: 99.8,
    pose: { yaw: 2, pitch: 1, roll: 0 },
    quality: { sharpness: 75, brightness: 55 },
    ...overrides,
  };
}

describe('validateImageSet', () => {
  let samples: SampleStore;
  let localDeps: ValidateImagesDependencies;

  const inputFor = async (subjectId: SampleSubjectName): Promise<ValidateImagesInput> => ({
    tenantId: 'default',
    subjectId,
    imageSetId: IMAGE_SET_ID,
    photos: await samples.photoRefs(subjectId),
    settings: SubjectSettings.parse({}),
  });
  const accepted = (output: ValidateImagesOutput) => {
    if (output.outcome !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(output)}`);
    return output;
  };

  beforeAll(async () => {
    samples = await createSampleStore(['good-ana', 'good-ben', 'too-few-cam', 'mixed-dee', 'crowd-eve']);
    localDeps = {
      store: samples.store,
      faceAnalyzer: new SaliencyFaceAnalyzer(),
      moderator: new UnscreenedContentModerator(),
      policy: validationPolicy(),
    };
  }, 60_000);
  afterAll(() => samples.remove());

  it('accepts a mixed folder, excluding each bad photo with the code, reason and advice it deserves', async () => {
    // Prepare
    const input = await inputFor('mixed-dee');
    const expected = samples.subject('mixed-dee').files;

    // Act
    const output = accepted(await validateImageSet(input, localDeps));

    // Assess
    expect(AcceptedDetail.parse(output.accepted)).toEqual(output.accepted);
    expect(output.accepted.photosUsed.map((photo) => photo.fileName)).toEqual(
      expected.filter((file) => file.expected === 'good').map((file) => file.name),
    );
    const excluded = output.accepted.photosExcluded.map((photo) => [
      photo.fileName,
      photo.code,
      photo.duplicateOf,
    ]);
    expect(excluded).toEqual(
      input.photos
        .map((ref) => expected.find((file) => ref.key.endsWith(`/${file.name}`)))
        .filter((file) => file && file.expected !== 'good')
        .map((file) => [
          file?.name,
          file?.expected,
          file?.duplicateOf ? `subjects/mixed-dee/${file.duplicateOf}` : undefined,
        ]),
    );
    for (const photo of output.accepted.photosExcluded) {
      expect(photo.reason).toContain(photo.fileName);
      expect(photo.advice.length).toBeGreaterThan(10);
    }
  }, 30_000);

  it('explains HEIC with the way to convert, and names the pixel count it refused', async () => {
    // Act
    const output = accepted(await validateImageSet(await inputFor('mixed-dee'), localDeps));

    // Assess
    const byName = new Map(output.accepted.photosExcluded.map((photo) => [photo.fileName, photo]));
    expect(byName.get('IMG_4032.HEIC')?.advice).toMatch(/Most Compatible|JPEG/);
    expect(byName.get('panorama.png')?.reason).toBe(
      'panorama.png has 900.0 megapixels, more than the 50.0 megapixels limit',
    );
    expect(byName.get('thumbnail.jpg')?.reason).toContain('300 x 300');
  }, 30_000);

  it('records who performed the checks, and says the local stand-ins did not check faces or content', async () => {
    // Act
    const output = accepted(await validateImageSet(await inputFor('good-ana'), localDeps));

    // Assess
    expect(output.accepted.checks).toMatchObject({
      faceAnalysis: 'local-stand-in',
      contentModeration: 'local-stand-in',
    });
    expect(output.accepted.checks.note).toMatch(/NOT checked by Amazon Rekognition/);
    expect(output.accepted.checks.note).toMatch(/NOT screened/);
    expect(output.usable).toHaveLength(12);
    for (const { faceBox } of output.usable) {
      expect(faceBox.left + faceBox.width).toBeLessThanOrEqual(1);
      expect(faceBox.top + faceBox.height).toBeLessThanOrEqual(1);
    }
  }, 30_000);

  it('applies EXIF orientation: the sideways-stored photo is used as a portrait', async () => {
    // Act
    const output = accepted(await validateImageSet(await inputFor('good-ben'), localDeps));

    // Assess
    expect(output.accepted.photosUsed).toHaveLength(11);
    expect(output.accepted.photosUsed.find((photo) => photo.fileName === 'IMG_0011.jpg')).toMatchObject({
      width: 768,
      height: 1024,
    });
  }, 30_000);

  it('keeps the best 15 of 17 usable photos and names the other two OVER_SET_LIMIT', async () => {
    // Act
    const output = accepted(await validateImageSet(await inputFor('crowd-eve'), localDeps));

    // Assess
    expect(output.usable).toHaveLength(15);
    const over = output.accepted.photosExcluded;
    expect(over.map((photo) => photo.code)).toEqual(['OVER_SET_LIMIT', 'OVER_SET_LIMIT']);
    const worstKept = Math.min(...output.accepted.photosUsed.map((photo) => photo.qualityScore));
    const inspected = await Promise.all(
      over.map((photo) =>
        inspectPhoto({ key: photo.key, size: 1, etag: '' }, samples.store, validationPolicy()),
      ),
    );
    for (const inspection of inspected) {
      if (!inspection.usable) throw new Error('over-the-limit photos are usable');
      expect(inspection.photo.qualityScore).toBeLessThanOrEqual(worstKept);
    }
  }, 30_000);

  it('rejects a set with too few usable photos, saying how many more are needed', async () => {
    // Act
    const output = await validateImageSet(await inputFor('too-few-cam'), localDeps);

    // Assess
    if (output.outcome !== 'rejected') throw new Error('expected a rejection');
    expect(SubjectRejected.parse(output.rejected)).toEqual(output.rejected);
    expect(output.rejected).toMatchObject({
      usablePhotoCount: 6,
      requiredPhotoCount: 10,
      photosExcluded: [],
    });
    expect(output.rejected.reason).toMatch(/4 more usable photos are needed/);
    expect(output.rejected.advice).toMatch(/Add at least 4 more usable photos/);
  }, 30_000);

  it('lists every excluded photo when the exclusions leave too few', async () => {
    // Prepare
    const policy = validationPolicy({ minPhotos: 12, maxPhotos: 15 });

    // Act
    const output = await validateImageSet(await inputFor('mixed-dee'), { ...localDeps, policy });

    // Assess
    if (output.outcome !== 'rejected') throw new Error('expected a rejection');
    expect(output.rejected.usablePhotoCount).toBe(11);
    expect(output.rejected.photosExcluded).toHaveLength(8);
    expect(output.rejected.reason).toContain('panorama.png (TOO_MANY_PIXELS)');
    expect(output.rejected.reason).toMatch(/1 more usable photo is needed/);
  }, 30_000);

  it('applies the face and moderation rules to what the analyzers report', async () => {
    // Prepare
    const deps: ValidateImagesDependencies = {
      ...localDeps,
      faceAnalyzer: new ScriptedFaceAnalyzer({
        'IMG_0001.jpg': [],
        'IMG_0002.jpg': [goodFace(), goodFace({ box: { left: 0.7, top: 0.2, width: 0.25, height: 0.3 } })],
        'IMG_0003.jpg': [goodFace({ box: { left: 0.45, top: 0.45, width: 0.08, height: 0.1 } })],
        'IMG_0004.jpg': [goodFace({ pose: { yaw: 45, pitch: 0, roll: 0 } })],
        'IMG_0005.jpg': [goodFace({ quality: { sharpness: 3, brightness: 55 } })],
        'IMG_0006.jpg': [goodFace({ quality: { sharpness: 75, brightness: 6 } })],
      }),
      moderator: new ScriptedModerator({
        'IMG_0007.jpg': [{ name: 'Explicit Nudity', topLevelCategory: 'Explicit Nudity', confidence: 97 }],
        'IMG_0008.jpg': [{ name: 'Weapons', topLevelCategory: 'Violence', confidence: 55 }],
      }),
      policy: validationPolicy({ minPhotos: 5 }),
    };

    // Act
    const output = accepted(await validateImageSet(await inputFor('good-ana'), deps));

    // Assess
    expect(output.accepted.photosExcluded.map((photo) => [photo.fileName, photo.code])).toEqual([
      ['IMG_0001.jpg', 'NO_FACE'],
      ['IMG_0002.jpg', 'MULTIPLE_FACES'],
      ['IMG_0003.jpg', 'FACE_TOO_SMALL'],
      ['IMG_0004.jpg', 'FACE_NOT_FRONTAL'],
      ['IMG_0005.jpg', 'TOO_BLURRY'],
      ['IMG_0006.jpg', 'BAD_LIGHTING'],
      ['IMG_0007.jpg', 'UNSAFE_CONTENT'],
    ]);
    expect(output.accepted.checks).toEqual({
      faceAnalysis: 'amazon-rekognition',
      contentModeration: 'amazon-rekognition',
    });
    expect(output.usable.map((photo) => photo.key)).toContain('subjects/good-ana/IMG_0008.jpg');
    expect(output.usable[0]?.faceBox).toEqual({ left: 0.35, top: 0.25, width: 0.3, height: 0.35 });
  }, 30_000);

  it('fails with FaceAnalysisUnavailableError, not an exclusion, when the face service is unavailable', async () => {
    // Prepare
    const unavailable: FaceAnalyzer = {
      performedBy: 'amazon-rekognition',
      detectFaces: async () => {
        throw new FaceAnalysisUnavailableError(
          'Amazon Rekognition DetectFaces is unavailable (ThrottlingException)',
        );
      },
    };
    const input = await inputFor('too-few-cam');

    // Act
    const outcome = validateImageSet(input, { ...localDeps, faceAnalyzer: unavailable });

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'FaceAnalysisUnavailableError' });
  }, 30_000);

  it('excludes a photo deleted after upload with a reason saying so', async () => {
    // Prepare
    const input = await inputFor('too-few-cam');
    input.photos.push({ key: 'subjects/too-few-cam/IMG_0099.jpg', size: 120_000, etag: 'gone' });

    // Act
    const output = await validateImageSet(input, localDeps);

    // Assess
    if (output.outcome !== 'rejected') throw new Error('expected a rejection');
    expect(output.rejected.photosExcluded).toEqual([
      expect.objectContaining({ fileName: 'IMG_0099.jpg', reason: expect.stringMatching(/deleted/) }),
    ]);
  }, 30_000);

  it('refuses a file over the size limit from head, without downloading it', async () => {
    // Prepare
    const [ref] = await samples.photoRefs('too-few-cam');
    if (!ref) throw new Error('no photo');
    const downloads: string[] = [];
    const counting: ObjectStore = {
      head: (key) => samples.store.head(key),
      get: (key) => {
        downloads.push(key);
        return samples.store.get(key);
      },
      put: (key, body, type) => samples.store.put(key, body, type),
      copy: (from, to) => samples.store.copy(from, to),
      list: (prefix) => samples.store.list(prefix),
    };

    // Act
    const inspection = await inspectPhoto(ref, counting, validationPolicy({ maxFileBytes: 10_000 }));

    // Assess
    expect(inspection).toMatchObject({ usable: false, problem: { code: 'FILE_TOO_LARGE' } });
    expect(downloads).toEqual([]);
  });

  it('names an unsupported format such as GIF', async () => {
    // Prepare
    const gif = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#884422' } })
      .gif()
      .toBuffer();
    await samples.store.put('subjects/other/animation.jpg', gif, 'image/gif');

    // Act
    const inspection = await inspectPhoto(
      { key: 'subjects/other/animation.jpg', size: gif.length, etag: '' },
      samples.store,
      validationPolicy(),
    );

    // Assess
    expect(inspection).toMatchObject({ usable: false, problem: { code: 'UNSUPPORTED_FORMAT' } });
    if (!inspection.usable) expect(inspection.problem.reason).toContain('GIF');
  });
});

import {
  CompareFacesCommand,
  InvalidParameterException,
  RekognitionClient,
  ThrottlingException,
} from '@aws-sdk/client-rekognition';
import { mockClient } from 'aws-sdk-client-mock';
import { SubjectSettings } from '../../../events/subject-settings.js';
import type { AnalysisImage } from '../../../functions/validation/analysis-image.js';
import { FaceAnalysisUnavailableError } from '../../../functions/validation/errors.js';
import type { FaceComparer, FaceSimilarity } from '../../../functions/validation/face-comparison.js';
import { RekognitionFaceComparer } from '../../../functions/validation/rekognition-face-comparer.js';
import { validateImageSet } from '../../../functions/validation/validate-image-set.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';
import { UnscreenedContentModerator } from '../../../local/stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../../../local/stand-ins/face-analysis.js';
import { SkinToneFaceComparer } from '../../../local/stand-ins/face-comparison.js';
import { createSampleStore, type SampleStore } from '../samples/sample-store.js';

/**
 * Is it the same person? Each usable photo's face is compared with the set's reference face (its best photo),
 * and a photo below the similarity threshold is excluded as DIFFERENT_PERSON.
 */
const rekognition = mockClient(RekognitionClient);
const imageOf = (bytes: number[]): AnalysisImage => ({
  pixels: { data: new Uint8Array(3), width: 1, height: 1, channels: 3 },
  sharpness: 2,
  meanBrightness: 128,
  jpeg: async () => new Uint8Array(bytes),
});
const context = { reference: { key: 'subjects/ana/ref.jpg' }, photo: { key: 'subjects/ana/b.jpg' } };

describe('RekognitionFaceComparer', () => {
  beforeEach(() => rekognition.reset());

  it('sends reference and photo as JPEG bytes with SimilarityThreshold 0, and answers the best match', async () => {
    // Prepare
    rekognition.on(CompareFacesCommand).resolves({
      SourceImageFace: { BoundingBox: { Left: 0.3, Top: 0.2, Width: 0.3, Height: 0.4 }, Confidence: 99.9 },
      FaceMatches: [
        { Similarity: 41.5, Face: { Confidence: 99 } },
        { Similarity: 97.25, Face: { Confidence: 99 } },
      ],
      UnmatchedFaces: [],
    });

    // Act
    const result = await new RekognitionFaceComparer(new RekognitionClient({})).compare(
      imageOf([0xff, 0xd8, 1]),
      imageOf([0xff, 0xd8, 2]),
      context,
    );

    // Assess
    expect(result).toEqual<FaceSimilarity>({ similarity: 97.25 });
    expect(rekognition).toHaveReceivedCommandTimes(CompareFacesCommand, 1);
    expect(rekognition).toHaveReceivedCommandWith(CompareFacesCommand, {
      SourceImage: { Bytes: new Uint8Array([0xff, 0xd8, 1]) },
      TargetImage: { Bytes: new Uint8Array([0xff, 0xd8, 2]) },
      SimilarityThreshold: 0,
    });
  });

  it('answers similarity 0 when no face of the photo matched at all', async () => {
    // Prepare
    rekognition.on(CompareFacesCommand).resolves({ FaceMatches: [], UnmatchedFaces: [{ Confidence: 90 }] });

    // Act / Assess
    await expect(
      new RekognitionFaceComparer(new RekognitionClient({})).compare(imageOf([1]), imageOf([2]), context),
    ).resolves.toEqual({ similarity: 0 });
  });

  it('turns throttling into FaceAnalysisUnavailableError (retried by the workflow), and lets a bad request through', async () => {
    // Prepare
    const comparer = new RekognitionFaceComparer(new RekognitionClient({ maxAttempts: 1 }));
    rekognition
      .on(CompareFacesCommand)
      .rejectsOnce(new ThrottlingException({ message: 'slow', $metadata: {} }))
      .rejects(new InvalidParameterException({ message: 'no face in source', $metadata: {} }));

    // Act / Assess
    await expect(comparer.compare(imageOf([1]), imageOf([2]), context)).rejects.toThrow(
      FaceAnalysisUnavailableError,
    );
    await expect(comparer.compare(imageOf([1]), imageOf([2]), context)).rejects.toThrow(
      InvalidParameterException,
    );
  });
});

describe('the same-person rule', () => {
  let samples: SampleStore;

  /** Compares by a made-up identity per file: photos of one identity are 95% alike, of two identities 30%. */
  class ScriptedComparer implements FaceComparer {
    readonly performedBy = 'amazon-rekognition' as const;
    readonly calls: { reference: string; photo: string }[] = [];
    constructor(private readonly identityOf: (key: string) => string) {}
    async compare(
      _reference: AnalysisImage,
      _photo: AnalysisImage,
      keys: { reference: { key: string }; photo: { key: string } },
    ): Promise<FaceSimilarity> {
      this.calls.push({ reference: keys.reference.key, photo: keys.photo.key });
      return {
        similarity: this.identityOf(keys.reference.key) === this.identityOf(keys.photo.key) ? 95 : 30,
      };
    }
  }

  beforeAll(async () => {
    samples = await createSampleStore(['good-ana', 'crowd-eve', 'two-people-gus']);
  }, 60_000);
  afterAll(() => samples.remove());

  const validate = async (
    subject: 'good-ana' | 'crowd-eve' | 'two-people-gus',
    comparer: FaceComparer,
    policy = validationPolicy(),
  ) =>
    validateImageSet(
      {
        tenantId: 'default',
        subjectId: subject,
        imageSetId: 'is-0123456789abcdef',
        photos: await samples.photoRefs(subject),
        settings: SubjectSettings.parse({}),
      },
      {
        store: samples.store,
        faceAnalyzer: new SaliencyFaceAnalyzer(),
        faceComparer: comparer,
        moderator: new UnscreenedContentModerator(),
        policy,
      },
    );

  it.each([0, 1, 3, 5])(
    'excludes exactly the %i photos of a second person, naming the similarity and the reference',
    async (strangers) => {
      // Prepare: the last `strangers` photos (by name) show someone else; any of them may be the best photo
      const keys = (await samples.photoRefs('crowd-eve')).map((ref) => ref.key).sort();
      const others = new Set(keys.slice(keys.length - strangers));
      const identityOf = (key: string) => (others.has(key) ? 'bob' : 'eve');
      const comparer = new ScriptedComparer(identityOf);

      // Act
      const output = await validate('crowd-eve', comparer, validationPolicy({ maxPhotos: 20 }));

      // Assess: the larger group is the subject, whoever the best photo shows
      if (output.outcome !== 'accepted') throw new Error(`expected accepted, got ${output.outcome}`);
      const different = output.accepted.photosExcluded.filter((p) => p.code === 'DIFFERENT_PERSON');
      expect(different.map((p) => p.key).sort()).toEqual([...others].sort());
      const reference = comparer.calls.at(-1)?.reference ?? '';
      expect(identityOf(reference)).toBe('eve');
      for (const photo of different) {
        expect(photo.reason).toMatch(
          new RegExp(
            `^${photo.path} looks like a different person than the other photos: its face is 30% similar to the one in ${reference.split('/').at(-1)}`,
          ),
        );
      }
      // One call per other photo, and one more round only when the best photo showed the other person.
      const rounds = new Set(comparer.calls.map((c) => c.reference)).size;
      expect(comparer.calls).toHaveLength(rounds * (keys.length - 1));
      expect(rounds).toBeLessThanOrEqual(2);
      expect(output.accepted.checks.faceComparison).toBe('amazon-rekognition');
    },
  );

  it('compares with the best photo by quality, once per other usable photo, and keeps a photo at the threshold', async () => {
    // Prepare
    const comparer: FaceComparer & { calls: string[] } = {
      performedBy: 'amazon-rekognition',
      calls: [],
      async compare(_r, _p, keys) {
        this.calls.push(keys.reference.key);
        return { similarity: 80 };
      },
    };

    // Act
    const output = await validate('good-ana', comparer);

    // Assess
    if (output.outcome !== 'accepted') throw new Error('expected accepted');
    const best = [...output.accepted.photosUsed].sort((a, b) => b.qualityScore - a.qualityScore)[0];
    expect(new Set(comparer.calls)).toEqual(new Set([best?.key]));
    expect(comparer.calls).toHaveLength(output.accepted.photosUsed.length - 1);
    expect(output.accepted.photosExcluded.filter((p) => p.code === 'DIFFERENT_PERSON')).toEqual([]);
  });

  it('rejects the subject when the photos of one person are too few once the others are excluded', async () => {
    // Prepare: half the photos show someone else
    const keys = (await samples.photoRefs('good-ana')).map((ref) => ref.key).sort();
    const comparer = new ScriptedComparer((key) => (keys.indexOf(key) % 2 === 0 ? 'ana' : 'bob'));

    // Act
    const output = await validate('good-ana', comparer);

    // Assess
    if (output.outcome !== 'rejected') throw new Error('expected rejected');
    expect(output.rejected.photosExcluded.filter((p) => p.code === 'DIFFERENT_PERSON')).toHaveLength(6);
    expect(output.rejected.reason).toMatch(/DIFFERENT_PERSON/);
  });

  it.each(['good-ana', 'crowd-eve'] as const)(
    'locally, the skin-tone stand-in excludes no one from the one-person sample %s, and says it is a stand-in',
    async (subject) => {
      // Act
      const output = await validate(subject, new SkinToneFaceComparer(), validationPolicy({ maxPhotos: 20 }));

      // Assess
      if (output.outcome !== 'accepted') throw new Error('expected accepted');
      expect(output.accepted.checks.faceComparison).toBe('local-stand-in');
      expect(output.accepted.checks.note).toMatch(/NOT compared by Amazon Rekognition CompareFaces/);
      expect(output.accepted.photosExcluded.filter((p) => p.code === 'DIFFERENT_PERSON')).toEqual([]);
    },
  );

  it('locally, the stand-in finds the friend in the mixed sample folder, and nobody else', async () => {
    // Prepare
    const expected = samples
      .subject('two-people-gus')
      .files.filter((file) => file.expected === 'DIFFERENT_PERSON')
      .map((file) => file.name);

    // Act
    const output = await validate('two-people-gus', new SkinToneFaceComparer());

    // Assess
    if (output.outcome !== 'accepted') throw new Error('expected accepted');
    const different = output.accepted.photosExcluded.filter((p) => p.code === 'DIFFERENT_PERSON');
    expect(different.map((p) => p.path).sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(3);
    expect(output.accepted.photosUsed).toHaveLength(11);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubjectSettings } from '../../../events/subject-settings.js';
import { pathInSubjectFolder } from '../../../functions/platform/bucket-layout.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { photoProblem } from '../../../functions/validation/photo-problems.js';
import { validateImageSet } from '../../../functions/validation/validate-image-set.js';
import { validationPolicy } from '../../../functions/validation/validation-policy.js';
import { renderSyntheticPortrait } from '../../../local/samples/synthetic-portrait.js';
import { UnscreenedContentModerator } from '../../../local/stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../../../local/stand-ins/face-analysis.js';

/**
 * Messages name a photo by its path inside the subject folder (subjects/<id>/a/photo.jpg -> a/photo.jpg), so that
 * two files of the same name in different subfolders are never confused: duplicates, exclusions and set limits.
 */
describe('photo names in messages', () => {
  it('is the path below subjects/<id>/, at any depth; keys outside subjects/ are kept whole', () => {
    // Prepare
    const cases: [string, string][] = [
      ['subjects/ana/photo.jpg', 'photo.jpg'],
      ['subjects/ana/a/photo.jpg', 'a/photo.jpg'],
      ['subjects/ana/holiday 2024/b/c/IMG 1.jpeg', 'holiday 2024/b/c/IMG 1.jpeg'],
      ['subjects/a.b-c_d/x/y.png', 'x/y.png'],
      ['training/ana/set/images/01.jpg', 'training/ana/set/images/01.jpg'],
    ];

    // Act
    const named = cases.map(([key]) => pathInSubjectFolder(key));

    // Assess
    expect(named).toEqual(cases.map(([, path]) => path));
  });

  it('every problem builder names the photo by the path it is given, duplicates name the kept one by its path', () => {
    // Prepare
    const path = 'a/photo.jpg';
    const kept = 'subjects/ana/b/photo.jpg';

    // Act
    const problems = [
      photoProblem.missing(path),
      photoProblem.emptyFile(path),
      photoProblem.fileTooLarge(path, 50 * 2 ** 20, 40 * 2 ** 20),
      photoProblem.notAnImage(path),
      photoProblem.heic(path),
      photoProblem.unsupportedFormat(path, 'GIF'),
      photoProblem.truncated(path),
      photoProblem.tooManyPixels(path, 50_000_000, 900_000_000),
      photoProblem.tooSmall(path, 300, 300, 512),
      photoProblem.exactDuplicate(path, kept),
      photoProblem.nearDuplicate(path, kept),
      photoProblem.noFace(path),
      photoProblem.multipleFaces(path, 2),
      photoProblem.faceTooSmall(path, 0.05, 0.1),
      photoProblem.faceNotFrontal(path, 50, 10, 35),
      photoProblem.tooBlurry(path, 10, 30),
      photoProblem.badLighting(path, 5, 20, 90),
      photoProblem.unsafeContent(path, ['Explicit']),
      photoProblem.overSetLimit(path, 15),
    ];

    // Assess
    for (const problem of problems) expect(problem.reason).toContain(path);
    expect(photoProblem.exactDuplicate(path, kept).reason).toBe(
      'a/photo.jpg is a byte-for-byte copy of b/photo.jpg',
    );
    expect(photoProblem.nearDuplicate(path, kept).reason).toContain('same shot as b/photo.jpg');
  });

  describe('in a folder with subfolders', () => {
    let root: string;
    let store: FolderObjectStore;
    const subjectId = 'nested-ana';
    const keyOf = (path: string) => `subjects/${subjectId}/${path}`;

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'photo-names-'));
      store = new FolderObjectStore(root);
      const photo = async (seed: number, side = 800) =>
        (await renderSyntheticPortrait({ width: side, height: side, seed })).jpeg({ quality: 90 }).toBuffer();
      // Twelve distinct shots spread over subfolders, each called photo.jpg or IMG_n.jpg.
      for (let index = 0; index < 12; index++) {
        await store.put(keyOf(`day${index % 3}/IMG_${index}.jpg`), await photo(100 + index), 'image/jpeg');
      }
      const shot = await photo(7);
      await store.put(keyOf('a/photo.jpg'), shot, 'image/jpeg');
      await store.put(keyOf('b/photo.jpg'), shot, 'image/jpeg');
      await store.put(keyOf('c/photo.jpg'), await photo(8, 300), 'image/jpeg');
      await store.put(keyOf('d/photo.jpg'), new Uint8Array(), 'image/jpeg');
    }, 60_000);
    afterAll(() => rm(root, { recursive: true, force: true }));

    it('names each excluded photo, and the photo it duplicates, by its path in the folder', async () => {
      // Prepare
      const objects = await store.list(`subjects/${subjectId}/`);
      const input = {
        tenantId: 'default',
        subjectId,
        imageSetId: 'is-names',
        photos: objects.map(({ key, size, etag }) => ({ key, size, etag })),
        settings: SubjectSettings.parse({}),
      };
      const policy = validationPolicy({ maxPhotos: 10 });

      // Act
      const output = await validateImageSet(input, {
        store,
        faceAnalyzer: new SaliencyFaceAnalyzer(),
        moderator: new UnscreenedContentModerator(),
        policy,
      });

      // Assess
      if (output.outcome !== 'accepted') throw new Error(`expected accepted, got ${output.outcome}`);
      const { photosExcluded, photosUsed } = output.accepted;
      for (const photo of [...photosExcluded, ...photosUsed]) {
        expect(photo.path).toBe(photo.key.slice(`subjects/${subjectId}/`.length));
      }
      for (const photo of photosExcluded) {
        expect(photo.reason).toContain(photo.path);
        // A bare file name never stands alone where a path is meant.
        expect(photo.reason).not.toMatch(/(^|[\s(])photo\.jpg/);
      }
      const byPath = new Map(photosExcluded.map((photo) => [photo.path, photo]));
      expect(byPath.get('b/photo.jpg')).toMatchObject({
        code: 'EXACT_DUPLICATE',
        reason: 'b/photo.jpg is a byte-for-byte copy of a/photo.jpg',
        duplicateOf: keyOf('a/photo.jpg'),
      });
      expect(byPath.get('c/photo.jpg')?.code).toBe('TOO_SMALL');
      expect(byPath.get('d/photo.jpg')?.code).toBe('EMPTY_FILE');
      const overLimit = photosExcluded.filter((photo) => photo.code === 'OVER_SET_LIMIT');
      expect(overLimit).toHaveLength(3);
      for (const photo of overLimit)
        expect(photo.reason).toMatch(/^(day\d\/IMG_\d+|a\/photo)\.jpg is usable/);
    });
  });
});

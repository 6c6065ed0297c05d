import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { avatarLinksFor, MAX_AVATAR_LINK_SECONDS } from '../../../functions/generation/avatar-links.js';
import { InvalidLinkRequestError } from '../../../functions/generation/errors.js';
import { FileImageLinks } from '../../../functions/generation/file-image-links.js';
import { S3PresignedImageLinks } from '../../../functions/generation/image-links.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';

const NOW = Date.parse('2026-11-25T10:00:00.000Z');
const ana = { tenantId: 'default', subjectId: 'ana' };

describe('avatarLinksFor (the API issues links to the owner at read time, issue 11 item 8)', () => {
  let dir: string;
  let store: FolderObjectStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'avatar-links-'));
    store = new FolderObjectStore(dir);
    for (const key of [
      'avatars/default/ana/v-0123456789ab/gen-1/p01-0.png',
      'avatars/default/ana/v-0123456789ab/gen-1/p01-1.png',
      'avatars/default/ana/v-0123456789ab/gen-2/p01-0.png',
      'avatars/default/anabel/v-0123456789ab/gen-1/p01-0.png',
      'avatars/acme/ana/v-0123456789ab/gen-1/p01-0.png',
      'quarantine/default/ana/gen-1/p01-0-1.png',
    ]) {
      await store.put(key, 'png', 'image/png');
    }
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([1, 600, MAX_AVATAR_LINK_SECONDS])(
    "links exactly the generation's avatars of the owner's subject, for %i s",
    async (expiresInSeconds) => {
      // Prepare
      const links = new FileImageLinks(store, () => NOW);
      // Act
      const out = await avatarLinksFor({ store, links }, ana, 'gen-1', { expiresInSeconds });
      // Assess
      expect(out.images.map((i) => i.key)).toEqual([
        'avatars/default/ana/v-0123456789ab/gen-1/p01-0.png',
        'avatars/default/ana/v-0123456789ab/gen-1/p01-1.png',
      ]);
      for (const image of out.images) {
        expect(image.expiresAt).toBe(new Date(NOW + expiresInSeconds * 1000).toISOString());
        expect(image.url).toMatch(/^file:\/\//);
      }
    },
  );

  it("never links another tenant's subject of the same id", async () => {
    // Act
    const out = await avatarLinksFor(
      { store, links: new FileImageLinks(store) },
      { tenantId: 'acme', subjectId: 'ana' },
      'gen-1',
      {
        expiresInSeconds: 60,
      },
    );
    // Assess
    expect(out.images.map((i) => i.key)).toEqual(['avatars/acme/ana/v-0123456789ab/gen-1/p01-0.png']);
  });

  it('signs S3 links that expire within the hour asked for', async () => {
    // Prepare
    const s3 = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    // Act
    const out = await avatarLinksFor(
      { store, links: new S3PresignedImageLinks(s3, 'photo-bucket', () => NOW) },
      ana,
      'gen-2',
      {
        expiresInSeconds: 900,
      },
    );
    // Assess
    expect(out.images).toHaveLength(1);
    const url = new URL(out.images[0]?.url ?? '');
    expect(url.pathname).toBe('/avatars/default/ana/v-0123456789ab/gen-2/p01-0.png');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
  });

  it.each([
    [{ expiresInSeconds: 3601 }, 'gen-1', /1 to 3600/],
    [{ expiresInSeconds: 0 }, 'gen-1', /1 to 3600/],
    [{ expiresInSeconds: 1.5 }, 'gen-1', /whole number/],
    [{ expiresInSeconds: 60 }, '../gen-1', /not a generation id/],
    [{ expiresInSeconds: 60 }, 'gen-1/p01-0.png', /not a generation id/],
    [{ expiresInSeconds: 60 }, '', /not a generation id/],
  ])('refuses %j for generation %j, naming the input', async (options, generationId, message) => {
    // Act
    const out = avatarLinksFor({ store, links: new FileImageLinks(store) }, ana, generationId, options);
    // Assess
    await expect(out).rejects.toThrow(InvalidLinkRequestError);
    await expect(out).rejects.toThrow(message);
  });
});

import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { SUBJECT_ID_PATTERN } from '../../../events/identifiers.js';
import { createTarGz, readTarGz } from '../../../functions/platform/tar-archive.js';
import {
  buildModelPackage,
  inspectModelPackage,
  tritonModelName,
} from '../../../local/stand-ins/model-package.js';

/** Every valid subject id: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit. */
const subjectIds = fc
  .tuple(fc.constantFrom(...'abcXYZ019'), fc.string({ unit: fc.constantFrom(...'aZ9._-'), maxLength: 63 }))
  .map(([first, rest]) => `${first}${rest}`);

const modelVersion = 'v-0123456789ab';

describe('model packages (local stand-in, tar-stream)', () => {
  it('builds and reads back the package of any valid subject id, the longest included', async () => {
    // Prepare
    const longest = `a${'b'.repeat(63)}`;
    expect(longest).toMatch(SUBJECT_ID_PATTERN);

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(fc.oneof(subjectIds, fc.constant(longest)), async (subjectId) => {
        expect(subjectId).toMatch(SUBJECT_ID_PATTERN);
        const archive = await buildModelPackage({
          subjectId,
          modelVersion,
          metadata: { subjectId, modelVersion },
          adapterFiles: { 'nested/folder/adapter_model.safetensors': 'weights' },
        });
        const { modelName, metadata } = await inspectModelPackage(archive);
        expect(modelName).toBe(tritonModelName(subjectId, modelVersion));
        expect(metadata).toEqual({ subjectId, modelVersion });
        const paths = (await readTarGz(archive)).map((entry) => entry.path);
        expect(paths).toContain(`${modelName}/1/adapter/nested/folder/adapter_model.safetensors`);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps paths far beyond the 100 bytes of a ustar name, with their bodies', async () => {
    // Prepare
    const long = `${'deep/'.repeat(60)}file.bin`;
    const body = Uint8Array.from({ length: 1500 }, (_, index) => index % 251);

    // Act
    const entries = await readTarGz(await createTarGz([{ path: 'top/' }, { path: long, body }]));

    // Assess
    expect(long.length).toBeGreaterThan(255);
    expect(entries.map((entry) => entry.path)).toEqual([long, 'top/']);
    expect(Buffer.from(entries[0]?.body ?? new Uint8Array()).equals(Buffer.from(body))).toBe(true);
  });

  it('is deterministic: same files in any order give the same bytes, sorted, with mtime 0, uid/gid 0 and fixed modes', async () => {
    // Prepare
    const files = [
      { path: 'm/', body: undefined },
      { path: 'm/b.txt', body: Buffer.from('b') },
      { path: 'm/a.txt', body: Buffer.from('a') },
    ];

    // Act
    const first = await createTarGz(files);
    const second = await createTarGz([...files].reverse());

    // Assess
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    const tar = gunzipSync(first);
    const headers = [0, 512, 1536].map((offset) => tar.subarray(offset, offset + 512));
    const field = (block: Buffer, start: number, length: number) =>
      block.toString('latin1', start, start + length).replace(/\0.*$/s, '');
    expect(headers.map((block) => field(block, 0, 100))).toEqual(['m', 'm/a.txt', 'm/b.txt']);
    for (const block of headers) {
      expect(Number.parseInt(field(block, 136, 12), 8)).toBe(0); // mtime
      expect(Number.parseInt(field(block, 108, 8), 8)).toBe(0); // uid
      expect(Number.parseInt(field(block, 116, 8), 8)).toBe(0); // gid
      expect(field(block, 265, 32)).toBe(''); // uname
    }
    expect(Number.parseInt(field(headers[0] as Buffer, 100, 8), 8)).toBe(0o755);
    expect(Number.parseInt(field(headers[1] as Buffer, 100, 8), 8)).toBe(0o644);
  });
});

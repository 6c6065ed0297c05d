import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { SUBJECT_ID_PATTERN } from '../../../events/identifiers.js';
import { configProblems, PACKAGE_LAYOUT } from '../../../functions/platform/model-package.js';
import { createTarGz, listTarGz, readTarGz } from '../../../functions/platform/tar-archive.js';
import {
  buildModelPackage,
  InvalidModelPackageError,
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
        const entries = await readTarGz(archive);
        const paths = entries.map((entry) => entry.path);
        expect(paths).toContain(`${modelName}/1/adapter/nested/folder/adapter_model.safetensors`);
        expect(paths.filter((path) => path.endsWith('.py'))).toEqual([]);
        const config = entries.find((entry) => entry.path === `${modelName}/config.pbtxt`);
        expect(Buffer.from(config?.body ?? new Uint8Array()).toString()).toContain('backend: "avatar_lora"');
      }),
      { numRuns: 40 },
    );
  });

  describe('carries no code: the layout is checked before any endpoint loads it', () => {
    const model = tritonModelName('ana', modelVersion);
    const good = () =>
      buildModelPackage({
        subjectId: 'ana',
        modelVersion,
        metadata: { subjectId: 'ana' },
        adapterFiles: { 'pytorch_lora_weights.safetensors': 'weights' },
      });
    const withEntries = async (changes: Record<string, string>) =>
      createTarGz([
        ...(await readTarGz(await good())).filter((entry) => !(entry.path in changes)),
        ...Object.entries(changes).map(([path, body]) => ({ path, body: Buffer.from(body) })),
      ]);

    it.each([
      [`${model}/1/model.py`, `carries code: ${model}/1/model.py`],
      [`${model}/1/adapter/x/__init__.py`, `carries code: ${model}/1/adapter/x/__init__.py`],
      [`${model}/1/adapter/fast.so`, `carries code: ${model}/1/adapter/fast.so`],
      [`${model}/triton_python_backend_stub`, `carries code: ${model}/triton_python_backend_stub`],
      [`${model}/1/adapter/weights.bin`, `unexpected adapter file ${model}/1/adapter/weights.bin`],
      [`${model}/2/avatar-model.json`, `unexpected entry ${model}/2/avatar-model.json`],
      ['elsewhere/notes.txt', `entries outside ${model}/: elsewhere/notes.txt`],
    ])('refuses a package with %s, naming it', async (entry, problem) => {
      // Prepare
      const archive = await withEntries({ [entry]: 'import os' });
      // Act
      const inspected = inspectModelPackage(archive);
      // Assess
      await expect(inspected).rejects.toThrow(InvalidModelPackageError);
      await expect(inspectModelPackage(archive)).rejects.toThrow(problem);
    });

    it.each([
      ['the Python backend', 'backend: "python"', 'names the backend "python", not "avatar_lora"'],
      ['no backend', '', 'names the backend nowhere'],
      [
        'two strings for one',
        'backend: "avatar_lora" "x"',
        'names the backend a value that is not one plain string',
      ],
      ['a platform', 'backend: "avatar_lora"\nplatform: "onnxruntime_onnx"', 'sets platform'],
      [
        'another model file',
        'backend: "avatar_lora"\ndefault_model_filename: "x.py"',
        'sets default_model_filename',
      ],
      [
        'a field after a # in a string',
        'backend: "avatar_lora"\nmax_batch_size: 0 name_x: "# " runtime: "x"',
        'sets name_x, runtime',
      ],
    ])('refuses a config.pbtxt with %s', async (_, backendLines, problem) => {
      // Prepare
      const template = Buffer.from(
        (await readTarGz(await good())).find((e) => e.path === `${model}/config.pbtxt`)?.body ??
          new Uint8Array(),
      ).toString();
      const config = template.replace('backend: "avatar_lora"', backendLines);
      // Act
      const inspected = inspectModelPackage(await withEntries({ [`${model}/config.pbtxt`]: config }));
      // Assess
      await expect(inspected).rejects.toThrow(`config.pbtxt ${problem}`);
    });

    it('does not read a field into a comment or a string', () => {
      // Prepare
      const config = `# backend: "python"\nname: "${model}"  # parameters {\nbackend: "avatar_lora"\n`;
      // Act
      const problems = configProblems(config, model);
      // Assess
      expect(problems).toEqual([]);
      expect(PACKAGE_LAYOUT.backend).toBe('avatar_lora');
    });

    it('refuses links, which are not regular files', async () => {
      // Prepare
      const tar = pack();
      const chunks: Buffer[] = [];
      tar.on('data', (chunk) => chunks.push(chunk as Buffer));
      for (const entry of await readTarGz(await good())) {
        if (entry.path.endsWith('/')) tar.entry({ name: entry.path, type: 'directory' });
        else tar.entry({ name: entry.path }, Buffer.from(entry.body ?? new Uint8Array()));
      }
      tar.entry({ name: `${model}/1/adapter/config.json`, type: 'symlink', linkname: '/etc/passwd' });
      tar.finalize();
      await new Promise<void>((resolve) => tar.on('end', () => resolve()));
      const archive = gzipSync(Buffer.concat(chunks));
      // Act
      const listed = await listTarGz(archive);
      // Assess
      expect(listed.find((e) => e.path.endsWith('config.json'))?.type).toBe('symlink');
      await expect(inspectModelPackage(archive)).rejects.toThrow(
        `${model}/1/adapter/config.json is not a regular file or folder`,
      );
    });
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

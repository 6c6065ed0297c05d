import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { readTarGz } from '../../functions/platform/tar-archive.js';
import { generateSampleSubjects } from '../../local/samples/generate-sample-subjects.js';

const run = promisify(execFile);
type Event = { 'detail-type': string; detail: Record<string, unknown> };

/**
 * `npm start -- --trainer tiny` as a person runs it, over two sample subjects: the real training host process
 * trains each adapter on the tiny model and the real Triton model draws the avatars. Needs the ML environment
 * (`npm run test:ml` creates it before running this).
 */
describe('npm start -- --trainer tiny (real training and serving on the tiny model)', () => {
  let root: string;
  let stdout: string;
  let events: Event[];
  const subjects = ['good-ana', 'prompts-fay'] as const;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tiny-run-'));
    await generateSampleSubjects(join(root, 'input'), { subjects });
    const result = await run(
      'npx',
      [
        'tsx',
        'local/cli.ts',
        '--trainer',
        'tiny',
        '--input',
        join(root, 'input'),
        '--data',
        join(root, 'data'),
      ],
      { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, HF_HUB_OFFLINE: '1' } },
    );
    stdout = result.stdout;
    events = (await readFile(join(root, 'data', 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
  }, 600_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const of = (type: string) => events.filter((e) => e['detail-type'] === type);

  it('says the models are tiny and random', () => {
    expect(stdout).toMatch(/TINY MODEL \(--trainer tiny\)/);
    expect(stdout).toMatch(/noise, not likenesses/);
  });

  it('trains and serves every subject with the tiny model, and says so in the events', () => {
    expect(
      of('Training Started')
        .map((e) => [e.detail.subjectId, e.detail.trainedBy])
        .sort(),
    ).toEqual(subjects.map((s) => [s, 'tiny-model']));
    expect(
      of('Model Ready')
        .map((e) => [e.detail.subjectId, e.detail.servedBy])
        .sort(),
    ).toEqual(subjects.map((s) => [s, 'tiny-model']));
    for (const ready of of('Avatars Ready')) expect(ready.detail.generatedBy).toBe('tiny-model');
    expect(of('Avatars Ready')).toHaveLength(subjects.length);
  });

  it('deploys the package the training host wrote, holding real LoRA weights', async () => {
    for (const ready of of('Model Ready')) {
      const archive = await readFile(
        join(root, 'data', 'bucket', 'models', String(ready.detail.targetModel)),
      );
      const entries = await readTarGz(archive);
      const weights = entries.find((e) => e.path.endsWith('/1/adapter/pytorch_lora_weights.safetensors'));
      expect(weights?.body?.byteLength).toBeGreaterThan(10_000);
      // safetensors: an 8-byte little-endian header length, then a JSON header naming the tensors.
      const body = Buffer.from(weights?.body ?? new Uint8Array());
      const header = JSON.parse(body.subarray(8, 8 + Number(body.readBigUInt64LE(0))).toString('utf8'));
      expect(Object.keys(header).some((k) => k.startsWith('unet.') && k.includes('.lora.up.'))).toBe(true);
      expect(entries.some((e) => e.path.endsWith('STAND-IN-NOT-A-MODEL.txt'))).toBe(false);
      // No code: the avatar_lora backend that served it is the serving image's (sagemaker/serving/backends/).
      expect(entries.filter((e) => e.path.endsWith('.py')).map((e) => e.path)).toEqual([]);
    }
  });

  it('logs the training steps with a finite loss', async () => {
    const log = await readFile(join(root, 'data', 'tiny-model', 'training-host.log'), 'utf8');
    const losses = [...log.matchAll(/step (\d+)\/(\d+) loss (\S+)/g)].map((m) => Number(m[3]));
    expect(losses.length).toBeGreaterThanOrEqual(subjects.length);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expect(log).toMatch(/generated \d+ class images/);
  });

  it('delivers real model outputs: PNGs of the tiny model size that differ from each other', async () => {
    const dir = join(root, 'data', 'bucket', 'avatars');
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.png'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const images = await Promise.all(files.map((f) => readFile(join(dir, f))));
    for (const image of images) {
      const meta = await sharp(image).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    }
    expect(new Set(images.map((i) => i.toString('base64'))).size).toBe(images.length);
  });
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parsePipelineEventDetail } from '../../../events/pipeline-events.js';
import {
  generateSampleSubjects,
  type SampleSubject,
} from '../../../local/samples/generate-sample-subjects.js';

const run = promisify(execFile);

/**
 * The local mode as a person uses it: `npm start -- --input DIR --data DIR` over folders holding everything
 * people really drop (good sets, too few photos, truncated / empty / non-image files, a tiny image, a
 * 900-megapixel PNG, HEIC, duplicates, folder junk, more photos than needed).
 */
describe('npm start -- --input DIR (end to end, local mode)', () => {
  let root: string;
  let subjects: SampleSubject[];
  let stdout: string;
  let events: { 'detail-type': string; source: string; detail: Record<string, unknown> }[];

  beforeAll(async () => {
    // Prepare
    root = await mkdtemp(join(tmpdir(), 'local-run-'));
    subjects = await generateSampleSubjects(join(root, 'input'));
    // Act
    const result = await run(
      'npx',
      ['tsx', 'local/cli.ts', '--input', join(root, 'input'), '--data', join(root, 'data')],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    stdout = result.stdout;
    events = (await readFile(join(root, 'data', 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  }, 240_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('says which checks were performed by local stand-ins', () => {
    expect(stdout).toMatch(/local stand-in, NOT Amazon Rekognition DetectFaces/);
  });

  it('gives every subject exactly one outcome: Subject Accepted or Subject Rejected', () => {
    for (const subject of subjects) {
      const outcomes = events.filter(
        (e) =>
          e.detail.subjectId === subject.subjectId &&
          ['Subject Accepted', 'Subject Rejected', 'Subject Processing Failed'].includes(e['detail-type']),
      );
      expect({ subject: subject.subjectId, outcomes: outcomes.map((e) => e['detail-type']) }).toEqual({
        subject: subject.subjectId,
        outcomes: [subject.subjectId === 'too-few-cam' ? 'Subject Rejected' : 'Subject Accepted'],
      });
    }
  });

  it('trains, deploys and generates for every accepted subject: Model Ready, then Avatars Ready', () => {
    for (const subject of subjects.filter((s) => s.subjectId !== 'too-few-cam')) {
      const types = events
        .filter((e) => e.detail.subjectId === subject.subjectId)
        .map((e) => e['detail-type']);
      expect({ subject: subject.subjectId, types: types.filter((t) => t !== 'Prompt Rejected') }).toEqual({
        subject: subject.subjectId,
        types: ['Subject Received', 'Subject Accepted', 'Training Started', 'Model Ready', 'Avatars Ready'],
      });
    }
  });

  it('rejects each toxic, non-English and over-long prompt before the GPU, and writes every delivered avatar to disk', () => {
    const rejected = events.filter((e) => e['detail-type'] === 'Prompt Rejected');
    expect(rejected.map((e) => `${e.detail.subjectId}:${e.detail.rule}`).sort()).toEqual([
      'prompts-fay:deny-list',
      'prompts-fay:language',
      'prompts-fay:length',
    ]);
    for (const ready of events.filter((e) => e['detail-type'] === 'Avatars Ready')) {
      const delivered = (ready.detail.prompts as { delivered: { url: string }[] }[]).flatMap(
        (p) => p.delivered,
      );
      expect(delivered.length).toBeGreaterThan(0);
      for (const image of delivered) expect(existsSync(fileURLToPath(image.url))).toBe(true);
    }
  });

  it('writes every event with the source, detail-type and detail schema used on AWS', () => {
    for (const event of events) {
      expect(event.source).toBe('avatar-pipeline');
      expect(() => parsePipelineEventDetail(event['detail-type'], event.detail)).not.toThrow();
    }
  });

  it('names every unusable photo with the reason expected for it, and never counts folder junk', () => {
    for (const subject of subjects) {
      const outcome = events.find(
        (e) => e.detail.subjectId === subject.subjectId && e['detail-type'] !== 'Subject Received',
      );
      const excluded = new Map(
        ((outcome?.detail.photosExcluded ?? []) as { fileName: string; code: string }[]).map((p) => [
          p.fileName,
          p.code,
        ]),
      );
      for (const file of subject.files.filter((f) => !['good', 'junk', 'settings'].includes(f.expected))) {
        expect({ subject: subject.subjectId, file: file.name, code: excluded.get(file.name) }).toEqual({
          subject: subject.subjectId,
          file: file.name,
          code: file.expected,
        });
      }
      for (const junk of subject.files.filter((f) => f.expected === 'junk')) {
        expect(excluded.has(junk.name)).toBe(false);
      }
    }
  });

  it('ends by saying where the results are', () => {
    expect(stdout).toContain(join(root, 'data', 'events.jsonl'));
    expect(stdout).toMatch(/Outcome by subject/);
  });
});

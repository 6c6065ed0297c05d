import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { EVENT_SOURCE, parsePipelineEventDetail } from '../../../events/pipeline-events.js';
import {
  generateSampleSubjects,
  type SampleSubject,
} from '../../../local/samples/generate-sample-subjects.js';
import { RUN_MARKER_SOURCE, RUN_MARKER_TYPE } from '../../../local/state/event-log.js';
import { type CliResult, runLocalCli } from '../../support/local-cli.js';

interface LoggedEvent {
  'detail-type': string;
  source: string;
  detail: Record<string, unknown>;
}

/** events.jsonl, split at the marker line that opens each run. */
async function eventsByRun(file: string): Promise<LoggedEvent[][]> {
  const runs: LoggedEvent[][] = [];
  for (const line of (await readFile(file, 'utf8')).trim().split('\n')) {
    const event = JSON.parse(line) as LoggedEvent;
    if (event.source === RUN_MARKER_SOURCE && event['detail-type'] === RUN_MARKER_TYPE) runs.push([]);
    else runs.at(-1)?.push(event);
  }
  return runs;
}

/**
 * The local mode as a person uses it: `npm start -- --input DIR --data DIR` over folders holding everything
 * people really drop (good sets, too few photos, truncated / empty / non-image files, a tiny image, a
 * 900-megapixel PNG, HEIC, duplicates, folder junk, more photos than needed).
 */
describe('npm start -- --input DIR (end to end, local mode)', () => {
  let root: string;
  let subjects: SampleSubject[];
  let first: CliResult;
  let second: CliResult;
  let partner: CliResult;
  let changed: CliResult;
  let stdout: string;
  let runs: LoggedEvent[][];
  let events: LoggedEvent[];

  beforeAll(async () => {
    // Prepare
    root = await mkdtemp(join(tmpdir(), 'local-run-'));
    subjects = await generateSampleSubjects(join(root, 'input'));
    const args = ['--input', join(root, 'input'), '--data', join(root, 'data')];
    // Act: the same photos twice into the same data folder, then a partner's request for one trained subject.
    first = await runLocalCli(args);
    second = await runLocalCli(args);
    partner = await runLocalCli([
      'send-event',
      '--data',
      join(root, 'data'),
      '--subject',
      'good-ana',
      '--prompt',
      '{subject} as a knight, oil painting',
      '--images-per-prompt',
      '2',
      '--correlation-id',
      'req-7',
    ]);
    // Then one photo of one subject changes (re-encoded: other bytes, the same picture).
    const photo = join(root, 'input', 'good-ana', 'IMG_0003.jpg');
    await writeFile(photo, await sharp(photo).jpeg({ quality: 70 }).toBuffer());
    changed = await runLocalCli(args);
    stdout = first.stdout;
    runs = await eventsByRun(join(root, 'data', 'events.jsonl'));
    events = runs[0] ?? [];
  }, 360_000);

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
      // Events carry keys, never links (issue 11): each key is a file in the data folder's bucket.
      const delivered = (ready.detail.prompts as { delivered: { key: string }[] }[]).flatMap(
        (p) => p.delivered,
      );
      expect(delivered.length).toBeGreaterThan(0);
      for (const image of delivered)
        expect(existsSync(join(root, 'data', 'bucket', ...image.key.split('/')))).toBe(true);
    }
  });

  it('exits 0 once every subject has an outcome', () => {
    expect(first.code).toBe(0);
  });

  it('writes every event with the source, detail-type and detail schema used on AWS', () => {
    for (const event of events) {
      expect(event.source).toBe(EVENT_SOURCE);
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

  it('ends with a table of every subject and says where the results are', () => {
    expect(stdout).toMatch(/^Subject\s+Outcome\s+Photos used\/excl\./m);
    for (const subject of subjects)
      expect(stdout).toMatch(new RegExp(`^${subject.subjectId}\\s+(Avatars Ready|Subject Rejected)`, 'm'));
    expect(stdout).toContain(join(root, 'data', 'events.jsonl'));
    expect(stdout).toContain(`file://${join(root, 'data', 'report', 'index.html')}`);
    expect(existsSync(join(root, 'data', 'report', 'index.html'))).toBe(true);
  });

  it('shows progress as one line per subject, never the names of workflow states', () => {
    expect(stdout).toMatch(/^✔ good-ana\s+avatars ready\s+12 usable, 0 excluded\s+avatars 12\/12/m);
    expect(stdout).toMatch(/^✗ too-few-cam\s+subject rejected/m);
    expect(stdout).not.toMatch(/ValidateImages|PublishSubjectReceived|GenerationModelReadyRule/);
  });

  it('opens each run in events.jsonl with a marker line', () => {
    expect(runs).toHaveLength(4);
  });

  it('makes a new image set of a changed photo, and trains that subject alone again', () => {
    // Assess
    const fourth = runs[3] ?? [];
    const received = fourth.filter((e) => e['detail-type'] === 'Subject Received');
    const before = events.find(
      (e) => e['detail-type'] === 'Subject Received' && e.detail.subjectId === 'good-ana',
    );
    expect(changed.code).toBe(0);
    expect(received.map((e) => e.detail.subjectId)).toEqual(['good-ana']);
    expect(received[0]?.detail.imageSetId).not.toBe(before?.detail.imageSetId);
    expect(
      fourth.filter((e) => e['detail-type'] === 'Training Started').map((e) => e.detail.subjectId),
    ).toEqual(['good-ana']);
    expect(changed.stdout).toMatch(/1 of \d+\s+files\s+new\s+or\s+changed/);
  });

  it('trains nothing when the same photos are dropped into the same data folder again, and says so', () => {
    // Assess
    const again = runs[1] ?? [];
    expect(second.code).toBe(0);
    expect(again.filter((e) => e['detail-type'] === 'Training Started')).toEqual([]);
    expect(again).toEqual([]);
    expect(second.stdout).toMatch(
      /Nothing new: the \d+\s+files\s+of\s+these\s+7\s+subjects\s+are\s+already\s+in\s+this\s+data\s+folder/,
    );
    expect(second.stdout).toMatch(/^= good-ana\s+nothing new/m);
    // The results are still there, from the first run.
    expect(second.stdout).toMatch(/^good-ana\s+Avatars Ready/m);
  });

  it("finds the model trained by an earlier run when a partner's request comes in later", () => {
    // Assess
    const answered = (runs[2] ?? []).filter((e) => e['detail-type'] === 'Avatars Ready');
    expect(partner.code).toBe(0);
    expect(answered.map((e) => [e.detail.subjectId, e.detail.requestedBy, e.detail.correlationId])).toEqual([
      ['good-ana', 'partner', 'req-7'],
    ]);
    expect(partner.stdout).toMatch(/Avatars Ready: 2 delivered, 0 withheld \(partner request req-7\)/);
  });
});

/**
 * Issue 11, logs without data: a whole local run, from dropped folders to avatars, and every line every task logs
 * (info, warn, error) is searched for what must never reach CloudWatch: a prompt, a task token, a presigned link,
 * a photo key.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ports } from '../../../functions/ports.js';
import {
  generateSampleSubjects,
  SAMPLE_PROMPTS,
  type SampleSubject,
} from '../../../local/samples/generate-sample-subjects.js';
import { LocalPipelines } from '../../support/local-pipelines.js';

const STYLE_PACK = fileURLToPath(new URL('../../../functions/generation/style-pack.json', import.meta.url));

/** Passes every call through, and keeps each task token a callback answers. */
function recordingTokens(local: Ports, tokens: Set<string>): Ports {
  return {
    ...local,
    taskCallbacks: () => {
      const inner = local.taskCallbacks();
      return {
        succeed: (token, output) => {
          tokens.add(token);
          return inner.succeed(token, output);
        },
        fail: (token, error, cause) => {
          tokens.add(token);
          return inner.fail(token, error, cause);
        },
      };
    },
  };
}

/** Prompt texts a log line must not contain: as written, as sent to the model, and a long middle part of each. */
async function forbiddenPrompts(): Promise<string[]> {
  const styles = JSON.parse(await readFile(STYLE_PACK, 'utf8')) as unknown;
  const fromStyles = JSON.stringify(styles)
    .match(/"(prompt|negativePrompt)":"([^"]+)"/g)
    ?.map((m) => m.replace(/^"(prompt|negativePrompt)":"/, '').replace(/"$/, ''));
  const prompts = [...SAMPLE_PROMPTS.map((p) => p.prompt), ...(fromStyles ?? [])];
  return prompts.flatMap((prompt) => {
    const pieces = prompt.split('{subject}').map((piece) => piece.trim());
    return pieces.filter((piece) => piece.length >= 12).map((piece) => piece.slice(0, 40));
  });
}

describe('what the tasks log during a whole run', () => {
  const pipelines = new LocalPipelines();
  let samplesDir: string;
  let subjects: SampleSubject[];

  beforeAll(async () => {
    samplesDir = await mkdtemp(join(tmpdir(), 'quiet-logs-'));
    // Prompts of every kind (delivered, deny-listed, French, over-long), and a folder of problems and junk.
    subjects = await generateSampleSubjects(samplesDir, { subjects: ['prompts-fay', 'mixed-dee'] });
  });

  afterAll(async () => {
    await pipelines.closeAll();
    await rm(samplesDir, { recursive: true, force: true });
  });

  it('holds no prompt, no task token, no presigned link and no photo key', async () => {
    // Prepare
    const lines: string[] = [];
    const tokens = new Set<string>();
    const pipeline = await pipelines.open({
      log: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
      ports: (local) => recordingTokens(local, tokens),
    });

    // Act
    pipeline.holdStarts();
    for (const subject of subjects) await pipeline.dropFolder(subject.subjectId, subject.dir);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();

    // Assess: the run went all the way (a training answered by callback, avatars linked), and it logged
    const avatarsReady = pipeline.bus.published.filter((e) => e['detail-type'] === 'Avatars Ready');
    expect(avatarsReady.length).toBeGreaterThan(0);
    expect(tokens.size).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0);
    // Events carry keys, never links (issue 11, item 8): links exist only when the API issues them to the owner.
    expect(JSON.stringify(avatarsReady)).not.toMatch(/"url"|file:\/\/|X-Amz-Signature/);
    const links: string[] = [];
    const keys = subjects.flatMap((s) => s.files.map((f) => `${s.subjectId}/${f.name}`));
    const forbidden = [
      ...(await forbiddenPrompts()).map((text) => ({ kind: 'prompt', text })),
      ...[...tokens].map((text) => ({ kind: 'task token', text })),
      ...links.map((text) => ({ kind: 'presigned link', text })),
      ...keys.map((text) => ({ kind: 'photo key', text })),
      // Any key of the bucket's per-subject folders, and anything that looks like a link or a signature.
      ...['subjects/', 'training/', 'avatars/', 'quarantine/', 'file://', 'https://', 'X-Amz-Signature'].map(
        (text) => ({ kind: 'key or link', text }),
      ),
    ];
    const leaks = lines.flatMap((line) =>
      forbidden.filter(({ text }) => line.includes(text)).map(({ kind, text }) => ({ kind, text, line })),
    );
    expect(leaks).toEqual([]);
  });
});

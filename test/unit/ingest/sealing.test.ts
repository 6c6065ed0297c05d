import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubjectReceived } from '../../../events/pipeline-events.js';
import type { ExecutionStarter } from '../../../functions/ingest/execution-starter.js';
import { recordObjectCreated } from '../../../functions/ingest/record-object.js';
import { parseObjectCreated } from '../../../functions/ingest/s3-object-created.js';
import { sealQuietSubjects } from '../../../functions/ingest/seal-quiet-subjects.js';
import type { SealingDeps } from '../../../functions/ingest/seal-subject.js';
import { DEFAULT_SEALING_POLICY } from '../../../functions/ingest/sealing-policy.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import type { TrainingExecutionInput } from '../../../state-machines/training/contract.js';
import { objectCreated } from '../../support/aws-events.js';
import { type LocalLedger, startLocalLedger } from '../../support/local-ledger.js';

/** Records every start; like Step Functions, a second start of the same name reports alreadyStarted. */
class RecordingStarter implements ExecutionStarter {
  readonly started = new Map<string, TrainingExecutionInput>();
  calls = 0;
  failNext = 0;
  async start(name: string, input: TrainingExecutionInput) {
    this.calls++;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('ServiceUnavailable');
    }
    const alreadyStarted = this.started.has(name);
    this.started.set(name, input);
    return { alreadyStarted };
  }
}

describe('sealing a subject folder', () => {
  let local: LocalLedger;
  let dir: string;
  let store: FolderObjectStore;
  let starter: RecordingStarter;
  let clock: number;
  let deps: SealingDeps & { store: FolderObjectStore };
  let sequence = 0;

  const T0 = Date.parse('2026-11-25T10:00:00Z');
  const nextSequencer = () => (0x617f08299329d189n + BigInt(++sequence)).toString(16).toUpperCase();

  async function drop(subjectId: string, fileName: string, body: string | Uint8Array = `photo ${fileName}`) {
    const key = `subjects/${subjectId}/${fileName}`;
    await store.put(key, body, 'application/octet-stream');
    const { etag, size } = await store.head(key);
    const event = objectCreated(key, { etag: `"${etag}"`, size, sequencer: nextSequencer() });
    return { event, outcome: await recordObjectCreated(parseObjectCreated(event), deps) };
  }

  async function dropPhotos(subjectId: string, count: number, from = 1) {
    for (let i = from; i < from + count; i++) await drop(subjectId, `IMG_${String(i).padStart(4, '0')}.jpg`);
  }

  beforeAll(async () => {
    local = await startLocalLedger();
  });
  afterAll(async () => {
    await local.close();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealing-'));
    store = new FolderObjectStore(dir);
    starter = new RecordingStarter();
    clock = T0;
    deps = {
      ledger: local.ledger,
      starter,
      store,
      policy: DEFAULT_SEALING_POLICY,
      now: () => clock,
      log: () => {},
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('seals once when subject.json arrives after enough photos, ignoring folder junk', async () => {
    // Prepare
    await dropPhotos('s1', 10);
    await drop('s1', '.DS_Store');
    await drop('s1', '__MACOSX/._IMG_0001.jpg');
    // Act
    const { outcome } = await drop('s1', 'subject.json', JSON.stringify({ classWord: 'woman' }));
    // Assess
    expect(outcome).toMatchObject({ action: 'recorded', sealed: true });
    expect(starter.started.size).toBe(1);
    const [input] = [...starter.started.values()];
    const received = SubjectReceived.parse(input?.received);
    expect(received).toMatchObject({
      subjectId: 's1',
      sealedBy: 'subject-json',
      settings: { classWord: 'woman' },
    });
    expect(received.photos).toHaveLength(10);
    expect(received.ignoredFiles.sort()).toEqual([
      'subjects/s1/.DS_Store',
      'subjects/s1/__MACOSX/._IMG_0001.jpg',
    ]);
  });

  it('waits for enough photos when subject.json comes first, then seals on the photo that completes the set', async () => {
    await drop('s2', 'subject.json', '{}');
    await dropPhotos('s2', 9);
    expect(starter.started.size).toBe(0);
    const { outcome } = await drop('s2', 'IMG_0010.jpg');
    expect(outcome).toMatchObject({ sealed: true });
    expect(starter.started.size).toBe(1);
  });

  it('never starts a second execution for replayed, duplicate or concurrent deliveries', async () => {
    // Prepare: every event is delivered twice, concurrently
    const events = [];
    for (let i = 1; i <= 10; i++) {
      const key = `subjects/s3/IMG_${i}.jpg`;
      await store.put(key, `p${i}`, 'image/jpeg');
      const { etag, size } = await store.head(key);
      events.push(objectCreated(key, { etag, size, sequencer: nextSequencer() }));
    }
    await store.put('subjects/s3/subject.json', '{}', 'application/json');
    const settingsHead = await store.head('subjects/s3/subject.json');
    events.push(
      objectCreated('subjects/s3/subject.json', {
        etag: settingsHead.etag,
        sequencer: nextSequencer(),
        size: 2,
      }),
    );
    // Act
    await Promise.all([...events, ...events].map((e) => recordObjectCreated(parseObjectCreated(e), deps)));
    for (const e of events) await recordObjectCreated(parseObjectCreated(e), deps);
    clock += 3_600_000;
    await sealQuietSubjects(deps);
    // Assess
    expect(starter.started.size).toBe(1);
    const subject = await local.ledger.getSubject('s3');
    expect(subject).toMatchObject({ status: 'sealed', generation: 1 });
  });

  it('ignores an older event that arrives after a newer one for the same key', async () => {
    const key = 'subjects/s4/IMG_1.jpg';
    await store.put(key, 'new', 'image/jpeg');
    const newer = objectCreated(key, { etag: 'new-etag', sequencer: '0000000000000200' });
    const older = objectCreated(key, { etag: 'old-etag', sequencer: '0000000000000100' });
    await recordObjectCreated(parseObjectCreated(newer), deps);
    const outcome = await recordObjectCreated(parseObjectCreated(older), deps);
    expect(outcome).toEqual({ action: 'unchanged' });
    expect(await local.ledger.listPhotos('s4')).toEqual([{ key, size: 5242880, etag: 'new-etag' }]);
  });

  it('seals a folder without subject.json once it has been quiet for the quiet period', async () => {
    await dropPhotos('s5', 10);
    clock += 30_000;
    expect((await sealQuietSubjects(deps)).sealed).not.toContain('s5');
    clock += 31_000;
    const sweep = await sealQuietSubjects(deps);
    expect(sweep.sealed).toContain('s5');
    expect([...starter.started.values()][0]?.received.sealedBy).toBe('quiet-period');
  });

  it('seals a folder with too few photos only after the incomplete timeout, so it can be rejected with a reason', async () => {
    await dropPhotos('s6', 4);
    clock += 61_000;
    expect((await sealQuietSubjects(deps)).waiting).toContain('s6');
    clock += 900_000;
    expect((await sealQuietSubjects(deps)).sealed).toContain('s6');
    expect([...starter.started.values()][0]?.received).toMatchObject({ sealedBy: 'incomplete-timeout' });
  });

  it('makes a photo that arrives after sealing part of a new image set instead of losing it', async () => {
    await dropPhotos('s7', 10);
    await drop('s7', 'subject.json', '{}');
    const firstSet = [...starter.started.values()][0]?.received.imageSetId;
    // Act: a straggler arrives
    clock += 5_000;
    await drop('s7', 'IMG_0011.jpg');
    clock += 61_000;
    await sealQuietSubjects(deps);
    // Assess: a second, different image set with all 11 photos
    expect(starter.started.size).toBe(2);
    const second = [...starter.started.values()][1]?.received;
    expect(second?.imageSetId).not.toBe(firstSet);
    expect(second?.photos).toHaveLength(11);
    expect(await local.ledger.getSubject('s7')).toMatchObject({ generation: 2, status: 'sealed' });
  });

  it('retries a start that failed after the seal, without a second execution', async () => {
    await dropPhotos('s8', 10);
    starter.failNext = 1;
    await expect(drop('s8', 'subject.json', '{}')).rejects.toThrow('ServiceUnavailable');
    expect(starter.started.size).toBe(0);
    clock += 61_000;
    const sweep = await sealQuietSubjects(deps);
    expect(sweep.restarted).toEqual(['s8']);
    expect(starter.started.size).toBe(1);
    clock += 61_000;
    expect((await sealQuietSubjects(deps)).restarted).toEqual([]);
  });

  it('carries a subject.json problem to the workflow instead of guessing', async () => {
    await dropPhotos('s9', 10);
    await drop('s9', 'subject.json', '{"classword": "woman"}');
    const received = [...starter.started.values()][0]?.received;
    expect(received?.settingsProblem).toContain('subjects/s9/subject.json has invalid settings');
    expect(received?.settingsProblem).toContain('classword');
  });
});

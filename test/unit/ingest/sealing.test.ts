import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SubjectReceived, SubjectRejected } from '../../../events/pipeline-events.js';
import type { ExecutionStarter } from '../../../functions/ingest/execution-starter.js';
import { type IngestDeps, recordObjectCreated } from '../../../functions/ingest/record-object.js';
import { parseObjectCreated } from '../../../functions/ingest/s3-object-created.js';
import { DEFAULT_SEALING_POLICY } from '../../../functions/ingest/sealing-policy.js';
import { settleImageSet } from '../../../functions/ingest/settle-image-set.js';
import { startWaitingSubjects } from '../../../functions/ingest/start-waiting-subjects.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import type {
  SettleDecision,
  SettleImageSetInput,
  TrainingExecutionInput,
} from '../../../state-machines/training/contract.js';
import { objectCreated } from '../../support/aws-events.js';
import { type LocalLedger, startLocalLedger } from '../../support/local-ledger.js';

/** Records every start; like Step Functions, a second start of the same name is a no-op. */
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

const LIMITS = { maxImagesPerRequest: 24, maxPhotos: 15 };
const ref = (subjectId: string) => ({ tenantId: 'default', subjectId });

describe('a subject folder drop: recorded in any order, settled, sealed once', () => {
  let local: LocalLedger;
  let dir: string;
  let store: FolderObjectStore;
  let starter: RecordingStarter;
  let clock: number;
  let deps: IngestDeps;
  let sequence = 0;

  const T0 = Date.parse('2026-11-25T10:00:00Z');
  const nextSequencer = () => (0x617f08299329d189n + BigInt(++sequence)).toString(16).toUpperCase();
  const photoName = (i: number) => `IMG_${String(i).padStart(4, '0')}.jpg`;

  async function drop(subjectId: string, fileName: string, body: string | Uint8Array = `photo ${fileName}`) {
    const key = `subjects/${subjectId}/${fileName}`;
    await store.put(key, body, 'application/octet-stream');
    const { etag, size } = await store.head(key);
    const event = objectCreated(key, { etag: `"${etag}"`, size, sequencer: nextSequencer() });
    return { event, outcome: await recordObjectCreated(parseObjectCreated(event), deps) };
  }

  async function dropPhotos(subjectId: string, count: number, from = 1) {
    for (let i = from; i < from + count; i++) await drop(subjectId, photoName(i));
  }

  const settleDeps = () => ({
    ledger: local.ledger,
    policy: DEFAULT_SEALING_POLICY,
    now: () => clock,
    checks: { faceAnalysis: 'local-stand-in' as const, contentModeration: 'local-stand-in' as const },
    log: () => {},
  });

  /** What the workflow does: check, wait (the state's result comes back as `settle`), check again... */
  async function settleOnce(input: SettleImageSetInput): Promise<SettleDecision> {
    return settleImageSet(input, settleDeps());
  }

  async function settleUntilDone(subjectId: string, generation = 1): Promise<SettleDecision[]> {
    const decisions: SettleDecision[] = [];
    let previous: SettleDecision | undefined;
    for (let check = 0; check < 10; check++) {
      previous = await settleOnce({
        tenantId: 'default',
        subjectId,
        generation,
        ...(previous ? { settle: previous } : {}),
      });
      decisions.push(previous);
      if (previous.decision !== 'wait') return decisions;
    }
    throw new Error('never settled');
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
      limits: LIMITS,
      now: () => clock,
      log: () => {},
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts one execution for the folder on its first object, however many objects follow', async () => {
    // Act
    await drop('s1', 'subject.json', JSON.stringify({ classWord: 'woman' }));
    await dropPhotos('s1', 12);
    // Assess
    expect([...starter.started.entries()]).toEqual([
      [expect.stringMatching(/^s1-[a-f0-9]{8}-g1$/), { tenantId: 'default', subjectId: 's1', generation: 1 }],
    ]);
    expect(starter.calls).toBe(1);
  });

  it('seals one set with every photo whatever the order of the drop, subject.json first or last (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([...Array.from({ length: 12 }, (_, i) => photoName(i + 1)), 'subject.json'], {
          minLength: 13,
          maxLength: 13,
        }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (order, salt) => {
          // Prepare
          const subjectId = `order-${salt}-${sequence}`;
          starter.started.clear();
          // Act
          for (const file of order)
            await drop(subjectId, file, file === 'subject.json' ? '{"token":"qqx"}' : undefined);
          const decisions = await settleUntilDone(subjectId);
          // Assess
          const sealed = decisions.at(-1);
          expect(starter.started.size).toBe(1);
          expect(decisions.map((d) => d.decision)).toEqual(['wait', 'sealed']);
          if (sealed?.decision !== 'sealed') throw new Error('not sealed');
          expect(sealed.received.photos).toHaveLength(12);
          expect(sealed.received.settings.token).toBe('qqx');
          expect(sealed.received.sealedBy).toBe('subject-json');
        },
      ),
      { numRuns: 12 },
    );
  });

  it('waits the settle period after subject.json, and again while objects keep arriving', async () => {
    // Prepare
    await drop('s2', 'subject.json', '{}');
    await dropPhotos('s2', 11);
    // Act
    const first = await settleOnce({ tenantId: 'default', subjectId: 's2', generation: 1 });
    await drop('s2', photoName(12));
    const second = await settleOnce({ tenantId: 'default', subjectId: 's2', generation: 1, settle: first });
    const third = await settleOnce({ tenantId: 'default', subjectId: 's2', generation: 1, settle: second });
    // Assess
    expect(first).toMatchObject({
      decision: 'wait',
      waitSeconds: DEFAULT_SEALING_POLICY.settlePeriodSeconds,
      reason: 'subject-json',
    });
    expect(second).toMatchObject({ decision: 'wait', reason: 'subject-json' });
    expect(third).toMatchObject({ decision: 'sealed' });
    if (third.decision === 'sealed') expect(third.received.photos).toHaveLength(12);
  });

  it('seals at once when every photo subject.json names has arrived, and not before', async () => {
    // Prepare
    const named = Array.from({ length: 10 }, (_, i) => `album/${photoName(i + 1)}`);
    await drop('s3', 'subject.json', JSON.stringify({ photos: named }));
    for (const path of named.slice(0, 9)) await drop('s3', path);
    // Act
    const early = await settleOnce({ tenantId: 'default', subjectId: 's3', generation: 1 });
    await drop('s3', named[9] as string);
    const complete = await settleOnce({ tenantId: 'default', subjectId: 's3', generation: 1 });
    // Assess
    expect(early.decision).toBe('wait');
    expect(complete).toMatchObject({ decision: 'sealed', received: { sealedBy: 'photo-list-complete' } });
  });

  it('never seals a named list on a quiet folder: it polls until the last named photo, or the incomplete timeout', async () => {
    // Prepare
    const named = Array.from({ length: 12 }, (_, i) => photoName(i + 1));
    await drop('s3b', 'subject.json', JSON.stringify({ photos: named }));
    await dropPhotos('s3b', 11);
    await drop('s3c', 'subject.json', JSON.stringify({ photos: named }));
    await dropPhotos('s3c', 11);
    // Act: the same activity seen twice would seal a folder drop; a named list keeps waiting
    const first = await settleOnce({ tenantId: 'default', subjectId: 's3b', generation: 1 });
    const second = await settleOnce({ tenantId: 'default', subjectId: 's3b', generation: 1, settle: first });
    await drop('s3b', photoName(12));
    const complete = await settleOnce({
      tenantId: 'default',
      subjectId: 's3b',
      generation: 1,
      settle: second,
    });
    clock += DEFAULT_SEALING_POLICY.incompleteTimeoutSeconds * 1000;
    const timedOut = await settleOnce({ tenantId: 'default', subjectId: 's3c', generation: 1 });
    // Assess
    expect(first).toMatchObject({
      decision: 'wait',
      waitSeconds: DEFAULT_SEALING_POLICY.photoListPollSeconds,
    });
    expect(second).toMatchObject({
      decision: 'wait',
      waitSeconds: DEFAULT_SEALING_POLICY.photoListPollSeconds,
    });
    expect(complete).toMatchObject({ decision: 'sealed', received: { sealedBy: 'photo-list-complete' } });
    expect(timedOut).toMatchObject({ decision: 'sealed', received: { sealedBy: 'incomplete-timeout' } });
  });

  it('seals at once when as many photos as subject.json counts have arrived', async () => {
    // Prepare
    await drop('s4', 'subject.json', JSON.stringify({ photoCount: 10 }));
    await dropPhotos('s4', 10);
    // Act
    const decision = await settleOnce({ tenantId: 'default', subjectId: 's4', generation: 1 });
    // Assess
    expect(decision).toMatchObject({ decision: 'sealed', received: { sealedBy: 'photo-list-complete' } });
  });

  it('seals a folder without subject.json after a quiet period, and one with too few photos after the incomplete timeout', async () => {
    // Prepare
    await dropPhotos('s5', 10);
    await dropPhotos('s6', 4);
    // Act
    const enough = await settleUntilDone('s5');
    const few = await settleUntilDone('s6');
    // Assess
    expect(enough[0]).toMatchObject({
      reason: 'quiet-period',
      waitSeconds: DEFAULT_SEALING_POLICY.quietPeriodSeconds,
    });
    expect(enough.at(-1)).toMatchObject({ decision: 'sealed', received: { sealedBy: 'quiet-period' } });
    expect(few[0]).toMatchObject({
      reason: 'incomplete-timeout',
      waitSeconds: DEFAULT_SEALING_POLICY.incompleteTimeoutSeconds,
    });
    expect(few.at(-1)).toMatchObject({ decision: 'sealed', received: { sealedBy: 'incomplete-timeout' } });
  });

  it('supersedes a sealed set with a new generation when a photo arrives before it trains', async () => {
    // Prepare
    await drop('s7', 'subject.json', '{}');
    await dropPhotos('s7', 10);
    const sealed = (await settleUntilDone('s7')).at(-1);
    // Act
    const { outcome } = await drop('s7', photoName(11));
    // Assess
    expect(outcome).toMatchObject({ action: 'recorded', effect: 'superseded', started: true });
    const subject = await local.ledger.getSubject(ref('s7'));
    expect(subject).toMatchObject({ status: 'open', generation: 2 });
    expect(starter.started.get(subject?.executionName as string)).toEqual({
      tenantId: 'default',
      subjectId: 's7',
      generation: 2,
    });
    const second = (await settleUntilDone('s7', 2)).at(-1);
    if (sealed?.decision !== 'sealed' || second?.decision !== 'sealed') throw new Error('not sealed');
    expect(second.received.photos).toHaveLength(11);
    expect(second.received.supersedes).toBe(sealed.received.imageSetId);
    // The first generation's execution, if it checked again, has nothing to settle.
    expect(await settleOnce({ tenantId: 'default', subjectId: 's7', generation: 1 })).toEqual({
      decision: 'stale',
    });
  });

  it('holds a photo that arrives during a training until the training ends, then opens the next set', async () => {
    // Prepare
    await dropPhotos('s8', 10);
    await settleUntilDone('s8');
    const first = await local.ledger.getSubject(ref('s8'));
    expect(await local.ledger.claimForTraining(ref('s8'), first?.executionName as string)).toBe(true);
    // Act
    const { outcome } = await drop('s8', photoName(11));
    const startsDuringTraining = starter.started.size;
    const finished = await local.ledger.finishTraining(ref('s8'), first?.executionName as string, clock);
    clock += 61_000;
    const sweep = await startWaitingSubjects({ ...deps, policy: DEFAULT_SEALING_POLICY });
    // Assess
    expect(outcome).toMatchObject({ effect: 'held-for-training', started: false });
    expect(startsDuringTraining).toBe(1);
    expect(finished).toBe('reopened');
    expect(sweep.started).toEqual(['s8']);
    expect(await local.ledger.getSubject(ref('s8'))).toMatchObject({ status: 'open', generation: 2 });
    expect(starter.started.size).toBe(2);
  });

  it('ends a training with no new photos as done, and a later photo opens a new set', async () => {
    // Prepare
    await dropPhotos('s9', 10);
    await settleUntilDone('s9');
    const first = await local.ledger.getSubject(ref('s9'));
    await local.ledger.claimForTraining(ref('s9'), first?.executionName as string);
    // Act
    const finished = await local.ledger.finishTraining(ref('s9'), first?.executionName as string, clock);
    const { outcome } = await drop('s9', photoName(11));
    // Assess
    expect(finished).toBe('done');
    expect(outcome).toMatchObject({ effect: 'reopened', started: true });
    expect(await local.ledger.getSubject(ref('s9'))).toMatchObject({ status: 'open', generation: 2 });
  });

  it('never reopens a sealed set for folder junk (the same photos would train twice)', async () => {
    // Prepare
    await dropPhotos('s10', 10);
    await settleUntilDone('s10');
    // Act
    const { outcome } = await drop('s10', '.DS_Store');
    // Assess
    expect(outcome).toMatchObject({ action: 'recorded', effect: 'none' });
    expect(await local.ledger.getSubject(ref('s10'))).toMatchObject({ status: 'sealed', generation: 1 });
    expect(starter.started.size).toBe(1);
  });

  it('gives a folder of nothing but junk an execution, which seals it empty after the incomplete timeout', async () => {
    // Act
    await drop('s11', '.DS_Store');
    await drop('s11', 'Thumbs.db');
    const decisions = await settleUntilDone('s11');
    // Assess
    expect(starter.started.size).toBe(1);
    const sealed = decisions.at(-1);
    if (sealed?.decision !== 'sealed') throw new Error('not sealed');
    expect(sealed.received).toMatchObject({ sealedBy: 'incomplete-timeout', photos: [] });
    expect(sealed.received.ignoredFileReasons?.map((file) => file.reason).sort()).toEqual([
      'Windows thumbnail cache',
      'macOS Finder metadata',
    ]);
  });

  it('reports a folder whose name is not a valid subject id once, with the name as dropped and a suggestion', async () => {
    // Act
    const outcomes = [];
    for (const file of ['a.jpg', 'b.jpg', 'subject.json'])
      outcomes.push((await drop('Zoë Smith', file)).outcome);
    // Assess
    expect(outcomes.map((o) => o.action)).toEqual(['rejected-folder', 'rejected-folder', 'rejected-folder']);
    expect(starter.started.size).toBe(1);
    const [input] = [...starter.started.values()];
    const decision = await settleOnce(input as SettleImageSetInput);
    if (decision.decision !== 'rejected') throw new Error('not rejected');
    const rejected = SubjectRejected.parse(decision.rejected);
    expect(rejected).toMatchObject({
      folder: 'Zoë Smith',
      suggestedSubjectId: 'Zoe-Smith',
      subjectId: expect.stringMatching(/^invalid-folder-[a-f0-9]{12}$/),
    });
    expect(rejected.reason).toContain('1-64 letters');
  });

  it('never starts a second execution for replayed, duplicate or concurrent deliveries', async () => {
    // Prepare: every event is delivered twice, concurrently, and once more afterwards
    const events = [];
    for (let i = 1; i <= 10; i++) {
      const key = `subjects/s12/IMG_${i}.jpg`;
      await store.put(key, `p${i}`, 'image/jpeg');
      const { etag, size } = await store.head(key);
      events.push(objectCreated(key, { etag, size, sequencer: nextSequencer() }));
    }
    // Act
    await Promise.all([...events, ...events].map((e) => recordObjectCreated(parseObjectCreated(e), deps)));
    for (const e of events) await recordObjectCreated(parseObjectCreated(e), deps);
    const decisions = await settleUntilDone('s12');
    // Assess
    expect(starter.started.size).toBe(1);
    expect(decisions.at(-1)).toMatchObject({ decision: 'sealed' });
    expect(await local.ledger.getSubject(ref('s12'))).toMatchObject({ status: 'sealed', generation: 1 });
  });

  it('ignores an older event that arrives after a newer one for the same key', async () => {
    // Prepare
    const key = 'subjects/s13/IMG_1.jpg';
    await store.put(key, 'new', 'image/jpeg');
    const newer = objectCreated(key, { etag: 'new-etag', sequencer: '0000000000000200' });
    const older = objectCreated(key, { etag: 'old-etag', sequencer: '0000000000000100' });
    await recordObjectCreated(parseObjectCreated(newer), deps);
    // Act
    const outcome = await recordObjectCreated(parseObjectCreated(older), deps);
    // Assess
    expect(outcome).toMatchObject({ action: 'unchanged' });
    expect(await local.ledger.listPhotos(ref('s13'))).toEqual([{ key, size: 5242880, etag: 'new-etag' }]);
  });

  it('applies the newer subject.json when S3 sequencers differ in length (padded before comparing)', async () => {
    // Prepare: "617F0829932A" is later than "617F08299329D189" once padded, though shorter
    const key = 'subjects/s14/subject.json';
    await store.put(key, '{"token":"old"}', 'application/json');
    await recordObjectCreated(
      parseObjectCreated(objectCreated(key, { etag: 'e1', size: 15, sequencer: '617F08299329D189' })),
      deps,
    );
    await store.put(key, '{"token":"qqx"}', 'application/json');
    // Act
    const outcome = await recordObjectCreated(
      parseObjectCreated(objectCreated(key, { etag: 'e2', size: 15, sequencer: '617F0829932A' })),
      deps,
    );
    // Assess
    expect(outcome).toMatchObject({ action: 'recorded' });
    expect(JSON.parse((await local.ledger.getSubject(ref('s14')))?.settingsJson ?? '{}')).toMatchObject({
      token: 'qqx',
    });
  });

  it('starts a generation whose start failed, from a replayed event or from the sweep, without a second execution', async () => {
    // Prepare
    starter.failNext = 1;
    const { event } = await drop('s15', photoName(1)).catch(async () => ({
      event: objectCreated('subjects/s15/IMG_0001.jpg'),
    }));
    expect(starter.started.size).toBe(0);
    // Act
    clock += 61_000;
    const sweep = await startWaitingSubjects({ ...deps, policy: DEFAULT_SEALING_POLICY });
    const replay = await recordObjectCreated(parseObjectCreated(event), deps);
    // Assess
    expect(sweep.started).toEqual(['s15']);
    expect(replay).toMatchObject({ action: 'unchanged', started: false });
    expect(starter.started.size).toBe(1);
  });

  it('applies subject.json whatever the case of its name', async () => {
    // Prepare
    await dropPhotos('s16', 10);
    // Act
    await drop('s16', 'Subject.JSON', '{"classWord":"woman"}');
    const sealed = (await settleUntilDone('s16')).at(-1);
    // Assess
    if (sealed?.decision !== 'sealed') throw new Error('not sealed');
    expect(sealed.received.settings.classWord).toBe('woman');
  });

  it.each([
    [
      'an unknown style',
      '{"styles":["gothic-horror"]}',
      /styles: Unknown style "gothic-horror"; valid styles are/,
    ],
    [
      'too many images',
      '{"styles":["anime"],"imagesPerPrompt":8,"prompts":["a","b","c","d"]}',
      /32 avatars \(imagesPerPrompt\), over the limit of 24/,
    ],
    ['a bad token', '{"token":"ZWX"}', /token: 3 to 8 lower-case letters/],
    ['a training value out of bounds', '{"training":{"maxTrainSteps":1}}', /training\.maxTrainSteps/],
    [
      'more photos named than a training uses',
      `{"photoCount":20}`,
      /names 20 photos \(photoCount\), more than the 15/,
    ],
    ['JSON that does not parse', '{"token":', /is not valid JSON/],
  ])(
    'refuses %s in subject.json before any photo is analysed, naming the field',
    async (what, body, message) => {
      // Prepare
      const subjectId = `s17-${what.replaceAll(' ', '-')}`;
      await dropPhotos(subjectId, 10);
      // Act
      await drop(subjectId, 'subject.json', body);
      const sealed = (await settleUntilDone(subjectId)).at(-1);
      // Assess
      if (sealed?.decision !== 'sealed') throw new Error('not sealed');
      expect(SubjectReceived.parse(sealed.received).settingsProblem).toMatch(message);
    },
  );

  it('reads a subject.json that is too large to be settings only after its size is checked', async () => {
    // Prepare
    await dropPhotos('s18', 10);
    // Act
    await drop('s18', 'subject.json', `{"prompts":["${'x'.repeat(70_000)}"]}`);
    const sealed = (await settleUntilDone('s18')).at(-1);
    // Assess
    if (sealed?.decision !== 'sealed') throw new Error('not sealed');
    expect(sealed.received.settingsProblem).toMatch(/bytes, more than the 65536 a settings file may have/);
  });
});

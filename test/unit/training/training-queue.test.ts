import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  MAX_POLL_SECONDS,
  MIN_POLL_SECONDS,
  pollDelaySeconds,
  TrainingQueue,
} from '../../../functions/training/training-queue.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { trainingStateTableDefinition } from '../../../local/runtime/table-definitions.js';
import type { SlotRequest } from '../../../state-machines/training/contract.js';

/** The capacity gate on dynalite: real conditional writes, real queries. Each test uses its own table. */
describe('TrainingQueue (capacity gate)', () => {
  let dynamo: LocalDynamo;
  const TABLE = 'training-state';
  let clock: number;

  const T0 = Date.parse('2026-11-25T10:00:00.000Z');
  const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
  const request = (executionName: string, enqueuedSeconds: number): SlotRequest => ({
    executionName,
    enqueuedAt: at(enqueuedSeconds),
    tenantId: 'default',
    subjectId: `subject-${executionName}`,
  });

  function newQueue(db: DynamoDBDocumentClient = dynamo.db): TrainingQueue {
    return new TrainingQueue(db, TABLE, () => clock);
  }

  async function queueItems(queue: TrainingQueue) {
    const out = await dynamo.db.send(
      new QueryCommand({
        TableName: queue.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'TRAINING_QUEUE' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((item) => ({ executionName: item.executionName, status: item.status }));
  }

  beforeEach(async () => {
    dynamo = await startLocalDynamo([trainingStateTableDefinition(TABLE)]);
    clock = T0 + 600_000;
  });
  afterEach(async () => {
    await dynamo.close();
  });

  describe('with one slot', () => {
    const t1 = request('exec-1', 0);
    const t2 = request('exec-2', 10);
    const t3 = request('exec-3', 20);

    it('lets only the oldest in and lines the others up by enqueuedAt, whatever order they poll in', async () => {
      // Prepare
      const queue = newQueue();
      // Act
      const first = await queue.acquire(t1, 1);
      const newestFirstPoll = await queue.acquire(t3, 1);
      const middle = await queue.acquire(t2, 1);
      const newestSecondPoll = await queue.acquire(t3, 1);
      // Assess
      expect(first).toEqual({ acquired: true, queuedSeconds: 600 });
      expect(newestFirstPoll).toEqual({ acquired: false, position: 0, retryInSeconds: 60 });
      expect(middle).toEqual({ acquired: false, position: 0, retryInSeconds: 60 });
      expect(newestSecondPoll).toEqual({ acquired: false, position: 1, retryInSeconds: 300 });
      expect(await queue.holders()).toEqual(['exec-1']);
      expect(await queueItems(queue)).toEqual([
        { executionName: 'exec-1', status: 'running' },
        { executionName: 'exec-2', status: 'waiting' },
        { executionName: 'exec-3', status: 'waiting' },
      ]);
    });

    it('gives the slot to the next in line after a release, not to a newer one polling first', async () => {
      // Prepare
      const queue = newQueue();
      await queue.acquire(t1, 1);
      await queue.acquire(t2, 1);
      await queue.acquire(t3, 1);
      // Act
      const released = await queue.release(t1);
      const newerPollsFirst = await queue.acquire(t3, 1);
      const next = await queue.acquire(t2, 1);
      // Assess
      expect(released).toEqual({ released: true });
      expect(newerPollsFirst).toEqual({ acquired: false, position: 1, retryInSeconds: 300 });
      expect(next).toEqual({ acquired: true, queuedSeconds: 590 });
      expect(await queue.holders()).toEqual(['exec-2']);
      expect(await queueItems(queue)).toEqual([
        { executionName: 'exec-2', status: 'running' },
        { executionName: 'exec-3', status: 'waiting' },
      ]);
    });

    it('is idempotent for the holder: a repeated acquire is still acquired, with one holder', async () => {
      // Prepare
      const queue = newQueue();
      await queue.acquire(t1, 1);
      // Act
      const again = await queue.acquire(t1, 1);
      // Assess
      expect(again).toEqual({ acquired: true, queuedSeconds: 600 });
      expect(await queue.holders()).toEqual(['exec-1']);
      expect(await queueItems(queue)).toEqual([{ executionName: 'exec-1', status: 'running' }]);
    });

    it('treats a second release as harmless, and frees nothing the second time', async () => {
      // Prepare
      const queue = newQueue();
      await queue.acquire(t1, 1);
      await queue.acquire(t2, 1);
      // Act
      const first = await queue.release(t1);
      const second = await queue.release(t1);
      // Assess
      expect(first).toEqual({ released: true });
      expect(second).toEqual({ released: false });
      expect(await queue.holders()).toEqual([]);
      expect(await queueItems(queue)).toEqual([{ executionName: 'exec-2', status: 'waiting' }]);
      await expect(queue.acquire(t2, 1)).resolves.toEqual({ acquired: true, queuedSeconds: 590 });
    });

    it('treats the release of an execution that never queued as harmless', async () => {
      // Prepare
      const queue = newQueue();
      await queue.acquire(t1, 1);
      // Act
      const outcome = await queue.release({ executionName: 'never-queued', enqueuedAt: at(5) });
      // Assess
      expect(outcome).toEqual({ released: false });
      expect(await queue.holders()).toEqual(['exec-1']);
      expect(await queueItems(queue)).toEqual([{ executionName: 'exec-1', status: 'running' }]);
    });

    it('lets a waiting execution leave the queue (release without a slot) so the one behind moves up', async () => {
      // Prepare
      const queue = newQueue();
      await queue.acquire(t1, 1);
      await queue.acquire(t2, 1);
      await queue.acquire(t3, 1);
      // Act
      const left = await queue.release(t2);
      const behind = await queue.acquire(t3, 1);
      // Assess
      expect(left).toEqual({ released: false });
      expect(behind).toEqual({ acquired: false, position: 0, retryInSeconds: 60 });
      expect(await queue.holders()).toEqual(['exec-1']);
    });
  });

  describe('with two slots', () => {
    it('allows two holders and never a third', async () => {
      // Prepare
      const queue = newQueue();
      // Act
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await queue.acquire(request(`exec-${i}`, i), 2));
      // Assess
      expect(decisions).toEqual([
        { acquired: true, queuedSeconds: 600 },
        { acquired: true, queuedSeconds: 599 },
        { acquired: false, position: 0, retryInSeconds: 60 },
        { acquired: false, position: 1, retryInSeconds: 150 },
      ]);
      expect((await queue.holders()).sort()).toEqual(['exec-0', 'exec-1']);
    });

    it('admits exactly two of six concurrent acquires', async () => {
      // Prepare
      const queue = newQueue();
      const requests = Array.from({ length: 6 }, (_, i) => request(`exec-${i}`, i));
      // Act
      const decisions = await Promise.all(requests.map((r) => queue.acquire(r, 2)));
      // Assess
      const admitted = requests.filter((_, i) => decisions[i]?.acquired).map((r) => r.executionName);
      expect(admitted).toHaveLength(2);
      expect((await queue.holders()).sort()).toEqual([...admitted].sort());
      // Whoever is admitted, polling again never makes a third holder.
      const again = await Promise.all(requests.map((r) => queue.acquire(r, 2)));
      expect(again.filter((d) => d.acquired)).toHaveLength(2);
      expect(await queue.holders()).toHaveLength(2);
    });

    it('never exceeds the limit over repeated concurrent polling rounds with releases in between', async () => {
      // Prepare
      const queue = newQueue();
      const pending = Array.from({ length: 6 }, (_, i) => request(`exec-${i}`, i));
      const finished: string[] = [];
      // Act: poll everyone still pending, release whoever got in, until all have trained.
      for (let round = 0; round < 12 && pending.length > 0; round++) {
        const decisions = await Promise.all(pending.map((r) => queue.acquire(r, 2)));
        const holders = await queue.holders();
        // Assess (per round)
        expect(holders.length).toBeLessThanOrEqual(2);
        const admitted = pending.filter((_, i) => decisions[i]?.acquired);
        for (const r of admitted) {
          await queue.release(r);
          finished.push(r.executionName);
          pending.splice(pending.indexOf(r), 1);
        }
      }
      // Assess
      expect(finished.sort()).toEqual(['exec-0', 'exec-1', 'exec-2', 'exec-3', 'exec-4', 'exec-5']);
      expect(await queue.holders()).toEqual([]);
    });

    /**
     * Between `take` (slot written) and `markRunning` (queue item flipped to running) the first execution is
     * counted twice by a concurrent acquire: once as a held slot and once as a waiting item ahead of it. The next
     * in line is then refused although a slot is free (it only gets in on its next poll, a Wait state later).
     */
    it('admits the next in line while the first is between taking its slot and marking itself running', async () => {
      // Prepare: a client that runs exec-b's whole acquire right after exec-a's slot write.
      let interleave: (() => Promise<unknown>) | undefined;
      // A real client underneath (the SDK's paginator requires one) whose send runs the interleaving.
      const db: DynamoDBDocumentClient = Object.create(dynamo.db);
      db.send = (async (command: unknown) => {
        const out = await dynamo.db.send(command as never);
        if (
          interleave &&
          command instanceof UpdateCommand &&
          command.input.ConditionExpression === 'attribute_not_exists(holder)'
        ) {
          const run = interleave;
          interleave = undefined;
          await run();
        }
        return out;
      }) as never;
      const queue = newQueue(db);
      const a = request('exec-a', 0);
      const b = request('exec-b', 1);
      let bDecision: unknown;
      interleave = async () => {
        bDecision = await queue.acquire(b, 2);
      };
      // Act
      const aDecision = await queue.acquire(a, 2);
      // Assess
      expect(aDecision).toEqual({ acquired: true, queuedSeconds: 600 });
      expect(bDecision).toEqual({ acquired: true, queuedSeconds: 599 });
    });
  });

  it('measures queuedSeconds from enqueuedAt with the injected clock, never negative', async () => {
    // Prepare
    const queue = newQueue();
    clock = T0 + 90_500;
    // Act
    const early = await queue.acquire(request('exec-early', 0), 3);
    const later = await queue.acquire(request('exec-later', 60), 3);
    clock = T0;
    const ahead = await queue.acquire(request('exec-ahead', 60), 3);
    // Assess
    expect(early).toEqual({ acquired: true, queuedSeconds: 90.5 });
    expect(later).toEqual({ acquired: true, queuedSeconds: 30.5 });
    expect(ahead).toEqual({ acquired: true, queuedSeconds: 0 });
  });

  describe('poll delay', () => {
    it('is a minute at the head of the queue and grows with the position, shorter with more slots', () => {
      // Prepare
      const positions = [0, 1, 4, 40, 400];
      // Act
      const oneSlot = positions.map((position) => pollDelaySeconds(position, 1));
      const fourSlots = positions.map((position) => pollDelaySeconds(position, 4));
      // Assess
      expect(oneSlot).toEqual([60, 300, 1200, 3600, 3600]);
      expect(fourSlots).toEqual([60, 75, 300, 3000, 3600]);
    });

    it('stays between a minute and an hour, whatever the position (even a negative one)', () => {
      // Prepare
      const positions = [-1, 0, 1, 7, 99, 1_000, 1_000_000];
      // Act
      const delays = positions.flatMap((position) =>
        [1, 4, 16].map((limit) => pollDelaySeconds(position, limit)),
      );
      // Assess
      for (const delay of delays) {
        expect(delay).toBeGreaterThanOrEqual(MIN_POLL_SECONDS);
        expect(delay).toBeLessThanOrEqual(MAX_POLL_SECONDS);
        expect(Number.isInteger(delay)).toBe(true);
      }
    });
  });
});

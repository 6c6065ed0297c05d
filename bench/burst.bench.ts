/**
 * A burst of 1,000 subjects at the training capacity gate, on a compressed (simulated) clock.
 *
 * What is real: the capacity gate (functions/training/training-queue.ts, the code AcquireTrainingSlot and
 * ReleaseTrainingSlot run) against DynamoDB's behaviour (dynalite, conditional writes, consistent queries).
 * What is modelled: the training workflow around it (acquire; if not acquired, Choice and a 60 s Wait, then
 * acquire again; train; release on every exit path), and SageMaker (training times log-normal around 1,500 s,
 * throttled starts that the Train state retries while holding the slot, occasional failed trainings).
 * Polls that cannot change the outcome (a waiter behind the free slots) are counted with the requests and reads
 * a real poll makes at that queue depth, not replayed: replaying them would be ~3 million queries of up to 1,000
 * items here. Every poll that can take a slot calls the real gate, which decides.
 */
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { pollDelaySeconds, TrainingQueue } from '../functions/training/training-queue.js';
import { startLocalDynamo } from '../local/runtime/local-dynamo.js';
import { PRICES } from './orchestration-cost.bench.js';

export interface BurstOptions {
  subjects: number;
  capacity: number;
  /** Seconds over which the subjects arrive. */
  arrivalSpreadSeconds: number;
  medianTrainingSeconds: number;
  /** Sigma of the log-normal training time. */
  trainingSpread: number;
  throttleProbability: number;
  failureProbability: number;
  /** Fixed poll interval (the design before issue 14); without it, the gate's `retryInSeconds`. */
  pollSeconds?: number;
  seed: number;
}

export const BURST_DEFAULTS: BurstOptions = {
  subjects: 1000,
  capacity: 4,
  arrivalSpreadSeconds: 600,
  medianTrainingSeconds: 1500,
  trainingSpread: 0.25,
  throttleProbability: 0.05,
  failureProbability: 0.03,
  seed: 14,
};

/** Bytes of one queue item as DynamoDB sizes it (names + values); a consistent read unit is 4 KB. */
const QUEUE_ITEM_BYTES = 170;
/** Transitions of one unsuccessful poll: AcquireTrainingSlot, HasTrainingSlot (Choice), WaitForTrainingSlot. */
const TRANSITIONS_PER_POLL = 3;
/** The rest of a subject's trip through the gate and training: acquire, Choice, Train, release, and the rest. */
const TRANSITIONS_OUTSIDE_POLLING = 6;
/** On-demand DynamoDB, per million request units (us-east-1, 2026). */
const DYNAMO_READ_UNIT = 0.125 / 1_000_000;
const DYNAMO_WRITE_UNIT = 0.625 / 1_000_000;

export interface BurstFigures {
  subjects: number;
  outcomes: number;
  trained: number;
  failed: number;
  lost: number;
  trainedTwice: number;
  capacity: number;
  maxConcurrentTrainings: number;
  throttledStarts: number;
  queueWaitP50Minutes: number;
  queueWaitP95Minutes: number;
  queueWaitP99Minutes: number;
  makespanHours: number;
  idealMakespanHours: number;
  makespanRatioToIdeal: number;
  dynamoReadUnitsPerSubject: number;
  dynamoWritesPerSubject: number;
  transitionsPerSubject: number;
  /** What the gate's polling costs per hour with this many subjects waiting. */
  pollingCostPerHourAtDepth: { depth: number; usd: number; transitions: number; readUnits: number }[];
  /** Calls made to the real gate (the rest of the polls are counted, see above). */
  realGateCalls: number;
  series: { t: number; queued: number; running: number }[];
}

export async function benchBurst(options: Partial<BurstOptions> = {}): Promise<BurstFigures> {
  const o = { ...BURST_DEFAULTS, ...options };
  const random = mulberry32(o.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const dynamo = await startLocalDynamo([
    {
      TableName: 'training-state',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    },
  ]);
  let now = 0;
  const epoch = Date.parse('2026-01-01T00:00:00Z');
  let readUnits = 0;
  let writes = 0;
  let realGateCalls = 0;
  dynamo.db.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as { Count?: number };
      if (context.commandName === 'QueryCommand')
        readUnits += Math.max(1, Math.ceil(((output.Count ?? 0) * QUEUE_ITEM_BYTES) / 4096));
      else writes += 1;
      return result;
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const queue = new TrainingQueue(dynamo.db, 'training-state', () => epoch + now * 1000);
  try {
    type Subject = {
      id: number;
      request: { tenantId: string; executionName: string; enqueuedAt: string; subjectId: string };
      arrivedAt: number;
      startedAt?: number;
      outcome?: 'trained' | 'failed';
      starts: number;
    };
    const subjects: Subject[] = Array.from({ length: o.subjects }, (_, id) => {
      const arrivedAt = Math.floor(random() * o.arrivalSpreadSeconds);
      const name = `subject-${String(id).padStart(4, '0')}`;
      return {
        id,
        arrivedAt,
        starts: 0,
        request: {
          tenantId: 'default',
          executionName: `exec-${name}`,
          enqueuedAt: new Date(epoch + arrivedAt * 1000).toISOString(),
          subjectId: name,
        },
      };
    });
    const events = new MinHeap<{ t: number; kind: 'poll' | 'finish'; subject: Subject; failed?: boolean }>();
    for (const subject of subjects)
      events.push(subject.arrivedAt, { t: subject.arrivedAt, kind: 'poll', subject });
    const waiting = new Set<Subject>();
    let running = 0;
    let maxRunning = 0;
    let polls = 0;
    let throttled = 0;
    let busySeconds = 0;
    const series: BurstFigures['series'] = [];
    const sample = () => {
      const last = series[series.length - 1];
      if (!last || last.queued !== waiting.size || last.running !== running)
        series.push({ t: now, queued: waiting.size, running });
    };
    const inQueueOrder = () => [...waiting].sort((a, b) => a.arrivedAt - b.arrivedAt || a.id - b.id);
    /** Waiters in queue order: the ones a free slot could go to. */
    const head = () => inQueueOrder().slice(0, o.capacity - running);
    const delayAt = (position: number) => o.pollSeconds ?? pollDelaySeconds(position, o.capacity);

    while (events.size > 0) {
      const event = events.pop();
      if (!event) break;
      now = event.t;
      const { subject } = event;
      if (event.kind === 'finish') {
        realGateCalls++;
        await queue.release(subject.request);
        running--;
        subject.outcome = event.failed ? 'failed' : 'trained';
        sample();
        continue;
      }
      polls++;
      const firstPoll = !waiting.has(subject) && subject.startedAt === undefined;
      const couldTake = running < o.capacity && head().includes(subject);
      let delay: number;
      if (firstPoll || couldTake) {
        realGateCalls++;
        const decision = await queue.acquire(subject.request, o.capacity);
        delay = o.pollSeconds ?? ('retryInSeconds' in decision ? decision.retryInSeconds : 60);
        if (decision.acquired) {
          waiting.delete(subject);
          running++;
          maxRunning = Math.max(maxRunning, running, (await queue.holders()).length);
          subject.startedAt = now;
          subject.starts++;
          // A throttled CreateTrainingJob is retried by the Train state (backoff), the slot still held.
          let startDelay = 0;
          while (random() < o.throttleProbability) {
            throttled++;
            startDelay += 30;
          }
          const seconds = o.medianTrainingSeconds * Math.exp(o.trainingSpread * normal());
          const failed = random() < o.failureProbability;
          const trainedFor = failed ? seconds * random() : seconds;
          busySeconds += trainedFor;
          events.push(now + startDelay + trainedFor, {
            t: now + startDelay + trainedFor,
            kind: 'finish',
            subject,
            failed,
          });
          sample();
          continue;
        }
      } else {
        // The poll a waiter behind the free slots makes: its Put (condition fails), the slots and the queue.
        writes += 1;
        readUnits += 1 + Math.max(1, Math.ceil((waiting.size * QUEUE_ITEM_BYTES) / 4096));
        delay = delayAt(inQueueOrder().indexOf(subject));
      }
      waiting.add(subject);
      sample();
      events.push(now + delay, { t: now + delay, kind: 'poll', subject });
    }

    const waits = subjects
      .filter((s) => s.startedAt !== undefined)
      .map((s) => ((s.startedAt as number) - s.arrivedAt) / 60)
      .sort((a, b) => a - b);
    const quantile = (q: number) =>
      round2(waits[Math.min(waits.length - 1, Math.floor(q * waits.length))] ?? 0);
    const firstArrival = Math.min(...subjects.map((s) => s.arrivedAt));
    const makespan = now - firstArrival;
    const ideal = busySeconds / o.capacity;
    const trained = subjects.filter((s) => s.outcome === 'trained').length;
    const failed = subjects.filter((s) => s.outcome === 'failed').length;
    const unsuccessfulPolls = polls - subjects.length;
    const pollingCostPerHourAtDepth = [10, 100, 1000].map((depth) => {
      let pollsPerHour = 0;
      for (let position = 0; position < depth; position++) pollsPerHour += 3600 / delayAt(position);
      const reads = pollsPerHour * (1 + Math.max(1, Math.ceil((depth * QUEUE_ITEM_BYTES) / 4096)));
      const transitions = pollsPerHour * TRANSITIONS_PER_POLL;
      const usd =
        transitions * PRICES.stateTransition +
        pollsPerHour * (PRICES.lambdaRequest + 0.1 * (512 / 1024) * PRICES.lambdaGbSecond) +
        reads * DYNAMO_READ_UNIT +
        pollsPerHour * DYNAMO_WRITE_UNIT;
      return {
        depth,
        usd: Math.round(usd * 10_000) / 10_000,
        transitions: Math.round(transitions),
        readUnits: Math.round(reads),
      };
    });
    return {
      subjects: o.subjects,
      outcomes: trained + failed,
      trained,
      failed,
      lost: subjects.filter((s) => s.outcome === undefined).length,
      trainedTwice: subjects.filter((s) => s.starts > 1).length,
      capacity: o.capacity,
      maxConcurrentTrainings: maxRunning,
      throttledStarts: throttled,
      queueWaitP50Minutes: quantile(0.5),
      queueWaitP95Minutes: quantile(0.95),
      queueWaitP99Minutes: quantile(0.99),
      makespanHours: round2(makespan / 3600),
      idealMakespanHours: round2(ideal / 3600),
      makespanRatioToIdeal: round2(makespan / ideal),
      dynamoReadUnitsPerSubject: round2(readUnits / o.subjects),
      dynamoWritesPerSubject: round2(writes / o.subjects),
      transitionsPerSubject: round2(
        (unsuccessfulPolls * TRANSITIONS_PER_POLL) / o.subjects + TRANSITIONS_OUTSIDE_POLLING,
      ),
      pollingCostPerHourAtDepth,
      realGateCalls,
      series,
    };
  } finally {
    await dynamo.close();
  }
}

/** Queue depth and running trainings over time, as a small SVG (step lines, hours on the x axis). */
export function burstSvg(figures: BurstFigures): string {
  const width = 720;
  const height = 260;
  const pad = 40;
  const end = figures.series[figures.series.length - 1]?.t ?? 1;
  const maxQueued = Math.max(1, ...figures.series.map((p) => p.queued));
  const x = (t: number) => (pad + ((width - 2 * pad) * t) / end).toFixed(1);
  const yQueue = (v: number) => (height - pad - ((height - 2 * pad) * v) / maxQueued).toFixed(1);
  const yRun = (v: number) => (height - pad - ((height - 2 * pad) * v) / figures.capacity).toFixed(1);
  // One point per ~pixel keeps the file small.
  const step = Math.max(1, Math.floor(figures.series.length / 1400));
  const points = figures.series.filter((_, i) => i % step === 0);
  const path = (y: (v: number) => string, value: (p: BurstFigures['series'][number]) => number) =>
    points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t)},${y(value(p))}`).join('');
  const hours = Math.ceil(end / 3600);
  const ticks = Array.from({ length: Math.min(hours, 12) + 1 }, (_, i) =>
    Math.round((i * hours) / Math.min(hours, 12)),
  )
    .map(
      (h) =>
        `<text x="${x(h * 3600)}" y="${height - pad + 14}" font-size="10" text-anchor="middle">${h} h</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<title>Queue depth and running trainings during a burst of ${figures.subjects} subjects</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${pad}" y="16" font-size="12">Burst of ${figures.subjects} subjects, capacity ${figures.capacity}: queue depth (blue, 0-${maxQueued}) and running trainings (orange, 0-${figures.capacity})</text>
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#999"/>
<path d="${path(yQueue, (p) => p.queued)}" fill="none" stroke="#1c7ed6" stroke-width="1.5"/>
<path d="${path(yRun, (p) => p.running)}" fill="none" stroke="#f76707" stroke-width="1"/>
${ticks}
</svg>
`;
}

/** A deterministic generator, so that a run can be repeated. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class MinHeap<T> {
  private readonly items: { key: number; order: number; value: T }[] = [];
  private order = 0;
  get size() {
    return this.items.length;
  }
  push(key: number, value: T) {
    const items = this.items;
    items.push({ key, order: this.order++, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [items[i], items[parent]] = [items[parent] as never, items[i] as never];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(l, m)) m = l;
        if (r < items.length && this.less(r, m)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as never, items[i] as never];
        i = m;
      }
    }
    return top?.value;
  }
  private less(a: number, b: number) {
    const x = this.items[a] as { key: number; order: number };
    const y = this.items[b] as { key: number; order: number };
    return x.key < y.key || (x.key === y.key && x.order < y.order);
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchBurst({
    subjects: Number(process.argv[2] ?? BURST_DEFAULTS.subjects),
    ...(process.argv[4] ? { pollSeconds: Number(process.argv[4]) } : {}),
  });
  if (process.argv[3]) await writeFile(process.argv[3], burstSvg(figures));
  console.log(JSON.stringify({ ...figures, series: `${figures.series.length} points` }, null, 2));
}

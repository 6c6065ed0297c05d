/**
 * `npm run bench:webhooks`: the delivery latency of each webhook type on this machine, from the moment the event
 * is published on the local bus to the moment a real receiver on 127.0.0.1 has it (signed, verified), through the
 * synthesized webhooks workflow. Subjects with a subject.json naming the receiver go through the whole pipeline.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '../functions/webhooks/signing.js';
import { LocalPipeline } from '../local/runtime/local-pipeline.js';
import { setLocalDefaultWebhookSecret } from '../local/runtime/local-webhooks.js';
import { generateSampleSubjects } from '../local/samples/generate-sample-subjects.js';

const SUBJECTS = Number(process.argv[2] ?? 3);
const secret = newWebhookSecret();
const verifier = new Webhook(secret);
const publishedAt = new Map<string, number>();
const latencies = new Map<string, number[]>();
let unverified = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const arrived = performance.now();
    try {
      const body = verifier.verify(
        Buffer.concat(chunks).toString('utf8'),
        req.headers as Record<string, string>,
      ) as {
        type: string;
      };
      const sent = publishedAt.get(String(req.headers['webhook-id']));
      if (sent !== undefined) latencies.set(body.type, [...(latencies.get(body.type) ?? []), arrived - sent]);
    } catch {
      unverified += 1;
    }
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;

const dir = await mkdtemp(join(tmpdir(), 'webhook-latency-'));
const [ana] = await generateSampleSubjects(join(dir, 'samples'), { subjects: ['good-ana'] });
if (!ana) throw new Error('no sample subject');
const photos = await Promise.all(
  ana.files
    .filter((f) => f.expected === 'good')
    .map(async (f) => ({ name: f.name, body: await readFile(join(ana.dir, f.name)) })),
);
const pipeline = await LocalPipeline.open({
  dataDir: join(dir, 'data'),
  retryIntervalMs: 0,
  onEvent: (event) => publishedAt.set(`msg_${event.id.replace(/[^A-Za-z0-9_-]/g, '')}`, performance.now()),
});
await setLocalDefaultWebhookSecret(pipeline, secret);
pipeline.holdStarts();
for (let i = 0; i < SUBJECTS; i++) {
  await pipeline.dropObject(`subjects/s${i}/subject.json`, JSON.stringify({ webhook: { url } }));
  for (const photo of photos) await pipeline.dropObject(`subjects/s${i}/${photo.name}`, photo.body);
}
await pipeline.fastForwardQuietPeriods();
await pipeline.settled();
await pipeline.close();
server.close();
await rm(dir, { recursive: true, force: true });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
console.log(`${SUBJECTS} subjects, webhooks to a loopback receiver; unverified: ${unverified}`);
console.log('type                      n   median ms   p95 ms   max ms');
for (const [type, values] of [...latencies].sort()) {
  console.log(
    `${type.padEnd(24)} ${String(values.length).padStart(3)} ${percentile(values, 50).toFixed(1).padStart(11)} ${percentile(values, 95).toFixed(1).padStart(8)} ${Math.max(
      ...values,
    )
      .toFixed(1)
      .padStart(8)}`,
  );
}

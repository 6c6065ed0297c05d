import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCountedDetailType, utcDay } from '../../../functions/operations/outcome-counts.js';
import { LocalPipelines } from '../../support/local-pipelines.js';
import { goodSamplePhotos, type SamplePhoto } from '../../support/sample-photos.js';

/**
 * Issue 11, item 8: the operators' topic gets per-day summaries without links or prompts. Through the synthesized
 * stack on the local engine: every outcome event reaches CountOutcome by its bus rule, and SendDailySummary sends
 * the day's counts to the operators' topic.
 */
describe("the operators' daily summary (synthesized stack, local engine)", () => {
  let photos: SamplePhoto[];
  let removeSamples: () => Promise<void>;
  const pipelines = new LocalPipelines();

  beforeAll(async () => {
    ({ photos, remove: removeSamples } = await goodSamplePhotos('operations-'));
  });
  afterAll(async () => {
    await pipelines.closeAll();
    await removeSamples();
  });

  it("counts every outcome of a subject's run once and sends them as counts only, with no id, prompt or link", async () => {
    // Prepare: one subject to its avatars, and one folder whose name cannot be a subject id
    const pipeline = await pipelines.open({ dataDir: await mkdtemp(join(tmpdir(), 'operations-data-')) });
    for (const photo of photos) await pipeline.dropObject(`subjects/ana-ops/${photo.name}`, photo.body);
    for (const photo of photos.slice(0, 3))
      await pipeline.dropObject(`subjects/Bad Name/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    const published = pipeline.bus.published.filter((e) => e.source === 'avatar-pipeline');
    const ready = published.find((e) => e['detail-type'] === 'Avatars Ready');
    if (!ready) throw new Error('the subject got no Avatars Ready');
    const delivered = (ready.detail.counts as { imagesDelivered: number }).imagesDelivered;
    const days = [...new Set(published.map((e) => utcDay(e.time)))];

    // Act
    const notices = [];
    for (const day of days) notices.push(await pipeline.sendDailySummary(day));

    // Assess: one counted row per event, whatever the day boundary did
    const counted = notices.reduce((sum, notice) => sum + notice.events, 0);
    const countable = published.filter((e) => isCountedDetailType(e['detail-type']));
    expect(countable.length).toBeGreaterThan(5);
    expect(counted).toBe(countable.length);
    expect(pipeline.invocations.get('countOutcome')).toBe(countable.length);
    const text = notices.map((n) => `${n.subject}\n${n.message}`).join('\n');
    if (days.length === 1) {
      expect(notices[0]?.message).toMatch(/Subjects: 1 received, 1 accepted, 1 rejected \(1 folder name\)/);
      expect(notices[0]?.message).toContain(`${delivered} avatars delivered`);
      expect(notices[0]?.subject).toMatch(
        /^Avatar pipeline \d{4}-\d{2}-\d{2}: 1 subjects accepted, 1 models, \d+ avatars$/,
      );
    }
    for (const secret of ['ana-ops', 'Bad Name', 'http://', 'https://', '{subject}', 'avatars/']) {
      expect(text).not.toContain(secret);
    }
    const prompts = (ready.detail.prompts as { prompt: string }[]).map((p) => p.prompt);
    for (const prompt of prompts) expect(text).not.toContain(prompt);
    expect(pipeline.metrics.get('SubjectsAccepted')).toBe(1);
    expect(pipeline.metrics.get('ImagesDelivered')).toBe(delivered);
  });
});

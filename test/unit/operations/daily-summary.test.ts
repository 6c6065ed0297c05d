import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { countOutcome } from '../../../functions/operations/count-outcome.js';
import { DailyOutcomes } from '../../../functions/operations/daily-outcomes.js';
import {
  dailySummaryText,
  dayToSummarise,
  sendDailySummary,
} from '../../../functions/operations/daily-summary.js';
import { SnsOperatorNotices } from '../../../functions/operations/operator-notices.js';
import { DailySummaryInput } from '../../../functions/operations/send-daily-summary.task.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { trainingStateTableDefinition } from '../../../local/runtime/table-definitions.js';

const TABLE = 'operations';
const sns = mockClient(SNSClient);
let dynamo: LocalDynamo;

beforeEach(async () => {
  sns.reset();
  dynamo = await startLocalDynamo([trainingStateTableDefinition(TABLE)]);
});
afterEach(async () => {
  await dynamo.close();
});

const event = (id: string, detailType: string, detail: unknown, time = '2026-12-01T10:00:00Z') => ({
  id,
  source: 'avatar-pipeline',
  time,
  'detail-type': detailType,
  detail,
});

function recordingDeps() {
  const metrics: [string, number][] = [];
  const warnings: string[] = [];
  return {
    metrics,
    warnings,
    deps: {
      outcomes: new DailyOutcomes(dynamo.db, TABLE, () => Date.parse('2026-12-01T10:00:00Z')),
      metrics: { count: (name: string, value = 1) => metrics.push([name, value]) },
      log: { info: () => {}, warn: (message: string) => warnings.push(message), error: () => {} },
    },
  };
}

describe('countOutcome', () => {
  it('counts a redelivered event once, and emits its metrics once', async () => {
    // Prepare
    const { deps, metrics } = recordingDeps();
    const ready = event('e-1', 'Avatars Ready', {
      counts: { imagesDelivered: 4, imagesWithheld: 0, imagesBlocked: 0 },
    });
    // Act
    const first = await countOutcome(ready, deps);
    const again = await countOutcome(ready, deps);
    // Assess
    expect(first.outcome).toBe('recorded');
    expect(again.outcome).toBe('duplicate');
    expect(await deps.outcomes.countsOfDay('2026-12-01')).toHaveLength(1);
    expect(metrics).toEqual([
      ['GenerationsSucceeded', 1],
      ['ImagesDelivered', 4],
    ]);
  });

  it('ignores an event that is not ours or not of a counted type, and counts it nowhere', async () => {
    // Prepare
    const { deps, warnings } = recordingDeps();
    // Act
    const forged = await countOutcome(
      { ...event('e-2', 'Subject Accepted', {}), source: 'partner.acme' },
      deps,
    );
    const request = await countOutcome(event('e-3', 'Avatar Generation Requested', {}), deps);
    // Assess
    expect([forged.outcome, request.outcome]).toEqual(['ignored', 'ignored']);
    expect(warnings).toHaveLength(2);
    expect(await deps.outcomes.countsOfDay('2026-12-01')).toEqual([]);
  });
});

describe('sendDailySummary', () => {
  it("sums the day's events into one notice with counts only, and keeps other days out", async () => {
    // Prepare
    const { deps } = recordingDeps();
    await countOutcome(event('a', 'Subject Received', { subjectId: 'ana' }), deps);
    await countOutcome(event('b', 'Subject Accepted', { subjectId: 'ana' }), deps);
    await countOutcome(
      event('c', 'Prompt Rejected', { prompt: 'ana naked', rule: 'deny-list', label: 'naked' }),
      deps,
    );
    await countOutcome(
      event('d', 'Avatars Ready', { counts: { imagesDelivered: 11, imagesWithheld: 1, imagesBlocked: 1 } }),
      deps,
    );
    await countOutcome(event('e', 'Subject Accepted', {}, '2026-12-02T00:00:01Z'), deps);
    const published: { subject: string; message: string }[] = [];
    // Act
    const sent = await sendDailySummary(
      { scheduledAt: '2026-12-02T00:15:00Z' },
      {
        outcomes: deps.outcomes,
        notices: { publish: async (subject, message) => void published.push({ subject, message }) },
        dashboardName: 'AvatarPipeline-operations',
      },
    );
    // Assess
    expect(sent).toMatchObject({ day: '2026-12-01', events: 4 });
    expect(published).toHaveLength(1);
    const [notice] = published;
    expect(notice?.subject).toBe('Avatar pipeline 2026-12-01: 1 subjects accepted, 0 models, 11 avatars');
    expect(notice?.message).toContain('Subjects: 1 received, 1 accepted, 0 rejected');
    expect(notice?.message).toContain(
      '11 avatars delivered, 1 withheld (1 blocked by image screening); 1 prompts rejected (1 deny list)',
    );
    expect(notice?.message).toContain('AvatarPipeline-operations');
    for (const secret of ['ana', 'naked']) expect(notice?.message).not.toContain(secret);
  });

  it('sends a day without events too, saying so', () => {
    // Prepare / Act
    const { subject, message } = dailySummaryText('2026-12-01', 0, {}, 'd');
    // Assess
    expect(subject).toBe('Avatar pipeline 2026-12-01: 0 subjects accepted, 0 models, 0 avatars');
    expect(message).toMatch(/^Avatar pipeline, 2026-12-01 \(UTC\): 0 outcome events\./);
  });

  it('summarises the day before the schedule fired, or the day it is asked for', () => {
    // Prepare
    const scheduled = {
      version: '0',
      id: 'x',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-12-02T00:15:00Z',
      region: 'eu-west-1',
      resources: [],
      'detail-type': 'Scheduled Event',
      detail: {},
    };
    // Act
    const fromSchedule = dayToSummarise(DailySummaryInput.parse(scheduled));
    const asked = dayToSummarise(DailySummaryInput.parse({ day: '2026-11-30' }));
    const bad = DailySummaryInput.safeParse({ day: '2026-13-45' });
    // Assess
    expect(fromSchedule).toBe('2026-12-01');
    expect(asked).toBe('2026-11-30');
    expect(bad.success).toBe(false);
  });
});

describe('SnsOperatorNotices', () => {
  it('publishes to the operators topic with a subject SNS accepts (at most 100 characters)', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notices = new SnsOperatorNotices(
      new SNSClient({ region: 'eu-west-1' }),
      'arn:aws:sns:eu-west-1:123456789012:ops',
    );
    // Act
    await notices.publish('x'.repeat(140), 'the message');
    // Assess
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      Subject: 'x'.repeat(100),
      Message: 'the message',
    });
  });
});

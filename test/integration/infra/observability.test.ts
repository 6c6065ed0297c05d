/**
 * Issue 11, an operator's view: the dashboard's widgets read the metrics the functions count and SageMaker's own,
 * and the alarms that need a person reach the notification topic.
 */
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { GPU_HOURLY_USD, PIPELINE_METRICS } from '../../../infra/constructs/observability.js';
import { propertiesOf, synthesizePipeline } from './synthesized-pipeline.js';

const { stack, resources } = synthesizePipeline();
const logicalId = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);

/** The dashboard body as CloudFormation renders it: a Fn::Join of text and tokens, joined with tokens named. */
function dashboardBody(): string {
  const body = propertiesOf(resources, logicalId(stack.observability.dashboard)).DashboardBody as
    | string
    | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return body;
  return body['Fn::Join'][1]
    .map((piece) => (typeof piece === 'string' ? piece : JSON.stringify(piece)))
    .join('');
}

const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
const describedAs = (pattern: RegExp) =>
  alarms.filter((a) => pattern.test(String(a.Properties?.AlarmDescription)));
const topicRef = { Ref: logicalId(stack.notification.topic) };

describe('dashboard', () => {
  test('is named after the stack and shows every metric of PIPELINE_METRICS', () => {
    // Prepare, Act
    const body = dashboardBody();

    // Assess
    expect(propertiesOf(resources, logicalId(stack.observability.dashboard)).DashboardName).toBe(
      'AvatarPipeline-operations',
    );
    for (const { name } of Object.values(PIPELINE_METRICS)) {
      const shown = name.endsWith('_') ? `MetricName=${name.slice(0, -1)}` : `"${name}"`;
      expect({ name, shown: body.includes(shown) }).toEqual({ name, shown: true });
    }
    expect(body).toContain('"AvatarPipeline"');
    expect(body).toContain('"service","avatar-pipeline"');
  });

  test('reads the webhook metrics the deliverer will emit and the SageMaker endpoint metrics', () => {
    // Prepare, Act
    const body = dashboardBody();

    // Assess
    for (const name of ['WebhookDeliveries', 'WebhookFailures']) expect(body).toContain(`"${name}"`);
    for (const name of [
      'ModelLatency',
      'ModelLoadingWaitTime',
      'Invocation5XXErrors',
      'ApproximateBacklogSize',
    ])
      expect(body).toContain(`"AWS/SageMaker","${name}"`);
    expect(body).toContain('AvatarPipeline-avatars');
    expect(body).toContain('AvatarPipeline-training');
    // The dead-letter queues' depth: the photo events', the two generation rules', the webhooks workflow's and its
    // rule's, the erasure rule's and the outcome counter's.
    expect(body.match(/ApproximateNumberOfMessagesVisible/g)).toHaveLength(7);
  });

  test('estimates GPU cost from training seconds at the instance price, and states the always-on serving cost', () => {
    // Prepare, Act
    const body = dashboardBody();

    // Assess
    expect(body).toContain(`FILL(seconds, 0) * ${GPU_HOURLY_USD['ml.g5.xlarge']} / 3600`);
    expect(body).toContain(`$${((GPU_HOURLY_USD['ml.g5.2xlarge'] as number) * 24).toFixed(2)} a day`);
  });
});

describe('alarms', () => {
  test('every alarm notifies the notification topic', () => {
    // Prepare, Act, Assess
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const alarm of alarms.filter((a) => !String(a.Properties?.AlarmDescription).includes('scale out')))
      expect(alarm.Properties?.AlarmActions).toEqual([topicRef]);
  });

  test('dead-lettered events and messages: one alarm per dead-letter queue of the stack', () => {
    // Prepare: every queue a rule target dead-letters into, and the webhooks workflow's own DLQ
    const ruleDeadLetters = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .flatMap(
        (r) => (r.Properties?.Targets ?? []) as { DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string] } } }[],
      )
      .flatMap((t) => (t.DeadLetterConfig ? [t.DeadLetterConfig.Arn['Fn::GetAtt'][0]] : []));
    const deadLetterQueues = new Set([...ruleDeadLetters, logicalId(stack.webhooks.deadLetters)]);
    // Act
    const alarmed = new Set(
      alarms
        .filter((a) => a.Properties?.MetricName === 'ApproximateNumberOfMessagesVisible')
        .map(
          (a) =>
            ((a.Properties?.Dimensions ?? []) as { Value: { 'Fn::GetAtt': [string] } }[])[0]?.Value[
              'Fn::GetAtt'
            ][0],
        ),
    );
    // Assess
    expect(deadLetterQueues.size).toBeGreaterThanOrEqual(7);
    for (const queue of deadLetterQueues) expect(alarmed).toContain(queue);
  });

  test('Train callbacks that time out: Step Functions timeouts of the Train wait and stale notifications', () => {
    // Prepare
    const [alarm] = describedAs(/without its SNS notification/);

    // Act
    const metrics = alarm?.Properties?.Metrics as { Id: string; Expression?: string; MetricStat?: unknown }[];

    // Assess
    expect(metrics.find((m) => m.Expression)?.Expression).toBe(
      'FILL(fn, 0) + FILL(integration, 0) + FILL(stale, 0)',
    );
    const text = JSON.stringify(metrics);
    expect(text).toContain('LambdaFunctionsTimedOut');
    expect(text).toContain('ServiceIntegrationsTimedOut');
    expect(text).toContain(PIPELINE_METRICS.staleTrainingNotifications.name);
    expect(text).toContain(logicalId(stack.training.startTraining));
  });

  test('a webhook failure rate above 20% for 15 minutes', () => {
    // Prepare
    const [alarm] = describedAs(/webhook delivery attempts failed/);

    // Act
    const properties = alarm?.Properties ?? {};

    // Assess
    expect(properties).toMatchObject({ Threshold: 0.2, EvaluationPeriods: 3 });
    expect(JSON.stringify(properties.Metrics)).toContain('FILL(failures, 0) / deliveries');
  });

  test('5xx from either endpoint', () => {
    // Prepare, Act
    const fivexx = alarms.filter((a) => a.Properties?.MetricName === 'Invocation5XXErrors');

    // Assess
    expect(
      fivexx.map((a) => (a.Properties?.Dimensions as { Value: string }[] | undefined)?.[0]?.Value).sort(),
    ).toEqual(['AvatarPipeline-avatars', 'AvatarPipeline-training']);
  });
});

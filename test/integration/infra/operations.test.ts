/**
 * Issue 11, item 8: the operators' topic gets per-day summaries. The synthesized stack: a rule on the pipeline's bus
 * sends every counted outcome to CountOutcome, a daily schedule runs SendDailySummary, each with only its grants.
 */
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { EVENT_SOURCE } from '../../../events/pipeline-events.js';
import { COUNTED_EVENTS } from '../../../functions/operations/outcome-counts.js';
import { propertiesOf, synthesizePipeline } from './synthesized-pipeline.js';

const { stack, resources } = synthesizePipeline();
const logicalId = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const statementsOf = (fn: IConstruct) => {
  const roleId = (propertiesOf(resources, logicalId(fn)).Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => ((r.Properties?.Roles ?? []) as { Ref: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap(
      (r) =>
        (
          (r.Properties?.PolicyDocument ?? { Statement: [] }) as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement,
    );
};
const actionsOf = (fn: IConstruct) =>
  statementsOf(fn).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('operations: outcome counts and the daily summary', () => {
  it("counts exactly the pipeline's own outcome events, with retries and a dead-letter queue", () => {
    // Prepare
    const countOutcome = logicalId(stack.operations.countOutcome);
    // Act
    const rules = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        ((r.Properties?.Targets ?? []) as { Arn: { 'Fn::GetAtt'?: [string] } }[]).some(
          (t) => t.Arn['Fn::GetAtt']?.[0] === countOutcome,
        ),
    );
    // Assess
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties?.EventPattern).toEqual({
      source: [EVENT_SOURCE],
      'detail-type': Object.keys(COUNTED_EVENTS),
    });
    expect(rules[0]?.Properties?.EventBusName).toEqual({ Ref: logicalId(stack.notification.bus) });
    expect(rules[0]?.Properties?.Targets).toEqual([
      expect.objectContaining({
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 8 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack.operations.countingDeadLetters), 'Arn'] } },
      }),
    ]);
  });

  it('sends the summary at 00:15 UTC every day', () => {
    // Prepare
    const summary = { 'Fn::GetAtt': [logicalId(stack.operations.sendDailySummary), 'Arn'] };
    // Act
    const schedules = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && r.Properties?.ScheduleExpression === 'cron(15 0 * * ? *)',
    );
    // Assess
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties?.Targets).toEqual([expect.objectContaining({ Arn: summary })]);
  });

  it('gives the counter PutItem on its table and the summary Query and Publish to the operators topic, nothing more', () => {
    // Prepare
    const table = { 'Fn::GetAtt': [logicalId(stack.operations.table), 'Arn'] };
    // Act
    const counter = statementsOf(stack.operations.countOutcome).filter((s) =>
      String(s.Action).startsWith('dynamodb'),
    );
    const summary = actionsOf(stack.operations.sendDailySummary);
    // Assess
    expect(counter).toEqual([expect.objectContaining({ Action: 'dynamodb:PutItem', Resource: table })]);
    expect(
      actionsOf(stack.operations.countOutcome).filter((a) => !a.startsWith('kms:') && !a.startsWith('logs:')),
    ).toEqual(['dynamodb:PutItem']);
    expect(summary).toEqual(expect.arrayContaining(['dynamodb:Query', 'sns:Publish']));
    expect(summary.filter((a) => !/^(kms|logs|dynamodb:Query|sns:Publish)/.test(a))).toEqual([]);
    expect(propertiesOf(resources, logicalId(stack.operations.sendDailySummary)).Environment).toMatchObject({
      Variables: { OPERATOR_TOPIC_ARN: { Ref: logicalId(stack.notification.topic) } },
    });
  });
});

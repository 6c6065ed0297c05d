import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  /** The training workflow: an alarm each for its failed and its timed-out executions. */
  readonly trainingStateMachine: IStateMachine;
  /** Photo events EventBridge could not deliver to RecordPhoto (photos in the bucket, not in the ledger). */
  readonly deadLetterQueue: IQueue;
  /** The generation workflow: one alarm for its failed or timed-out executions. */
  readonly generationStateMachine: IStateMachine;
  /** Bus events (Model Ready, partner requests) that could not start a generation. */
  readonly generationDeadLetterQueues: readonly IQueue[];
  /** Where alarms go: the same topic people already subscribe to for pipeline events. */
  readonly topic: ITopic;
}

/**
 * Alarms for what no event reports by itself: executions that failed or timed out (a subject that silently
 * never got an answer) and photo events that EventBridge gave up delivering (a subject never recorded).
 */
export class Observability extends Construct {
  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const notify = new SnsAction(props.topic);

    const failed = new Alarm(this, 'TrainingExecutionsFailed', {
      alarmDescription:
        'A training execution failed or timed out: a person is waiting for an answer. See the Subject Processing Failed event.',
      metric: props.trainingStateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    failed.addAlarmAction(notify);

    const timedOut = new Alarm(this, 'TrainingExecutionsTimedOut', {
      alarmDescription: 'A training execution hit its time limit; no outcome event was published for it.',
      metric: props.trainingStateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    timedOut.addAlarmAction(notify);

    const deadLetters = new Alarm(this, 'PhotoEventsDeadLettered', {
      alarmDescription:
        'Photo events could not be delivered to RecordPhoto; the photos are in the bucket but not in the ledger. Re-drive the DLQ.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    deadLetters.addAlarmAction(notify);

    const alarm = (id: string, alarmDescription: string, metric: IMetric) =>
      new Alarm(this, id, {
        alarmDescription,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(notify);
    const machine = props.generationStateMachine;
    alarm(
      'GenerationExecutionsFailed',
      'A generation execution failed (prompt screening unavailable) or timed out: see the Generation Failed event.',
      new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
          timedOut: machine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
      }),
    );
    for (const [i, queue] of props.generationDeadLetterQueues.entries()) {
      alarm(
        `GenerationRequestsDeadLettered${i}`,
        'Bus events that should have started a generation could not be delivered: re-drive the DLQ.',
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      );
    }
  }
}

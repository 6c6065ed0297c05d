import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config.js';

/** The namespace and the one dimension of every metric the functions count (`metrics.count` on Powertools). */
export const PIPELINE_METRICS_NAMESPACE = 'AvatarPipeline';
/** Powertools adds the service name as a dimension to every metric it emits (POWERTOOLS_SERVICE_NAME). */
export const PIPELINE_METRICS_DIMENSIONS = { service: 'avatar-pipeline' } as const;

/**
 * The metrics the dashboard and the alarms read from the functions, by name (`metrics.count(name, value)`), with
 * who is expected to emit them. `emitted: true` ones are emitted today; the others are the contract for their
 * owners (the widgets show no data until they are). A `_<suffix>` family is read with a SEARCH per prefix.
 */
export const PIPELINE_METRICS = {
  subjectsReceived: { name: 'SubjectsReceived', emittedBy: 'countOutcome (Subject Received)', emitted: true },
  subjectsAccepted: { name: 'SubjectsAccepted', emittedBy: 'countOutcome (Subject Accepted)', emitted: true },
  subjectsRejectedBecause: {
    name: 'SubjectsRejected_',
    emittedBy:
      'countOutcome (Subject Rejected): SubjectsRejected_<category>: folder-name, too-few-usable-photos, settings-or-content',
    emitted: true,
  },
  foldersRejected: { name: 'FoldersRejected', emittedBy: 'recordPhoto', emitted: true },
  trainingQueueDepth: {
    name: 'TrainingQueueDepth',
    emittedBy: 'acquireTrainingSlot: subjects waiting (value = place in line of the last one)',
    emitted: false,
  },
  trainingQueueWaitSeconds: {
    name: 'TrainingQueueWaitSeconds',
    emittedBy: 'acquireTrainingSlot: seconds from first poll to the slot',
    emitted: false,
  },
  trainingsStarted: { name: 'TrainingsStarted', emittedBy: 'countOutcome (Training Started)', emitted: true },
  trainingSeconds: {
    name: 'TrainingSeconds',
    emittedBy: 'countOutcome (Model Ready: its trainingSeconds)',
    emitted: true,
  },
  trainingsSucceeded: {
    name: 'TrainingNotification_task-succeeded',
    emittedBy: 'trainingCallback',
    emitted: true,
  },
  trainingsFailed: { name: 'TrainingNotification_task-failed', emittedBy: 'trainingCallback', emitted: true },
  staleTrainingNotifications: {
    name: 'TrainingNotification_stale-task',
    emittedBy: 'trainingCallback (the workflow had stopped waiting: a callback timeout)',
    emitted: true,
  },
  promptsRejectedByRule: {
    name: 'PromptsRejectedByRule_',
    emittedBy: 'countOutcome (Prompt Rejected): PromptsRejectedByRule_<rule>',
    emitted: true,
  },
  promptsRejectedByLabel: {
    name: 'PromptsRejectedByLabel_',
    emittedBy: 'countOutcome (Prompt Rejected by toxicity): PromptsRejectedByLabel_<Comprehend label>',
    emitted: true,
  },
  imagesDelivered: {
    name: 'ImagesDelivered',
    emittedBy: 'countOutcome (Avatars Ready: counts.imagesDelivered)',
    emitted: true,
  },
  imagesWithheld: {
    name: 'ImagesWithheld',
    emittedBy: 'countOutcome (Avatars Ready: counts.imagesWithheld)',
    emitted: true,
  },
  webhookDeliveries: {
    name: 'WebhookDeliveries',
    emittedBy: 'deliverWebhook: every delivery attempt',
    emitted: true,
  },
  webhookFailures: {
    name: 'WebhookFailures',
    emittedBy: 'deliverWebhook: every attempt that did not get a 2xx',
    emitted: true,
  },
} as const;

/**
 * On-demand price per hour of SageMaker hosting instances in us-east-1 (as the README's costs use them), for the
 * dashboard's GPU cost estimate; an instance type not listed shows GPU seconds without a cost.
 */
export const GPU_HOURLY_USD: Readonly<Record<string, number>> = {
  'ml.g5.xlarge': 1.41,
  'ml.g5.2xlarge': 1.52,
};

/** The operators' dashboard: `<stack>-operations` (the daily summary names it). */
export const operationsDashboardName = (config: Pick<PipelineConfig, 'stackName'>) =>
  `${config.stackName}-operations`;

/** Share of failed webhook delivery attempts above which the alarm fires (over three 5-minute periods). */
export const WEBHOOK_FAILURE_RATE_THRESHOLD = 0.2;

export interface ObservabilityProps {
  /** The pipeline's settings: instance types and counts (GPU cost), stack name (dashboard name). */
  readonly config: PipelineConfig;
  /** The training workflow: an alarm each for its failed and its timed-out executions. */
  readonly trainingStateMachine: IStateMachine;
  /** Photo events EventBridge could not deliver to RecordPhoto (photos in the bucket, not in the ledger). */
  readonly deadLetterQueue: IQueue;
  /** The generation workflow: one alarm for its failed or timed-out executions. */
  readonly generationStateMachine: IStateMachine;
  /** Bus events (Model Ready, partner requests) that could not start a generation. */
  readonly generationDeadLetterQueues: readonly IQueue[];
  /** Every other dead-letter queue of the stack, each with its alarm's id and what a person should do. */
  readonly otherDeadLetterQueues: readonly {
    readonly id: string;
    readonly queue: IQueue;
    readonly description: string;
  }[];
  /** Where alarms go: the same topic people already subscribe to for pipeline events. */
  readonly topic: ITopic;
  /** The Train task's function: Step Functions counts the timeouts of its `.waitForTaskToken` wait. */
  readonly startTraining: IFunction;
  /** The asynchronous training endpoint's name (SageMaker's own metrics). */
  readonly trainingEndpointName: string;
  /** The multi-model endpoint's name (SageMaker's own metrics). */
  readonly servingEndpointName: string;
  /** The production variant of both endpoints. */
  readonly variantName: string;
}

/**
 * An operator's view: one dashboard and the alarms that need a person.
 *
 * The dashboard (`<stack>-operations`) shows subjects received, accepted and rejected by reason; the training queue
 * and its wait; trainings, their GPU seconds, failures and an estimated GPU cost; prompts rejected by rule and by
 * label; images delivered and withheld; webhook delivery success and the dead-letter queues; endpoint latency,
 * model-load waits and 5xx (SageMaker's own metrics). Function metrics are read from namespace `AvatarPipeline`
 * with the `service` dimension Powertools adds (`PIPELINE_METRICS` lists them, and who emits them).
 *
 * Alarms (to the notification topic): failed and timed-out executions, dead-lettered events, Train callbacks that
 * timed out, a webhook failure rate above 20%, and 5xx from either endpoint.
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const notify = new SnsAction(props.topic);
    const fiveMinutes = Duration.minutes(5);
    const alarm = (
      alarmId: string,
      alarmDescription: string,
      metric: IMetric,
      options: { threshold?: number; evaluationPeriods?: number } = {},
    ) => {
      const created = new Alarm(this, alarmId, {
        alarmDescription,
        metric,
        threshold: options.threshold ?? 1,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
      return created;
    };

    // Executions and dead letters.
    alarm(
      'TrainingExecutionsFailed',
      'A training execution failed or timed out: a person is waiting for an answer. See the Subject Processing Failed event.',
      props.trainingStateMachine.metricFailed({ period: fiveMinutes, statistic: Stats.SUM }),
    );
    alarm(
      'TrainingExecutionsTimedOut',
      'A training execution hit its time limit; no outcome event was published for it.',
      props.trainingStateMachine.metricTimedOut({ period: fiveMinutes, statistic: Stats.SUM }),
    );
    const machine = props.generationStateMachine;
    alarm(
      'GenerationExecutionsFailed',
      'A generation execution failed (prompt screening unavailable) or timed out: see the Generation Failed event.',
      new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: machine.metricFailed({ period: fiveMinutes, statistic: Stats.SUM }),
          timedOut: machine.metricTimedOut({ period: fiveMinutes, statistic: Stats.SUM }),
        },
        period: fiveMinutes,
      }),
    );
    const queueDepth = (queue: IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: Stats.MAXIMUM });
    alarm(
      'PhotoEventsDeadLettered',
      'Photo events could not be delivered to RecordPhoto; the photos are in the bucket but not in the ledger. Re-drive the DLQ.',
      queueDepth(props.deadLetterQueue),
    );
    for (const [i, queue] of props.generationDeadLetterQueues.entries()) {
      alarm(
        `GenerationRequestsDeadLettered${i}`,
        'Bus events that should have started a generation could not be delivered: re-drive the DLQ.',
        queueDepth(queue),
      );
    }

    for (const { id: alarmId, queue, description } of props.otherDeadLetterQueues) {
      alarm(alarmId, description, queueDepth(queue));
    }

    // Train waits for the training endpoint's SNS notification (a task token); a lost one ends at the Train timeout,
    // a late one is dropped as stale by the callback.
    const stack = Stack.of(this);
    const callbackTimeouts = new MathExpression({
      expression: 'FILL(fn, 0) + FILL(integration, 0) + FILL(stale, 0)',
      usingMetrics: {
        fn: new Metric({
          namespace: 'AWS/States',
          metricName: 'LambdaFunctionsTimedOut',
          dimensionsMap: { LambdaFunctionArn: props.startTraining.functionArn },
          statistic: Stats.SUM,
          period: fiveMinutes,
        }),
        integration: new Metric({
          namespace: 'AWS/States',
          metricName: 'ServiceIntegrationsTimedOut',
          dimensionsMap: {
            ServiceIntegrationResourceArn: `arn:${stack.partition}:states:::lambda:invoke.waitForTaskToken`,
          },
          statistic: Stats.SUM,
          period: fiveMinutes,
        }),
        stale: this.pipelineMetric(PIPELINE_METRICS.staleTrainingNotifications.name, Stats.SUM),
      },
      period: fiveMinutes,
      label: 'Train callbacks timed out',
    });
    alarm(
      'TrainingCallbacksTimedOut',
      'A training ended without its SNS notification reaching the workflow in time (Train timed out, or a notification came too late): the subject got Training Failed. Check the training endpoint and its topics.',
      callbackTimeouts,
    );

    const webhookFailureRate = new MathExpression({
      expression: 'IF(deliveries > 0, FILL(failures, 0) / deliveries, 0)',
      usingMetrics: {
        deliveries: this.pipelineMetric(PIPELINE_METRICS.webhookDeliveries.name, Stats.SUM),
        failures: this.pipelineMetric(PIPELINE_METRICS.webhookFailures.name, Stats.SUM),
      },
      period: fiveMinutes,
      label: 'Webhook failure rate',
    });
    alarm(
      'WebhookFailureRate',
      `More than ${WEBHOOK_FAILURE_RATE_THRESHOLD * 100}% of webhook delivery attempts failed for 15 minutes: a client endpoint is down or refusing our signatures.`,
      webhookFailureRate,
      { threshold: WEBHOOK_FAILURE_RATE_THRESHOLD, evaluationPeriods: 3 },
    );

    const endpointMetric = (endpointName: string, metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/SageMaker',
        metricName,
        dimensionsMap: { EndpointName: endpointName, VariantName: props.variantName },
        statistic,
        period: fiveMinutes,
      });
    for (const [endpointId, endpointName] of [
      ['Training', props.trainingEndpointName],
      ['Serving', props.servingEndpointName],
    ] as const) {
      alarm(
        `${endpointId}Endpoint5xx`,
        `The ${endpointName} endpoint answered with 5xx errors (the container failed an invocation).`,
        endpointMetric(endpointName, 'Invocation5XXErrors', Stats.SUM),
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: operationsDashboardName(props.config),
      defaultInterval: Duration.days(1),
    });
    const graph = (title: string, metrics: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left: metrics, right, width: 8, height: 6 });
    const search = (prefix: string, label: string) =>
      new MathExpression({
        // Partial match on the metric name's composite token: every <prefix><suffix> of the family.
        expression: `SEARCH('{${PIPELINE_METRICS_NAMESPACE},service} MetricName=${prefix.replace(/_$/, '')}', 'Sum', 300)`,
        label,
        period: fiveMinutes,
      });
    const count = (name: string, label: string) => this.pipelineMetric(name, Stats.SUM, label);
    const widgets: IWidget[][] = [
      [
        new TextWidget({
          markdown: [
            `## ${props.config.stackName}: operations`,
            `Function metrics: namespace \`${PIPELINE_METRICS_NAMESPACE}\`, dimension \`service=avatar-pipeline\`. `,
            'Widgets of metrics no function emits yet stay empty (see `PIPELINE_METRICS` in infra/constructs/observability.ts).',
          ].join('\n'),
          width: 24,
          height: 2,
        }),
      ],
      [
        graph('Subjects received, accepted', [
          count(PIPELINE_METRICS.subjectsReceived.name, 'Received'),
          count(PIPELINE_METRICS.subjectsAccepted.name, 'Accepted'),
          count(PIPELINE_METRICS.foldersRejected.name, 'Folders refused (bad name)'),
        ]),
        graph('Subjects rejected, by reason', [search(PIPELINE_METRICS.subjectsRejectedBecause.name, '')]),
        graph(
          'Training queue: depth and wait (s)',
          [this.pipelineMetric(PIPELINE_METRICS.trainingQueueDepth.name, Stats.MAXIMUM, 'Waiting')],
          [this.pipelineMetric(PIPELINE_METRICS.trainingQueueWaitSeconds.name, Stats.p(90), 'Wait p90 (s)')],
        ),
      ],
      [
        graph('Trainings', [
          count(PIPELINE_METRICS.trainingsStarted.name, 'Started'),
          count(PIPELINE_METRICS.trainingsSucceeded.name, 'Succeeded'),
          count(PIPELINE_METRICS.trainingsFailed.name, 'Failed'),
          endpointMetric(props.trainingEndpointName, 'ApproximateBacklogSize', Stats.MAXIMUM),
        ]),
        graph('Training GPU seconds and callback timeouts', [
          count(PIPELINE_METRICS.trainingSeconds.name, 'GPU seconds'),
          callbackTimeouts,
        ]),
        this.gpuCostWidget(props.config),
      ],
      [
        graph('Prompts rejected, by rule', [search(PIPELINE_METRICS.promptsRejectedByRule.name, '')]),
        graph('Prompts rejected, by label', [search(PIPELINE_METRICS.promptsRejectedByLabel.name, '')]),
        graph('Images delivered and withheld', [
          count(PIPELINE_METRICS.imagesDelivered.name, 'Delivered'),
          count(PIPELINE_METRICS.imagesWithheld.name, 'Withheld'),
        ]),
      ],
      [
        graph(
          'Webhooks: attempts, failures, success rate',
          [
            count(PIPELINE_METRICS.webhookDeliveries.name, 'Attempts'),
            count(PIPELINE_METRICS.webhookFailures.name, 'Failures'),
          ],
          [
            new MathExpression({
              expression: 'IF(deliveries > 0, 100 * (1 - FILL(failures, 0) / deliveries), 100)',
              usingMetrics: {
                deliveries: this.pipelineMetric(PIPELINE_METRICS.webhookDeliveries.name, Stats.SUM),
                failures: this.pipelineMetric(PIPELINE_METRICS.webhookFailures.name, Stats.SUM),
              },
              label: 'Success rate (%)',
              period: fiveMinutes,
            }),
          ],
        ),
        graph(
          'Dead-letter queues (messages waiting)',
          [
            props.deadLetterQueue,
            ...props.generationDeadLetterQueues,
            ...props.otherDeadLetterQueues.map(({ queue }) => queue),
          ].map(queueDepth),
        ),
        graph('Executions failed or timed out', [
          props.trainingStateMachine.metricFailed({
            period: fiveMinutes,
            statistic: Stats.SUM,
            label: 'Training failed',
          }),
          props.trainingStateMachine.metricTimedOut({
            period: fiveMinutes,
            statistic: Stats.SUM,
            label: 'Training timed out',
          }),
          machine.metricFailed({ period: fiveMinutes, statistic: Stats.SUM, label: 'Generation failed' }),
        ]),
      ],
      [
        graph(
          'Avatar endpoint: model latency and model load wait (µs, p90)',
          [endpointMetric(props.servingEndpointName, 'ModelLatency', Stats.p(90))],
          [endpointMetric(props.servingEndpointName, 'ModelLoadingWaitTime', Stats.p(90))],
        ),
        graph('Endpoint 5xx', [
          endpointMetric(props.servingEndpointName, 'Invocation5XXErrors', Stats.SUM),
          endpointMetric(props.trainingEndpointName, 'Invocation5XXErrors', Stats.SUM),
        ]),
        graph('Avatar endpoint: invocations and models loaded', [
          endpointMetric(props.servingEndpointName, 'Invocations', Stats.SUM),
          endpointMetric(props.servingEndpointName, 'ModelLoadingWaitTime', Stats.SAMPLE_COUNT),
        ]),
      ],
    ];
    for (const row of widgets) this.dashboard.addWidgets(...row);
  }

  /** A metric a function counts, as Powertools emits it (namespace AvatarPipeline, dimension service). */
  private pipelineMetric(metricName: string, statistic: string, label?: string): Metric {
    return new Metric({
      namespace: PIPELINE_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { ...PIPELINE_METRICS_DIMENSIONS },
      statistic,
      period: Duration.minutes(5),
      ...(label ? { label } : {}),
    });
  }

  /**
   * Estimated GPU cost: training GPU seconds at the training instance's price, and the always-on serving instances
   * (count x price per hour, whether or not they serve).
   */
  private gpuCostWidget(config: PipelineConfig): IWidget {
    const trainingPrice = GPU_HOURLY_USD[config.trainingInstanceType];
    const servingPrice = GPU_HOURLY_USD[config.servingInstanceType];
    const serving =
      servingPrice === undefined
        ? `${config.servingInstanceCount} x ${config.servingInstanceType} (price not listed)`
        : `$${(servingPrice * config.servingInstanceCount * 24).toFixed(2)} a day (${config.servingInstanceCount} x ${config.servingInstanceType} at $${servingPrice}/h, always on)`;
    if (trainingPrice === undefined) {
      return new TextWidget({
        markdown: `### GPU cost\nServing: ${serving}.\nTraining: ${config.trainingInstanceType} has no listed price; see the GPU seconds.`,
        width: 8,
        height: 6,
      });
    }
    return new SingleValueWidget({
      title: `Training GPU cost, USD (${config.trainingInstanceType} at $${trainingPrice}/h); serving: ${serving}`,
      metrics: [
        new MathExpression({
          expression: `FILL(seconds, 0) * ${trainingPrice} / 3600`,
          usingMetrics: { seconds: this.pipelineMetric(PIPELINE_METRICS.trainingSeconds.name, Stats.SUM) },
          label: 'Training GPU cost (USD)',
          period: Duration.days(1),
        }),
      ],
      setPeriodToTimeRange: true,
      width: 8,
      height: 6,
    });
  }
}

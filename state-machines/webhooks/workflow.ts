/**
 * The webhooks workflow, as CDK constructs: one execution per pipeline event, one Map iteration per destination
 * (the tenant's endpoints and the subject's `webhook.url`), each attempting, then waiting out the Standard
 * Webhooks schedule in a Wait state (up to 24 h between attempts, ~76 h in all: longer than an SQS delay can hold),
 * with the same webhook-id throughout. Iterations are independent: a slow or dead destination waits in its own
 * iteration and never holds another's attempts. JSONPath only, inline Map, an explicit timeout on every Task, so
 * the synthesized ASL also runs locally. See README.md for the states.
 */
import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  JitterType,
  JsonPath,
  Map as MapState,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { EventBridgePutEvents, LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EVENT_SOURCE, type PipelineDetailType } from '../../events/pipeline-events.js';
import { WebhookStates } from './contract.js';

export interface WebhooksWorkflowProps {
  planWebhookDeliveries: IFunction;
  deliverWebhook: IFunction;
  bus: IEventBus;
  /** Where a message goes once its schedule is spent (or its endpoint disabled): `{"redrive": [delivery]}`. */
  deadLetterQueue: IQueue;
  /** Destinations of one event attempted at once (the Map's MaxConcurrency). */
  destinationConcurrency: number;
}

export interface WebhooksWorkflow {
  definitionBody: DefinitionBody;
}

/** Lambda's own transient errors (throttled, service error): retried; an attempt's HTTP failure is an answer, not one. */
const LAMBDA_TRANSIENT = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.SdkClientException',
];

export function buildWebhooksWorkflow(parent: Construct, props: WebhooksWorkflowProps): WebhooksWorkflow {
  const scope = new Construct(parent, 'WebhooksWorkflow');

  const plan = new LambdaInvoke(scope, WebhookStates.plan, {
    stateName: WebhookStates.plan,
    lambdaFunction: props.planWebhookDeliveries,
    payloadResponseOnly: true,
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  });
  plan.addRetry({
    errors: [...LAMBDA_TRANSIENT, Errors.TIMEOUT],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: JitterType.FULL,
  });

  const attempt = new LambdaInvoke(scope, WebhookStates.attempt, {
    stateName: WebhookStates.attempt,
    lambdaFunction: props.deliverWebhook,
    payloadResponseOnly: true,
    payload: TaskInput.fromObject({ delivery: JsonPath.objectAt('$.delivery') }),
    // The request's own limit is 15 s; the function's 30 s; this is the backstop.
    taskTimeout: Timeout.duration(Duration.seconds(45)),
  });
  attempt.addRetry({
    errors: LAMBDA_TRANSIENT,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: JitterType.FULL,
  });

  const deadLetter = new SqsSendMessage(scope, WebhookStates.deadLetter, {
    stateName: WebhookStates.deadLetter,
    queue: props.deadLetterQueue,
    messageBody: TaskInput.fromObject({ redrive: JsonPath.array(JsonPath.stringAt('$.delivery')) }),
    resultPath: JsonPath.DISCARD,
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  });
  deadLetter.addRetry({
    errors: [Errors.ALL],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 8,
  });
  const ended = new Succeed(scope, WebhookStates.ended, { stateName: WebhookStates.ended });
  deadLetter.next(ended);
  // A crash of the function (not an HTTP failure) must not lose the message: it goes to the dead-letter queue too.
  attempt.addCatch(deadLetter, { errors: [Errors.ALL], resultPath: '$.failure' });

  const publishDisabled = new EventBridgePutEvents(scope, WebhookStates.publishDisabled, {
    stateName: WebhookStates.publishDisabled,
    entries: [
      {
        eventBus: props.bus,
        source: EVENT_SOURCE,
        detailType: 'Webhook Endpoint Disabled' satisfies PipelineDetailType,
        detail: TaskInput.fromJsonPathAt('$.disabled'),
      },
    ],
    resultPath: JsonPath.DISCARD,
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  });
  publishDisabled.next(deadLetter);

  const wait = new Wait(scope, WebhookStates.wait, {
    stateName: WebhookStates.wait,
    time: WaitTime.secondsPath('$.waitSeconds'),
  });
  wait.next(attempt);

  const nextStep = new Choice(scope, WebhookStates.nextStep, { stateName: WebhookStates.nextStep })
    .when(Condition.stringEquals('$.outcome', 'retry'), wait)
    .when(Condition.stringEquals('$.outcome', 'disabled'), publishDisabled)
    .when(Condition.stringEquals('$.outcome', 'exhausted'), deadLetter)
    .otherwise(new Succeed(scope, WebhookStates.delivered, { stateName: WebhookStates.delivered }));
  attempt.next(nextStep);

  const deliverEach = new MapState(scope, WebhookStates.deliverEach, {
    stateName: WebhookStates.deliverEach,
    itemsPath: '$.deliveries',
    itemSelector: { delivery: JsonPath.objectAt('$$.Map.Item.Value') },
    maxConcurrency: props.destinationConcurrency,
    resultPath: JsonPath.DISCARD,
  });
  deliverEach.itemProcessor(attempt);

  return { definitionBody: DefinitionBody.fromChainable(plan.next(deliverEach)) };
}

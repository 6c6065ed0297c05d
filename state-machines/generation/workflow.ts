/**
 * The generation workflow, as CDK constructs: screen every prompt before any GPU time, generate on the
 * multi-model endpoint with bounded parallelism, screen every image before anyone can see it, and publish what
 * was delivered and what was withheld. Like the training workflow, the synthesized ASL also runs locally, so it
 * uses JSONPath only, inline Maps and an explicit timeout on every Task. See README.md for the states.
 */
import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  type IChainable,
  JitterType,
  JsonPath,
  Map as MapState,
  Pass,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { EventBridgePutEvents, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EVENT_SOURCE, type PipelineDetailType } from '../../events/pipeline-events.js';
import { retryableErrors } from '../error-contract.js';
import { GenerationErrors, GenerationPaths, GenerationStates } from './contract.js';

export interface GenerationWorkflowProps {
  prepareGeneration: IFunction;
  screenPrompts: IFunction;
  generateScreenedImage: IFunction;
  compileAvatars: IFunction;
  bus: IEventBus;
  /** Images generated at once for one request, so one subject cannot starve the endpoint. */
  imageConcurrency: number;
}

export interface GenerationWorkflow {
  startState: IChainable;
  definitionBody: DefinitionBody;
}

export function buildGenerationWorkflow(
  parent: Construct,
  props: GenerationWorkflowProps,
): GenerationWorkflow {
  const scope = new Construct(parent, 'GenerationWorkflow');
  const publish = (id: string, detailType: PipelineDetailType, detailPath: string) =>
    new EventBridgePutEvents(scope, id, {
      stateName: id,
      entries: [
        {
          eventBus: props.bus,
          source: EVENT_SOURCE,
          detailType,
          detail: TaskInput.fromJsonPathAt(detailPath),
        },
      ],
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    });
  const lambda = (
    id: string,
    fn: IFunction,
    payload: TaskInput | undefined,
    resultPath: string,
    timeout: Duration,
  ) =>
    new LambdaInvoke(scope, id, {
      stateName: id,
      lambdaFunction: fn,
      payloadResponseOnly: true,
      ...(payload ? { payload } : {}),
      // "$" is the default; written out, aws-local-stepfunctions stores the result under a key named "$".
      ...(resultPath === '$' ? {} : { resultPath }),
      taskTimeout: Timeout.duration(timeout),
    });

  // The whole event in: a partner's request is validated by the function, never by a JSONPath that could fail.
  const prepare = lambda(
    GenerationStates.prepare,
    props.prepareGeneration,
    undefined,
    GenerationPaths.prepared,
    Duration.seconds(60),
  );
  const publishRequestRejected = publish(
    GenerationStates.publishRequestRejected,
    'Request Rejected',
    `${GenerationPaths.prepared}.rejected`,
  );

  const screen = lambda(
    GenerationStates.screenPrompts,
    props.screenPrompts,
    TaskInput.fromObject({
      request: JsonPath.objectAt(`${GenerationPaths.prepared}.request`),
      prompts: JsonPath.objectAt(`${GenerationPaths.prepared}.prompts`),
    }),
    GenerationPaths.screening,
    Duration.seconds(120),
  );
  screen.addRetry({
    errors: retryableErrors(GenerationErrors.screeningUnavailable),
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 4,
    jitterStrategy: JitterType.FULL,
  });
  // Screening down means nothing may be generated: say so, and fail so that the alarm fires too.
  const recordScreeningFailure = new Pass(scope, GenerationStates.recordScreeningFailure, {
    stateName: GenerationStates.recordScreeningFailure,
    parameters: {
      reason: JsonPath.format(
        'Prompt screening was unavailable after retries, so nothing was generated: {}',
        JsonPath.stringAt(`${GenerationPaths.failure}.Cause`),
      ),
      advice:
        'Nothing unscreened is ever generated. Ask again later (send the request again, or re-drive the execution).',
    },
    resultPath: GenerationPaths.failureText,
  });
  const publishScreeningFailed = new EventBridgePutEvents(scope, GenerationStates.publishScreeningFailed, {
    stateName: GenerationStates.publishScreeningFailed,
    entries: [
      {
        eventBus: props.bus,
        source: EVENT_SOURCE,
        detailType: 'Generation Failed' satisfies PipelineDetailType,
        detail: TaskInput.fromText(
          JsonPath.jsonMerge(
            JsonPath.objectAt(`${GenerationPaths.prepared}.failureBase`),
            JsonPath.objectAt(GenerationPaths.failureText),
          ),
        ),
      },
    ],
    resultPath: JsonPath.DISCARD,
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  });
  recordScreeningFailure.next(publishScreeningFailed).next(
    new Fail(scope, GenerationStates.screeningFailed, {
      stateName: GenerationStates.screeningFailed,
      error: GenerationErrors.screeningFailed.name,
      cause: 'Prompt screening was unavailable; the Generation Failed event says so',
    }),
  );
  screen.addCatch(recordScreeningFailure, { errors: [Errors.ALL], resultPath: GenerationPaths.failure });

  const publishPromptRejections = new MapState(scope, GenerationStates.publishPromptRejections, {
    stateName: GenerationStates.publishPromptRejections,
    itemsPath: `${GenerationPaths.screening}.rejected`,
    itemSelector: { detail: JsonPath.objectAt('$$.Map.Item.Value') },
    maxConcurrency: 5,
    resultPath: JsonPath.DISCARD,
  });
  publishPromptRejections.itemProcessor(
    publish(GenerationStates.publishPromptRejected, 'Prompt Rejected', '$.detail'),
  );

  const generateImage = lambda(
    GenerationStates.generateScreenedImage,
    props.generateScreenedImage,
    undefined,
    '$',
    Duration.minutes(10),
  );
  generateImage.addRetry({
    errors: retryableErrors(GenerationErrors.generationUnavailable),
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 3,
    jitterStrategy: JitterType.FULL,
  });
  // One image that cannot be made is withheld with its reason; the others are still delivered.
  const recordImageFailure = new Pass(scope, GenerationStates.recordImageFailure, {
    stateName: GenerationStates.recordImageFailure,
    parameters: {
      promptId: JsonPath.stringAt('$.job.promptId'),
      imageIndex: JsonPath.numberAt('$.job.imageIndex'),
      status: 'withheld',
      seed: JsonPath.numberAt('$.job.seed'),
      attempts: 1,
      blocked: 0,
      reason: JsonPath.format(
        'Generation failed: {}',
        JsonPath.stringAt(`${GenerationPaths.imageError}.Cause`),
      ),
    },
  });
  generateImage.addCatch(recordImageFailure, {
    errors: [Errors.ALL],
    resultPath: GenerationPaths.imageError,
  });
  const generateImages = new MapState(scope, GenerationStates.generateImages, {
    stateName: GenerationStates.generateImages,
    itemsPath: `${GenerationPaths.screening}.jobs`,
    itemSelector: {
      request: JsonPath.objectAt(`${GenerationPaths.prepared}.request`),
      job: JsonPath.objectAt('$$.Map.Item.Value'),
    },
    maxConcurrency: props.imageConcurrency,
    resultPath: GenerationPaths.results,
  });
  generateImages.itemProcessor(generateImage);

  const compile = lambda(
    GenerationStates.compile,
    props.compileAvatars,
    TaskInput.fromObject({
      request: JsonPath.objectAt(`${GenerationPaths.prepared}.request`),
      prompts: JsonPath.objectAt(`${GenerationPaths.prepared}.prompts`),
      screening: JsonPath.objectAt(GenerationPaths.screening),
      results: JsonPath.objectAt(GenerationPaths.results),
    }),
    GenerationPaths.compiled,
    Duration.seconds(60),
  );
  const hasAvatars = new Choice(scope, GenerationStates.hasAvatars, {
    stateName: GenerationStates.hasAvatars,
  })
    .when(
      Condition.stringEquals(`${GenerationPaths.compiled}.outcome`, 'ready'),
      publish(
        GenerationStates.publishAvatarsReady,
        'Avatars Ready',
        `${GenerationPaths.compiled}.avatarsReady`,
      ).next(new Succeed(scope, GenerationStates.avatarsReady, { stateName: GenerationStates.avatarsReady })),
    )
    // Nothing delivered (every prompt rejected, every image withheld): an outcome for the person, not a crash.
    .otherwise(
      publish(
        GenerationStates.publishGenerationFailed,
        'Generation Failed',
        `${GenerationPaths.compiled}.generationFailed`,
      ).next(
        new Succeed(scope, GenerationStates.generationFailed, {
          stateName: GenerationStates.generationFailed,
        }),
      ),
    );

  const isRequestValid = new Choice(scope, GenerationStates.isRequestValid, {
    stateName: GenerationStates.isRequestValid,
  })
    .when(
      Condition.booleanEquals(`${GenerationPaths.prepared}.valid`, true),
      screen.next(publishPromptRejections).next(generateImages).next(compile).next(hasAvatars),
    )
    .otherwise(
      publishRequestRejected.next(
        new Succeed(scope, GenerationStates.requestRejected, { stateName: GenerationStates.requestRejected }),
      ),
    );

  const startState = prepare.next(isRequestValid);
  return { startState, definitionBody: DefinitionBody.fromChainable(startState) };
}

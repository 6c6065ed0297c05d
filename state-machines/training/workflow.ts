/**
 * The training workflow, as CDK constructs. The ASL synthesized from this is what runs on AWS *and* locally
 * (aws-local-stepfunctions reads it from the template), so it sticks to what both run: JSONPath only, no JSONata,
 * no `Assign`, no Distributed Map readers, and an explicit timeout on every Task. See README.md for the states.
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
  IntegrationPattern,
  JitterType,
  JsonPath,
  Pass,
  Result,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { EventBridgePutEvents, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EVENT_SOURCE, type PipelineDetailType } from '../../events/pipeline-events.js';
import { DRY_RUN } from '../../events/run-mode.js';
import { retryableErrors } from '../error-contract.js';
import {
  IMAGE_SET_SUPERSEDED_ADVICE,
  IMAGE_SET_SUPERSEDED_REASON,
  PROCESSING_FAILED_ADVICE,
  TrainingErrors,
  TrainingPaths,
  TrainingStates,
} from './contract.js';

export interface TrainingWorkflowProps {
  /** Waits until the subject's folder drop is over, then seals the image set. */
  readonly settleImageSet: IFunction;
  validateImages: IFunction;
  prepareTrainingSet: IFunction;
  planTraining: IFunction;
  acquireTrainingSlot: IFunction;
  releaseTrainingSlot: IFunction;
  startTraining: IFunction;
  explainTrainingFailure: IFunction;
  deployModel: IFunction;
  warmUpModel: IFunction;
  registerModel: IFunction;
  /** How long Train waits for the endpoint's SNS notification before the training counts as lost. */
  trainingTimeout: Duration;
  /** The pipeline's own bus: every outcome is published there. */
  bus: IEventBus;
}

export interface TrainingWorkflow {
  startState: IChainable;
  definitionBody: DefinitionBody;
}

/** Every Lambda task is given this much time; the local engine would otherwise stop a task after 60 s. */
const LAMBDA_TASK_TIMEOUT = Duration.seconds(300);
/** Publishing one event takes milliseconds; the timeout only bounds a hung call. */
const PUT_EVENTS_TIMEOUT = Duration.seconds(30);

export function buildTrainingWorkflow(parent: Construct, props: TrainingWorkflowProps): TrainingWorkflow {
  // States are constructs; their own scope keeps their ids (the state names) clear of the functions' ids.
  const scope = new Construct(parent, 'TrainingWorkflow');
  const publish = (id: string, detailType: PipelineDetailType, detail: TaskInput) =>
    new EventBridgePutEvents(scope, id, {
      stateName: id,
      entries: [{ eventBus: props.bus, source: EVENT_SOURCE, detailType, detail }],
      // The PutEvents response (event ids) is of no use to later states.
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(PUT_EVENTS_TIMEOUT),
    });

  const publishReceived = publish(
    TrainingStates.publishReceived,
    'Subject Received',
    TaskInput.fromJsonPathAt(TrainingPaths.received),
  );

  // payloadResponseOnly: the Task's result *is* the function's return value (no StatusCode/Payload envelope),
  // so `$.validation` is exactly ValidateImagesOutput and the local runtime returns the handler's value as-is.
  const validateImages = new LambdaInvoke(scope, TrainingStates.validateImages, {
    stateName: TrainingStates.validateImages,
    lambdaFunction: props.validateImages,
    payloadResponseOnly: true,
    // The whole `Subject Received` detail: its optional fields (settingsProblem) reach the function only this way,
    // since a JSONPath to an absent field fails the state. (InputPath, because CDK renders a JSONPath payload
    // of a payloadResponseOnly task as a string `Parameters`, which is not valid ASL.)
    inputPath: TrainingPaths.received,
    resultPath: TrainingPaths.validation,
    taskTimeout: Timeout.duration(LAMBDA_TASK_TIMEOUT),
  });

  const prepareTrainingSet = new LambdaInvoke(scope, TrainingStates.prepareTrainingSet, {
    stateName: TrainingStates.prepareTrainingSet,
    lambdaFunction: props.prepareTrainingSet,
    payloadResponseOnly: true,
    payload: TaskInput.fromObject({
      tenantId: JsonPath.stringAt(`${TrainingPaths.received}.tenantId`),
      subjectId: JsonPath.stringAt(`${TrainingPaths.received}.subjectId`),
      imageSetId: JsonPath.stringAt(`${TrainingPaths.received}.imageSetId`),
      photos: JsonPath.objectAt(`${TrainingPaths.validation}.usable`),
      settings: JsonPath.objectAt(`${TrainingPaths.received}.settings`),
    }),
    resultPath: TrainingPaths.prepared,
    taskTimeout: Timeout.duration(LAMBDA_TASK_TIMEOUT),
  });

  const publishRejected = publish(
    TrainingStates.publishRejected,
    'Subject Rejected',
    TaskInput.fromJsonPathAt(`${TrainingPaths.validation}.rejected`),
  );
  // The detail is `accepted` plus `{ trainingSet }`: exactly the SubjectAccepted schema.
  const publishAccepted = publish(
    TrainingStates.publishAccepted,
    'Subject Accepted',
    TaskInput.fromText(
      JsonPath.jsonMerge(
        JsonPath.objectAt(`${TrainingPaths.validation}.accepted`),
        JsonPath.objectAt(TrainingPaths.prepared),
      ),
    ),
  );
  const failedDetail = (mode: Record<string, string>) =>
    TaskInput.fromObject({
      version: 1,
      tenantId: JsonPath.stringAt(`${TrainingPaths.received}.tenantId`),
      ...mode,
      subjectId: JsonPath.stringAt(`${TrainingPaths.received}.subjectId`),
      imageSetId: JsonPath.stringAt(`${TrainingPaths.received}.imageSetId`),
      stage: JsonPath.stringAt(TrainingPaths.failedStage),
      error: JsonPath.stringAt(`${TrainingPaths.failure}.Error`),
      cause: JsonPath.stringAt(`${TrainingPaths.failure}.Cause`),
      advice: PROCESSING_FAILED_ADVICE,
    });
  const processingFailed = new Fail(scope, TrainingStates.failed, {
    stateName: TrainingStates.failed,
    error: TrainingErrors.subjectProcessingFailed.name,
    cause:
      'A stage of the training workflow failed after its retries; the Subject Processing Failed event says which',
  });
  // A dry run's failure says dry-run like its other events; JSONPath cannot copy a field that may be absent
  // (`mode` is absent when live), so the two details are two states.
  const publishFailed = new Choice(scope, TrainingStates.isDryRunFailure, {
    stateName: TrainingStates.isDryRunFailure,
  })
    .when(
      Condition.and(
        Condition.isPresent(`${TrainingPaths.received}.mode`),
        Condition.stringEquals(`${TrainingPaths.received}.mode`, DRY_RUN),
      ),
      publish(
        TrainingStates.publishDryRunFailed,
        'Subject Processing Failed',
        failedDetail({ mode: DRY_RUN }),
      ).next(processingFailed),
    )
    .otherwise(
      publish(TrainingStates.publishFailed, 'Subject Processing Failed', failedDetail({})).next(
        processingFailed,
      ),
    );

  // Catch records which stage failed (a Pass per Task), then joins the one failure path.
  const lambdaTasks = [
    [validateImages, TrainingStates.validateImages],
    [prepareTrainingSet, TrainingStates.prepareTrainingSet],
  ] as const;
  for (const [task, stage] of lambdaTasks) {
    task.addRetry({
      errors: retryableErrors(TrainingErrors.faceAnalysisUnavailable),
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 3,
      jitterStrategy: JitterType.FULL,
    });
    const recordStage = new Pass(scope, `RecordFailedStage${stage}`, {
      stateName: `RecordFailedStage${stage}`,
      result: Result.fromString(stage),
      resultPath: TrainingPaths.failedStage,
    });
    recordStage.next(publishFailed);
    task.addCatch(recordStage, { errors: [Errors.ALL], resultPath: TrainingPaths.failure });
  }

  const training = buildTrainingStates(scope, props, publish);

  const isSubjectUsable = new Choice(scope, TrainingStates.isSubjectUsable, {
    stateName: TrainingStates.isSubjectUsable,
  })
    .when(
      Condition.stringEquals(`${TrainingPaths.validation}.outcome`, 'accepted'),
      prepareTrainingSet.next(publishAccepted).next(training),
    )
    // A rejection is an outcome for the person who dropped the photos, not an error of the pipeline.
    .otherwise(
      publishRejected.next(
        new Succeed(scope, TrainingStates.rejected, { stateName: TrainingStates.rejected }),
      ),
    );

  const received = publishReceived.next(validateImages).next(isSubjectUsable);
  const startState = buildSettleStates(scope, props, publish, received);
  return { startState, definitionBody: DefinitionBody.fromChainable(startState) };
}

/** How long SettleImageSet may take: a few ledger reads and one conditional write. */
const SETTLE_TASK_TIMEOUT = Duration.seconds(60);

/**
 * Before anything is judged: wait until the folder drop is over (SettleImageSet decides, a Wait state waits, as
 * often as objects keep arriving), then seal the set and go on to `received`. A folder whose name cannot be a
 * subject id is reported here, once; an execution of an older generation ends quietly.
 */
function buildSettleStates(
  scope: Construct,
  props: TrainingWorkflowProps,
  publish: (id: string, detailType: PipelineDetailType, detail: TaskInput) => EventBridgePutEvents,
  received: IChainable,
): IChainable {
  // The whole state in: `$.settle` (the previous decision) is absent on the first check.
  const settle = new LambdaInvoke(scope, TrainingStates.settleImageSet, {
    stateName: TrainingStates.settleImageSet,
    lambdaFunction: props.settleImageSet,
    payloadResponseOnly: true,
    resultPath: TrainingPaths.settle,
    taskTimeout: Timeout.duration(SETTLE_TASK_TIMEOUT),
  });
  settle.addRetry({
    errors: retryableErrors(TrainingErrors.ledgerContention),
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 4,
    jitterStrategy: JitterType.FULL,
  });
  const recordFailure = new Pass(scope, TrainingStates.recordSettleFailure, {
    stateName: TrainingStates.recordSettleFailure,
    result: Result.fromString(TrainingStates.settleImageSet),
    resultPath: TrainingPaths.failedStage,
  });
  const publishSettleFailed = publish(
    TrainingStates.publishSettleFailed,
    'Subject Processing Failed',
    TaskInput.fromObject({
      version: 1,
      tenantId: JsonPath.stringAt('$.tenantId'),
      subjectId: JsonPath.stringAt('$.subjectId'),
      stage: JsonPath.stringAt(TrainingPaths.failedStage),
      error: JsonPath.stringAt(`${TrainingPaths.failure}.Error`),
      cause: JsonPath.stringAt(`${TrainingPaths.failure}.Cause`),
      advice: PROCESSING_FAILED_ADVICE,
    }),
  );
  recordFailure.next(publishSettleFailed).next(
    new Fail(scope, `${TrainingStates.failed}WhileSettling`, {
      stateName: `${TrainingStates.failed}WhileSettling`,
      error: TrainingErrors.subjectProcessingFailed.name,
      cause: 'The image set could not be settled; the Subject Processing Failed event says why',
    }),
  );
  settle.addCatch(recordFailure, { errors: [Errors.ALL], resultPath: TrainingPaths.failure });

  const waitToSettle = new Wait(scope, TrainingStates.waitForImageSetToSettle, {
    stateName: TrainingStates.waitForImageSetToSettle,
    time: WaitTime.secondsPath(`${TrainingPaths.settle}.waitSeconds`),
  });
  const recordSealed = new Pass(scope, TrainingStates.recordSealedImageSet, {
    stateName: TrainingStates.recordSealedImageSet,
    inputPath: `${TrainingPaths.settle}.received`,
    resultPath: TrainingPaths.received,
  });
  const publishFolderRejected = publish(
    TrainingStates.publishFolderRejected,
    'Subject Rejected',
    TaskInput.fromJsonPathAt(`${TrainingPaths.settle}.rejected`),
  );
  const decision = `${TrainingPaths.settle}.decision`;
  const isSealed = new Choice(scope, TrainingStates.isImageSetSealed, {
    stateName: TrainingStates.isImageSetSealed,
  })
    .when(Condition.stringEquals(decision, 'wait'), waitToSettle.next(settle))
    .when(Condition.stringEquals(decision, 'sealed'), recordSealed.next(received))
    .when(
      Condition.stringEquals(decision, 'rejected'),
      publishFolderRejected.next(
        new Succeed(scope, TrainingStates.folderRejected, { stateName: TrainingStates.folderRejected }),
      ),
    )
    // `stale`: a newer generation of the subject exists, and its own execution reports.
    .otherwise(
      new Succeed(scope, TrainingStates.staleGeneration, { stateName: TrainingStates.staleGeneration }),
    );
  return settle.next(isSealed);
}

/**
 * After `Subject Accepted`: plan the training, wait in line for capacity, train on the async endpoint (the
 * Train state waits for the SNS callback with a task token), free the capacity, deploy to the multi-model
 * endpoint, warm the model up, register it, and announce `Model Ready`. Any failure frees the capacity and
 * ends in `Training Failed` with a reason and whether retrying helps.
 */
function buildTrainingStates(
  scope: Construct,
  props: TrainingWorkflowProps,
  publish: (id: string, detailType: PipelineDetailType, detail: TaskInput) => EventBridgePutEvents,
): IChainable {
  const lambda = (
    id: string,
    fn: IFunction,
    payload: Record<string, unknown>,
    resultPath: string,
    timeout = Duration.seconds(60),
  ) =>
    new LambdaInvoke(scope, id, {
      stateName: id,
      lambdaFunction: fn,
      payloadResponseOnly: true,
      payload: TaskInput.fromObject(payload),
      resultPath,
      taskTimeout: Timeout.duration(timeout),
    });
  const subject = {
    tenantId: JsonPath.stringAt(`${TrainingPaths.received}.tenantId`),
    subjectId: JsonPath.stringAt(`${TrainingPaths.received}.subjectId`),
    imageSetId: JsonPath.stringAt(`${TrainingPaths.received}.imageSetId`),
  };
  const slotRequest = {
    executionName: JsonPath.executionName,
    enqueuedAt: JsonPath.stringAt('$$.Execution.StartTime'),
    tenantId: JsonPath.stringAt(`${TrainingPaths.received}.tenantId`),
    subjectId: JsonPath.stringAt(`${TrainingPaths.received}.subjectId`),
  };

  const plan = lambda(
    TrainingStates.planTraining,
    props.planTraining,
    {
      ...subject,
      manifestKey: JsonPath.stringAt(`${TrainingPaths.prepared}.trainingSet.manifestKey`),
      settings: JsonPath.objectAt(`${TrainingPaths.received}.settings`),
    },
    TrainingPaths.plan,
  );
  const acquire = lambda(
    TrainingStates.acquireTrainingSlot,
    props.acquireTrainingSlot,
    slotRequest,
    TrainingPaths.slot,
  );
  const waitForSlot = new Wait(scope, TrainingStates.waitForTrainingSlot, {
    stateName: TrainingStates.waitForTrainingSlot,
    // Each poll costs three transitions: AcquireTrainingSlot says how long, from 60 s at the head of the queue
    // to an hour far back (functions/training/training-queue.ts, pollDelaySeconds).
    time: WaitTime.secondsPath(`${TrainingPaths.slot}.retryInSeconds`),
  });
  const publishStarted = publish(
    TrainingStates.publishTrainingStarted,
    'Training Started',
    TaskInput.fromObject({
      version: 1,
      ...subject,
      modelVersion: JsonPath.stringAt(`${TrainingPaths.plan}.started.modelVersion`),
      baseModel: JsonPath.stringAt(`${TrainingPaths.plan}.started.baseModel`),
      hyperparameters: JsonPath.objectAt(`${TrainingPaths.plan}.started.hyperparameters`),
      queuedSeconds: JsonPath.numberAt(`${TrainingPaths.slot}.queuedSeconds`),
      trainedBy: JsonPath.stringAt(`${TrainingPaths.plan}.started.trainedBy`),
      mode: JsonPath.stringAt(`${TrainingPaths.plan}.mode`),
    }),
  );
  const train = new LambdaInvoke(scope, TrainingStates.train, {
    stateName: TrainingStates.train,
    lambdaFunction: props.startTraining,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      taskToken: JsonPath.taskToken,
      executionName: JsonPath.executionName,
      tenantId: JsonPath.stringAt(`${TrainingPaths.received}.tenantId`),
      subjectId: JsonPath.stringAt(`${TrainingPaths.received}.subjectId`),
      modelVersion: JsonPath.stringAt(`${TrainingPaths.plan}.modelVersion`),
      requestKey: JsonPath.stringAt(`${TrainingPaths.plan}.requestKey`),
      mode: JsonPath.stringAt(`${TrainingPaths.plan}.mode`),
    }),
    resultPath: TrainingPaths.training,
    // A lost notification ends here, as States.Timeout, never as an execution waiting forever.
    taskTimeout: Timeout.duration(props.trainingTimeout),
  });
  const release = lambda(
    TrainingStates.releaseTrainingSlot,
    props.releaseTrainingSlot,
    slotRequest,
    JsonPath.DISCARD,
  );
  const deploy = lambda(
    TrainingStates.deployModel,
    props.deployModel,
    {
      tenantId: JsonPath.stringAt(`${TrainingPaths.received}.tenantId`),
      subjectId: JsonPath.stringAt(`${TrainingPaths.received}.subjectId`),
      modelVersion: JsonPath.stringAt(`${TrainingPaths.plan}.modelVersion`),
      outputLocation: JsonPath.stringAt(`${TrainingPaths.training}.outputLocation`),
      inferenceId: JsonPath.stringAt(`${TrainingPaths.training}.inferenceId`),
    },
    TrainingPaths.deployed,
  );
  const warmUp = lambda(
    TrainingStates.warmUpModel,
    props.warmUpModel,
    {
      targetModel: JsonPath.stringAt(`${TrainingPaths.deployed}.targetModel`),
      mode: JsonPath.stringAt(`${TrainingPaths.plan}.mode`),
    },
    TrainingPaths.warmUp,
    Duration.minutes(5),
  );
  warmUp.addRetry({
    errors: retryableErrors(TrainingErrors.modelWarmUpFailed),
    interval: Duration.seconds(30),
    backoffRate: 2,
    maxAttempts: 2,
    jitterStrategy: JitterType.FULL,
  });
  const register = lambda(
    TrainingStates.registerModel,
    props.registerModel,
    {
      started: JsonPath.objectAt(`${TrainingPaths.plan}.started`),
      deployed: JsonPath.objectAt(TrainingPaths.deployed),
      warmUp: JsonPath.objectAt(TrainingPaths.warmUp),
      // The settings trained with (token, class word, prompts): generation uses them, not later ones.
      settings: JsonPath.objectAt(`${TrainingPaths.received}.settings`),
    },
    TrainingPaths.modelReady,
  );
  const publishReady = publish(
    TrainingStates.publishModelReady,
    'Model Ready',
    TaskInput.fromJsonPathAt(TrainingPaths.modelReady),
  );

  // The one failure path: free the capacity (idempotent), explain, publish, fail.
  const releaseAfterFailure = lambda(
    TrainingStates.releaseAfterFailure,
    props.releaseTrainingSlot,
    slotRequest,
    JsonPath.DISCARD,
  );
  // The whole state as input: `$.plan` is absent when planning itself failed, and a JSONPath to an absent
  // field would fail this state too.
  const explain = new LambdaInvoke(scope, TrainingStates.explainTrainingFailure, {
    stateName: TrainingStates.explainTrainingFailure,
    lambdaFunction: props.explainTrainingFailure,
    payloadResponseOnly: true,
    resultPath: TrainingPaths.trainingFailure,
    taskTimeout: Timeout.duration(Duration.seconds(60)),
  });
  // Even if freeing the capacity fails, the person is still told what happened.
  releaseAfterFailure.addCatch(explain, { errors: [Errors.ALL], resultPath: TrainingPaths.releaseFailure });
  const publishFailed = publish(
    TrainingStates.publishTrainingFailed,
    'Training Failed',
    TaskInput.fromJsonPathAt(TrainingPaths.trainingFailure),
  );
  releaseAfterFailure
    .next(explain)
    .next(publishFailed)
    .next(
      new Fail(scope, TrainingStates.trainingFailed, {
        stateName: TrainingStates.trainingFailed,
        error: TrainingErrors.trainingFailed.name,
        cause: 'Training or deployment failed; the Training Failed event says why and whether retrying helps',
      }),
    );
  for (const [task, stage] of [
    [plan, TrainingStates.planTraining],
    [acquire, TrainingStates.acquireTrainingSlot],
    [train, TrainingStates.train],
    [release, TrainingStates.releaseTrainingSlot],
    [deploy, TrainingStates.deployModel],
    [warmUp, TrainingStates.warmUpModel],
    [register, TrainingStates.registerModel],
  ] as const) {
    const recordStage = new Pass(scope, `RecordFailedStage${stage}`, {
      stateName: `RecordFailedStage${stage}`,
      result: Result.fromString(stage),
      resultPath: TrainingPaths.failedStage,
    });
    recordStage.next(releaseAfterFailure);
    task.addCatch(recordStage, { errors: [Errors.ALL], resultPath: TrainingPaths.failure });
  }

  // A newer set of the subject replaced this one before it took a slot: it never trains, and says so.
  const publishSuperseded = publish(
    TrainingStates.publishImageSetSuperseded,
    'Image Set Superseded',
    TaskInput.fromObject({
      version: 1,
      ...subject,
      mode: JsonPath.stringAt(`${TrainingPaths.plan}.mode`),
      reason: IMAGE_SET_SUPERSEDED_REASON,
      advice: IMAGE_SET_SUPERSEDED_ADVICE,
    }),
  );
  const hasSlot = new Choice(scope, TrainingStates.hasTrainingSlot, {
    stateName: TrainingStates.hasTrainingSlot,
  })
    .when(
      Condition.booleanEquals(`${TrainingPaths.slot}.acquired`, true),
      publishStarted
        .next(train)
        .next(release)
        .next(deploy)
        .next(warmUp)
        .next(register)
        .next(publishReady)
        .next(new Succeed(scope, TrainingStates.modelReady, { stateName: TrainingStates.modelReady })),
    )
    .when(
      Condition.and(
        Condition.isPresent(`${TrainingPaths.slot}.superseded`),
        Condition.booleanEquals(`${TrainingPaths.slot}.superseded`, true),
      ),
      publishSuperseded.next(
        new Succeed(scope, TrainingStates.imageSetSuperseded, {
          stateName: TrainingStates.imageSetSuperseded,
        }),
      ),
    )
    .otherwise(waitForSlot.next(acquire));
  return plan.next(acquire).next(hasSlot);
}

/**
 * The erasure workflow, as CDK constructs: record the tombstone, stop the subject's running executions, delete
 * every version of every object and every row of the subject, re-list until nothing is left, and publish Subject
 * Erased with the manifest. Like the other workflows, the synthesized ASL also runs locally, so it uses JSONPath
 * only and an explicit timeout on every Task. See README.md for the states.
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
import { retryableErrors } from '../error-contract.js';
import { ErasureErrors, ErasurePaths, ErasureStates, MAX_ERASURE_PASSES } from './contract.js';

export interface ErasureWorkflowProps {
  beginErasure: IFunction;
  stopSubjectExecutions: IFunction;
  eraseSubjectData: IFunction;
  verifyErasure: IFunction;
  bus: IEventBus;
}

export interface ErasureWorkflow {
  startState: IChainable;
  definitionBody: DefinitionBody;
}

/** A subject has few objects (15 photos, their crops, a few adapters and avatars): minutes are plenty. */
const ERASE_TASK_TIMEOUT = Duration.minutes(10);

export function buildErasureWorkflow(parent: Construct, props: ErasureWorkflowProps): ErasureWorkflow {
  const scope = new Construct(parent, 'ErasureWorkflow');
  const lambda = (id: string, fn: IFunction, payload: TaskInput | undefined, resultPath: string) => {
    const task = new LambdaInvoke(scope, id, {
      stateName: id,
      lambdaFunction: fn,
      payloadResponseOnly: true,
      ...(payload ? { payload } : {}),
      resultPath,
      taskTimeout: Timeout.duration(ERASE_TASK_TIMEOUT),
    });
    task.addRetry({
      errors: retryableErrors(ErasureErrors.erasureIncomplete),
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 4,
      jitterStrategy: JitterType.FULL,
    });
    return task;
  };
  const putEvent = (id: string, detailType: PipelineDetailType, detailPath: string) =>
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
  const request = { request: JsonPath.objectAt(`${ErasurePaths.begun}.request`) };

  // The whole input in: a partner's event is judged by the function, the API's start is checked by it too.
  const begin = lambda(ErasureStates.begin, props.beginErasure, undefined, ErasurePaths.begun);
  const stop = lambda(
    ErasureStates.stopExecutions,
    props.stopSubjectExecutions,
    TaskInput.fromObject(request),
    ErasurePaths.stopped,
  );
  const startCounting = new Pass(scope, ErasureStates.startCounting, {
    stateName: ErasureStates.startCounting,
    result: Result.fromObject({ attempt: 0, complete: false, totals: { objects: [], records: [] } }),
    resultPath: ErasurePaths.progress,
  });
  const erase = lambda(
    ErasureStates.eraseData,
    props.eraseSubjectData,
    TaskInput.fromObject(request),
    ErasurePaths.erased,
  );
  const verify = lambda(
    ErasureStates.verify,
    props.verifyErasure,
    TaskInput.fromObject({
      ...request,
      attempt: JsonPath.numberAt(`${ErasurePaths.progress}.attempt`),
      totals: JsonPath.objectAt(`${ErasurePaths.progress}.totals`),
      erased: JsonPath.objectAt(ErasurePaths.erased),
      stopped: JsonPath.objectAt(ErasurePaths.stopped),
    }),
    ErasurePaths.progress,
  );

  const failureDetail = (reason: string) => ({
    version: 1,
    tenantId: JsonPath.stringAt(`${ErasurePaths.begun}.request.tenantId`),
    subjectId: JsonPath.stringAt(`${ErasurePaths.begun}.request.subjectId`),
    erasureId: JsonPath.stringAt(`${ErasurePaths.begun}.request.erasureId`),
    reason,
    advice:
      'Nothing erased is restored: request the erasure again (it is safe to repeat); if it fails again, tell the operator.',
  });
  const publishFailed = putEvent(
    ErasureStates.publishErasureFailed,
    'Subject Erasure Failed',
    ErasurePaths.failed,
  );
  publishFailed.next(
    new Fail(scope, ErasureStates.erasureFailed, {
      stateName: ErasureStates.erasureFailed,
      error: ErasureErrors.erasureFailed.name,
      cause: 'The erasure could not complete; the Subject Erasure Failed event says why',
    }),
  );
  const recordFailure = new Pass(scope, ErasureStates.recordFailure, {
    stateName: ErasureStates.recordFailure,
    parameters: failureDetail(
      JsonPath.format(
        'The erasure stopped on an error: {}',
        JsonPath.stringAt(`${ErasurePaths.failure}.Error`),
      ),
    ),
    resultPath: ErasurePaths.failed,
  }).next(publishFailed);
  const recordIncomplete = new Pass(scope, ErasureStates.recordIncomplete, {
    stateName: ErasureStates.recordIncomplete,
    parameters: failureDetail(
      `Objects or rows of the subject were still there after ${MAX_ERASURE_PASSES} passes of deleting them (something kept writing them)`,
    ),
    resultPath: ErasurePaths.failed,
  }).next(publishFailed);
  for (const task of [stop, erase, verify]) {
    task.addCatch(recordFailure, { errors: [Errors.ALL], resultPath: ErasurePaths.failure });
  }

  const waitBeforeErasingAgain = new Wait(scope, ErasureStates.waitBeforeErasingAgain, {
    stateName: ErasureStates.waitBeforeErasingAgain,
    time: WaitTime.duration(Duration.seconds(30)),
  });
  const isComplete = new Choice(scope, ErasureStates.isComplete, { stateName: ErasureStates.isComplete })
    .when(
      Condition.booleanEquals(`${ErasurePaths.progress}.complete`, true),
      putEvent(
        ErasureStates.publishSubjectErased,
        'Subject Erased',
        `${ErasurePaths.progress}.subjectErased`,
      ).next(new Succeed(scope, ErasureStates.subjectErased, { stateName: ErasureStates.subjectErased })),
    )
    .when(
      Condition.numberGreaterThanEquals(`${ErasurePaths.progress}.attempt`, MAX_ERASURE_PASSES),
      recordIncomplete,
    )
    // A write raced the erasure (a generation finishing as it was stopped): delete what it left.
    .otherwise(waitBeforeErasingAgain.next(erase));

  const isRequestValid = new Choice(scope, ErasureStates.isRequestValid, {
    stateName: ErasureStates.isRequestValid,
  })
    .when(
      Condition.booleanEquals(`${ErasurePaths.begun}.valid`, true),
      stop.next(startCounting).next(erase).next(verify).next(isComplete),
    )
    .otherwise(
      putEvent(
        ErasureStates.publishRequestRejected,
        'Request Rejected',
        `${ErasurePaths.begun}.rejected`,
      ).next(new Succeed(scope, ErasureStates.requestRejected, { stateName: ErasureStates.requestRejected })),
    );

  const startState = begin.next(isRequestValid);
  return { startState, definitionBody: DefinitionBody.fromChainable(startState) };
}

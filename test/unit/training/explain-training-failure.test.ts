import { TrainingFailed } from '../../../events/pipeline-events.js';
import {
  explainFailedTrainingState,
  explainTrainingFailure,
  type TrainingFailureInput,
} from '../../../functions/training/explain-training-failure.js';
import { explainTrainingFailureTask } from '../../../functions/training/explain-training-failure.task.js';

const parseFailedTrainingState = explainTrainingFailureTask.parse;

import { lambdaContext } from '../../support/lambda-context.js';

const base: Omit<TrainingFailureInput, 'failure' | 'stage'> = {
  tenantId: 'default',
  subjectId: 'ana',
  imageSetId: 'is-0123456789abcdef',
  modelVersion: 'v-0123456789ab',
};

describe('explainTrainingFailure', () => {
  it('calls a timeout retryable and names the stage that timed out', () => {
    // Act
    const detail = explainTrainingFailure({
      ...base,
      stage: 'Train',
      failure: { Error: 'States.Timeout', Cause: 'State timed out' },
    });
    // Assess
    expect(detail.retryable).toBe(true);
    expect(detail.reason).toMatch(/^Train timed out/);
    expect(detail.stage).toBe('Train');
    expect(detail.advice).toMatch(/Start the training state machine again/);
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });

  it('calls a container 500 retryable and keeps SageMaker words in the reason', () => {
    // Act
    const detail = explainTrainingFailure({
      ...base,
      stage: 'Train',
      failure: {
        Error: 'TrainingEndpointFailed',
        Cause: 'ClientError: Received server error (500) from model. See the SageMaker Endpoint logs.',
      },
    });
    // Assess
    expect(detail).toEqual({
      version: 1,
      tenantId: 'default',
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      modelVersion: 'v-0123456789ab',
      stage: 'Train',
      reason:
        'The training endpoint reported a failure: ClientError: Received server error (500) from model. See the SageMaker Endpoint logs.',
      retryable: true,
      advice: expect.stringMatching(/Nothing is wrong with the photos/),
    });
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });

  it('calls a request the container refused (400) not retryable, with advice to fix the cause', () => {
    // Act
    const detail = explainTrainingFailure({
      ...base,
      stage: 'Train',
      failure: {
        Error: 'TrainingEndpointFailed',
        Cause: 'ClientError: Received client error (400) from model with message "resolution out of bounds".',
      },
    });
    // Assess
    expect(detail.retryable).toBe(false);
    expect(detail.reason).toContain('(400)');
    expect(detail.advice).toMatch(/Check the training endpoint logs/);
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });

  it('calls an invocation that timed out on the endpoint retryable', () => {
    // Act
    const detail = explainTrainingFailure({
      ...base,
      stage: 'Train',
      failure: { Error: 'TrainingEndpointFailed', Cause: 'Inference request timed out after 3600 seconds' },
    });
    // Assess
    expect(detail.retryable).toBe(true);
  });

  it("uses a Lambda error's errorMessage, not its stack, as the cause", () => {
    // Prepare
    const cause = JSON.stringify({
      errorType: 'UnexpectedTrainingResponseError',
      errorMessage:
        'The training response at s3://b/async-output/x.out is for bob/v-1, not ana/v-0123456789ab',
      trace: ['UnexpectedTrainingResponseError: ...', '    at deployModel (/var/task/index.mjs:1:1)'],
    });
    // Act
    const detail = explainTrainingFailure({
      ...base,
      stage: 'DeployModel',
      failure: { Error: 'UnexpectedTrainingResponseError', Cause: cause },
    });
    // Assess
    expect(detail.reason).toBe(
      'DeployModel failed with UnexpectedTrainingResponseError: The training response at s3://b/async-output/x.out is for bob/v-1, not ana/v-0123456789ab',
    );
    expect(detail.reason).not.toContain('deployModel (/var/task');
    expect(detail.retryable).toBe(false);
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });

  it.each([
    ['Lambda.ServiceException', 'Lambda is unavailable'],
    ['Lambda.TooManyRequestsException', 'Rate exceeded'],
    ['ThrottlingException', 'Rate exceeded'],
    ['ModelWarmUpFailedError', 'ModelNotReadyException: the model is still loading'],
    ['States.TaskFailed', JSON.stringify({ errorMessage: 'ServiceUnavailable: try again' })],
  ])('calls %s (%s) retryable', (error, cause) => {
    // Act
    const detail = explainTrainingFailure({
      ...base,
      stage: 'WarmUpModel',
      failure: { Error: error, Cause: cause },
    });
    // Assess
    expect(detail.retryable).toBe(true);
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });

  it('says so when no cause is given, and leaves modelVersion out when planning never ran', () => {
    // Act
    const detail = explainTrainingFailure({
      tenantId: 'default',
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      stage: 'PlanTraining',
      failure: { Error: 'ZodError' },
    });
    // Assess
    expect(detail.reason).toBe('PlanTraining failed with ZodError: no cause given');
    expect(detail).not.toHaveProperty('modelVersion');
    expect(detail.retryable).toBe(false);
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });
});

describe('explainFailedTrainingState', () => {
  it('reads subject, image set, version, stage and failure from the execution state', () => {
    // Prepare
    const state = parseFailedTrainingState({
      received: { tenantId: 'default', subjectId: 'ana', imageSetId: 'is-0123456789abcdef', photos: [] },
      plan: {
        modelVersion: 'v-0123456789ab',
        requestKey: 'training/ana/is-0123456789abcdef/requests/v.json',
      },
      failedStage: 'Train',
      failure: { Error: 'States.Timeout', Cause: 'State timed out' },
    });
    // Act
    const detail = explainFailedTrainingState(state);
    // Assess
    expect(detail).toMatchObject({
      tenantId: 'default',
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      modelVersion: 'v-0123456789ab',
      stage: 'Train',
      retryable: true,
    });
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });

  it('is what the ExplainTrainingFailure handler returns', async () => {
    // Prepare
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const { handler } = await import('../../../functions/training/explain-training-failure.handler.js');
    // Act
    const detail = await handler(
      {
        received: { tenantId: 'default', subjectId: 'ana', imageSetId: 'is-0123456789abcdef' },
        failedStage: 'AcquireTrainingSlot',
        failure: { Error: 'Lambda.ServiceException', Cause: 'Service unavailable' },
      },
      lambdaContext('ExplainTrainingFailure'),
    );
    // Assess
    expect(detail).toMatchObject({ stage: 'AcquireTrainingSlot', retryable: true });
    expect(TrainingFailed.safeParse(detail).success).toBe(true);
  });

  it('refuses a state without failure, naming the field', () => {
    // Act
    const parsing = () =>
      parseFailedTrainingState({
        received: { tenantId: 'default', subjectId: 'ana', imageSetId: 'is-0123456789abcdef' },
        failedStage: 'Train',
      });
    // Assess
    expect(parsing).toThrow(/ExplainTrainingFailure received a malformed payload[\s\S]*failure/);
  });
});

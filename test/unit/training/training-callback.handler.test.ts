import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { awsEvent } from '../../support/aws-events.js';
import { lambdaContext } from '../../support/lambda-context.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const INFERENCE_ID = '11111111-2222-3333-4444-555555555555';

describe('training-callback handler (SNS -> SendTaskSuccess / SendTaskFailure)', () => {
  beforeAll(() => {
    process.env.TRAINING_STATE_TABLE = 'training-state-table';
    process.env.PHOTO_BUCKET = 'amzn-s3-demo-bucket';
    process.env.TRAINING_SUCCESS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:training-success';
    process.env.TRAINING_ERROR_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:training-error';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  });
  beforeEach(() => {
    ddb.reset();
    sfn.reset();
    // No plan recorded (a row from before plans were): the claim decides, as it always did.
    ddb.on(GetCommand).resolves({});
  });

  it('claims the token of the documented SNS record and sends SendTaskSuccess', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({
      Attributes: {
        pk: `INFERENCE#${INFERENCE_ID}`,
        sk: 'TOKEN',
        taskToken: 'task-token-1',
        executionName: 'ana-is-0123456789abcdef',
        status: 'claimed',
      },
    });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const { handler } = await import('../../../functions/training/training-callback.handler.js');
    const event = awsEvent<SNSEvent>('sns-to-lambda.json');
    // Act
    const outcomes = await handler(event, lambdaContext('TrainingCallback'));
    // Assess
    expect(outcomes).toEqual(['task-succeeded']);
    // The plan is read first (GetItem, answered with none here), then the token claimed.
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'training-state-table',
      Key: { pk: `INFERENCE#${INFERENCE_ID}`, sk: 'TOKEN' },
      UpdateExpression: 'SET #status = :claimed, claimedAt = :now',
      ConditionExpression: '#status = :waiting',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':claimed': 'claimed', ':waiting': 'waiting', ':now': expect.any(Number) },
      ReturnValues: 'ALL_NEW',
    });
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'task-token-1',
      output: JSON.stringify({
        inferenceId: INFERENCE_ID,
        outputLocation: 's3://amzn-s3-demo-bucket/async-output/0b5a2f3e.out',
      }),
    });
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it('sends SendTaskFailure for the documented failure body delivered through SNS', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: { taskToken: 'task-token-2', executionName: 'exec-2' } });
    sfn.on(SendTaskFailureCommand).resolves({});
    const { handler } = await import('../../../functions/training/training-callback.handler.js');
    const event = awsEvent<SNSEvent>('sns-to-lambda.json');
    const record = event.Records[0];
    if (!record) throw new Error('the SNS sample has a record');
    record.Sns.Message = JSON.stringify(awsEvent('sagemaker-async-failure.json'));
    record.Sns.TopicArn = 'arn:aws:sns:us-east-1:123456789012:training-error';
    // Act
    const outcomes = await handler(event, lambdaContext('TrainingCallback'));
    // Assess
    expect(outcomes).toEqual(['task-failed']);
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'task-token-2',
      error: 'TrainingEndpointFailed',
      cause:
        'ClientError: Received server error (500) from model. See the SageMaker Endpoint logs in your account for more information.',
    });
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('answers duplicate for a token already claimed, and tells Step Functions nothing', async () => {
    // Prepare: the claim's condition fails, the existence probe succeeds (the item is there, claimed).
    ddb
      .on(UpdateCommand, { ConditionExpression: '#status = :waiting' })
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    ddb.on(UpdateCommand, { ConditionExpression: 'attribute_exists(pk)' }).resolves({});
    const { handler } = await import('../../../functions/training/training-callback.handler.js');
    // Act
    const outcomes = await handler(
      awsEvent<SNSEvent>('sns-to-lambda.json'),
      lambdaContext('TrainingCallback'),
    );
    // Assess
    expect(outcomes).toEqual(['duplicate']);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'training-state-table',
      Key: { pk: `INFERENCE#${INFERENCE_ID}`, sk: 'TOKEN' },
      ConditionExpression: 'attribute_exists(pk)',
    });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('answers malformed for a record whose message is not a notification, without failing the batch', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: { taskToken: 'task-token-1', executionName: 'exec-1' } });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const { handler } = await import('../../../functions/training/training-callback.handler.js');
    const event = awsEvent<SNSEvent>('sns-to-lambda.json');
    const good = event.Records[0];
    if (!good) throw new Error('the SNS sample has a record');
    event.Records.unshift({ ...good, Sns: { ...good.Sns, Message: 'not json' } });
    // Act
    const outcomes = await handler(event, lambdaContext('TrainingCallback'));
    // Assess
    expect(outcomes).toEqual(['malformed', 'task-succeeded']);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });
});

import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StepFunctionsExecutionStarter } from '../../../functions/ingest/execution-starter.js';
import { awsEvent } from '../../support/aws-events.js';
import { lambdaContext } from '../../support/lambda-context.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

describe('record-photo handler', () => {
  beforeAll(() => {
    process.env.LEDGER_TABLE = 'ledger-table';
    process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:training';
    process.env.PHOTO_BUCKET = 'amzn-s3-demo-bucket1';
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  });
  beforeEach(() => {
    ddb.reset();
    sfn.reset();
  });

  it('records the documented S3 Object Created event (multipart upload) and starts the subject execution', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({
      Attributes: {
        subjectId: 'ana',
        status: 'open',
        generation: 1,
        incarnation: '0a1b2c3d',
        activity: 1,
        lastActivityAt: 1,
        executionName: 'ana-0a1b2c3d-g1',
      },
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    const { handler } = await import('../../../functions/ingest/record-photo.handler.js');
    const event = awsEvent('s3-object-created.eventbridge.json');
    // Act
    const outcome = await handler(event, lambdaContext('RecordPhoto'));
    // Assess
    expect(outcome).toEqual({
      action: 'recorded',
      tenantId: 'default',
      subjectId: 'ana',
      effect: 'created',
      started: true,
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'ledger-table',
      Item: {
        pk: 'SUBJECT#default#ana',
        sk: 'PHOTO#subjects/ana/IMG_0001.jpg',
        tenantId: 'default',
        subjectId: 'ana',
        key: 'subjects/ana/IMG_0001.jpg',
        size: 5242880,
        etag: 'b1946ac92492d2347c6235b4d2611184-2',
        sequencer: '617f08299329d189',
        expiresAt: expect.any(Number),
      },
      ConditionExpression: 'attribute_not_exists(pk) OR sequencer = :seen',
    });
    // The row outlives the photo by a day: the default 30 days of retention, plus one (issue 11, ledger TTL).
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item as { expiresAt: number };
    expect(put.expiresAt - Date.now() / 1000).toBeGreaterThan(31 * 86_400 - 60);
    expect(put.expiresAt - Date.now() / 1000).toBeLessThanOrEqual(31 * 86_400);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'ledger-table',
      Key: { pk: 'SUBJECT#default#ana', sk: 'SUBJECT' },
      ConditionExpression: 'attribute_not_exists(#status)',
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:training',
      name: 'ana-0a1b2c3d-g1',
      input: JSON.stringify({ tenantId: 'default', subjectId: 'ana', generation: 1 }),
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'SUBJECT#default#ana', sk: 'SUBJECT' },
      UpdateExpression: 'SET startedGeneration = :gen REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'generation = :gen',
    });
  });

  it('refuses an event that is not an S3 Object Created event, naming the bad fields', async () => {
    const { handler } = await import('../../../functions/ingest/record-photo.handler.js');
    await expect(handler({ source: 'partner', detail: {} }, lambdaContext('RecordPhoto'))).rejects.toThrow(
      /MalformedObjectEvent|Not an S3 "Object Created" EventBridge event: detail-type/,
    );
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});

describe('StepFunctionsExecutionStarter', () => {
  beforeEach(() => sfn.reset());

  it('starts the execution with the derived name and the input as JSON', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    const starter = new StepFunctionsExecutionStarter(
      new SFNClient({}),
      'arn:aws:states:eu-west-1:1:stateMachine:t',
    );
    const input = { received: { subjectId: 'ana' } } as never;
    await expect(starter.start('ana-is-0123456789abcdef', input)).resolves.toEqual({ alreadyStarted: false });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:t',
      name: 'ana-is-0123456789abcdef',
      input: JSON.stringify(input),
    });
  });

  it('treats ExecutionAlreadyExists as the same image set already started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const starter = new StepFunctionsExecutionStarter(new SFNClient({}), 'arn:t');
    await expect(starter.start('n', { received: {} } as never)).resolves.toEqual({ alreadyStarted: true });
  });
});

import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { StepFunctionsExecutions } from '../../../functions/api/aws-api-ports.js';

const sfn = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:AvatarPipeline-training';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:AvatarPipeline-training:acme--ana-g1';

const exited = (id: number, name: string, output: unknown): HistoryEvent => ({
  id,
  timestamp: new Date(),
  type: 'TaskStateExited',
  stateExitedEventDetails: { name, output: JSON.stringify(output) },
});

beforeEach(() => sfn.reset());

describe('StepFunctionsExecutions.stateOutput', () => {
  it("reads a state's first exit from the execution's history, page after page", async () => {
    // Prepare
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: EXECUTION, nextToken: undefined })
      .resolves({ events: [exited(3, 'SettleImageSet', { settle: {} })], nextToken: 'page-2' })
      .on(GetExecutionHistoryCommand, { executionArn: EXECUTION, nextToken: 'page-2' })
      .resolves({ events: [exited(9, 'ValidateImages', { validation: { outcome: 'accepted' } })] });
    const executions = new StepFunctionsExecutions(new SFNClient({ region: 'eu-west-1' }), MACHINE);
    // Act
    const output = await executions.stateOutput('acme--ana-g1', 'ValidateImages');
    // Assess
    expect(output).toEqual({ validation: { outcome: 'accepted' } });
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
      executionArn: EXECUTION,
      maxResults: 100,
      reverseOrder: false,
      includeExecutionData: true,
    });
    expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 2);
  });

  it('is undefined for an execution that does not exist, or a state that has not exited in the pages it reads', async () => {
    // Prepare
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: EXECUTION })
      .rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: `${EXECUTION}-2` })
      .resolves({ events: [exited(3, 'SettleImageSet', {})], nextToken: 'more' });
    const executions = new StepFunctionsExecutions(new SFNClient({ region: 'eu-west-1' }), MACHINE);
    // Act
    const missing = await executions.stateOutput('acme--ana-g1', 'ValidateImages');
    const notYet = await executions.stateOutput('acme--ana-g1-2', 'ValidateImages');
    // Assess
    expect(missing).toBeUndefined();
    expect(notYet).toBeUndefined();
    expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 4);
  });
});

describe('StepFunctionsExecutions.start', () => {
  it('starts by name with the input as JSON, and says a name already used was started before', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand, { name: 'api-acme--gen-1' })
      .resolves({ executionArn: EXECUTION, startDate: new Date() })
      .on(StartExecutionCommand, { name: 'api-acme--gen-2' })
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const executions = new StepFunctionsExecutions(new SFNClient({ region: 'eu-west-1' }), MACHINE);
    // Act
    const first = await executions.start('api-acme--gen-1', { subjectId: 'ana' });
    const again = await executions.start('api-acme--gen-2', { subjectId: 'ana' });
    // Assess
    expect([first, again]).toEqual([{ alreadyStarted: false }, { alreadyStarted: true }]);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: 'api-acme--gen-1',
      input: '{"subjectId":"ana"}',
    });
  });
});

/**
 * Issue 11, logs without data: the state machines log errors only, without execution data, unless the deployer
 * asks for more (and then synth says so).
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { EXECUTION_DATA_WARNING_ID } from '../../../infra/constructs/workflow-state-machine.js';
import { type Resources, synthesizePipeline } from './synthesized-pipeline.js';

const machines = (resources: Resources) =>
  Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');

describe('state machine logs', () => {
  test('by default every machine (training, generation, erasure, webhooks) logs ERROR without execution data, and synth does not warn', () => {
    // Prepare, Act
    const { stack, resources } = synthesizePipeline();

    // Assess
    expect(machines(resources)).toHaveLength(4);
    for (const machine of machines(resources)) {
      expect(machine.Properties?.LoggingConfiguration).toMatchObject({
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: expect.anything() } }],
      });
      expect(machine.Properties?.TracingConfiguration).toEqual({ Enabled: true });
    }
    expect(JSON.stringify(Annotations.fromStack(stack).findWarning('*', Match.anyValue()))).not.toContain(
      EXECUTION_DATA_WARNING_ID,
    );
  });

  test('workflowLogLevel=ALL and workflowLogExecutionData=true log everything, with a warning per machine', () => {
    // Prepare
    const context = { workflowLogLevel: 'ALL', workflowLogExecutionData: 'true' };

    // Act
    const { stack, resources } = synthesizePipeline(context);

    // Assess
    for (const machine of machines(resources))
      expect(machine.Properties?.LoggingConfiguration).toMatchObject({
        Level: 'ALL',
        IncludeExecutionData: true,
      });
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('logs execution data.*task tokens.*For debugging only'),
    );
    expect(warnings.map((w) => w.id).sort()).toEqual([
      '/AvatarPipeline/Erasure/StateMachine',
      '/AvatarPipeline/Generation/StateMachine',
      '/AvatarPipeline/Training/StateMachine',
      '/AvatarPipeline/Webhooks/StateMachine',
    ]);
  });

  test('the role may deliver logs and traces from a policy of its own, created before the machine', () => {
    // Prepare
    const { resources } = synthesizePipeline({ workflowLogLevel: 'OFF' });

    // Act
    const deliveryPolicies = Object.entries(resources).filter(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.includes('StateMachineDeliveryPolicy'),
    );

    // Assess
    expect(deliveryPolicies).toHaveLength(4);
    for (const machine of machines(resources)) {
      expect(machine.Properties?.LoggingConfiguration).toMatchObject({
        Level: 'OFF',
        IncludeExecutionData: false,
      });
      expect((machine as { DependsOn?: string[] }).DependsOn).toEqual(
        expect.arrayContaining([expect.stringContaining('StateMachineDeliveryPolicy')]),
      );
    }
    expect(() => synthesizePipeline({ workflowLogLevel: 'DEBUG' })).toThrow('"workflowLogLevel"');
  });
});

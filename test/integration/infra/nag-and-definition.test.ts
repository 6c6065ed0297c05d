import { createRequire } from 'node:module';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { SubjectProcessingFailed } from '../../../events/pipeline-events.js';
import { FaceAnalysisUnavailableError } from '../../../functions/validation/errors.js';
import { createPipelineApp } from '../../../infra/pipeline-app.js';
import { PROCESSING_FAILED_ADVICE, TrainingErrors } from '../../../state-machines/training/contract.js';

const FACE_ANALYSIS_UNAVAILABLE_ERROR = TrainingErrors.faceAnalysisUnavailable.name;

import {
  describeFindings,
  PREBUILT_IMAGES,
  resolvedTrainingDefinition,
  synthesizePipeline,
  unacknowledgedNagFindings,
} from './synthesized-pipeline.js';

// asl-validator 4 is CommonJS without type declarations: `(definition, options?) => { isValid, errorsText() }`.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const { app, stack, resources } = synthesizePipeline();
const definition = resolvedTrainingDefinition(stack, resources);
type State = Record<string, unknown>;
const states = definition.States as Record<string, State>;
function stateNamed(name: string): State {
  const state = states[name];
  if (!state) throw new Error(`No state ${name} in the training definition`);
  return state;
}

describe('cdk-nag (AWS Solutions)', () => {
  test.each([
    ['the default stack', () => app],
    [
      'a dev stack (retainData=false, email subscription)',
      () => synthesizePipeline({ retainData: false, notificationEmail: 'ops@example.com' }).app,
    ],
    [
      'a stack for a given account and region (as `cdk synth` with credentials makes it)',
      () => synthesizePipeline({ account: '123456789012', region: 'eu-west-1' }).app,
    ],
    [
      'a stack with prebuilt SageMaker images, an s3:// base model and volume keys (p3 instances)',
      () =>
        synthesizePipeline({
          ...PREBUILT_IMAGES,
          baseModel: 's3://models-bucket/pipelines/sd21-base/',
          trainingInstanceType: 'ml.p3.2xlarge',
          servingInstanceType: 'ml.p3.2xlarge',
          trainingConcurrency: 2,
        }).app,
    ],
  ])('%s has no unacknowledged finding', (_name, appOf) => {
    const findings = unacknowledgedNagFindings(appOf());
    if (findings.length > 0) console.error(describeFindings(findings));
    expect(findings.map((f) => f.ruleName)).toEqual([]);
  });

  test('an unacknowledged error fails the synth', () => {
    const { app: failing, stack: failingStack } = createPipelineApp({ bundling: false });
    // A bucket with no access logs, no TLS-only policy: AwsSolutions-S1 and S10 are errors.
    new Bucket(failingStack, 'CarelessBucket');
    expect(() => failing.synth()).toThrow(/AwsSolutions-S1/);
  });

  test('every acknowledgement gives a reason', () => {
    const reasons: string[] = [];
    const walk = (node: typeof app.node): void => {
      for (const entry of node.metadata) {
        if (entry.type === 'aws:cdk:acknowledged-rules')
          reasons.push(...Object.values(entry.data as Record<string, string>));
      }
      for (const child of node.children) walk(child.node);
    };
    walk(app.node);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(30);
  });
});

describe('training definition', () => {
  test('is valid ASL', () => {
    const result = aslValidator(definition);
    if (!result.isValid) console.error(result.errorsText('\n'));
    expect(result.isValid).toBe(true);
  });

  test('uses only what the local engine runs: JSONPath, no Assign, no ItemReader', () => {
    const text = JSON.stringify(definition);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const unsupported of ['JSONata', 'Assign', 'ItemReader', '{%'])
      expect(text).not.toContain(unsupported);
  });

  test('every Task has an explicit timeout (the local engine would stop it at 60 s)', () => {
    const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');
    // 8 event publications of ingest and validation (the processing failure twice: live and dry-run), 4 of
    // training, 11 Lambda tasks (one of them twice: release after failure).
    expect(tasks.length).toBe(23);
    for (const [, task] of tasks) expect(task.TimeoutSeconds).toEqual(expect.any(Number));
    expect(states.ValidateImages?.TimeoutSeconds).toBe(300);
    expect(states.PrepareTrainingSet?.TimeoutSeconds).toBe(300);
  });

  test('Lambda tasks name the function ARN as Resource and put its return value at $.validation / $.prepared', () => {
    const validateArn = `:function:${stack.getLogicalId(stack.training.validateImages.node.defaultChild as never)}`;
    expect(states.ValidateImages).toMatchObject({
      Resource: expect.stringContaining(validateArn),
      ResultPath: '$.validation',
      // The whole Subject Received detail, optional fields included.
      InputPath: '$.received',
      Next: 'IsSubjectUsable',
    });
    expect(states.ValidateImages?.Parameters).toBeUndefined();
    expect(states.PrepareTrainingSet).toMatchObject({
      ResultPath: '$.prepared',
      Parameters: { 'photos.$': '$.validation.usable', 'settings.$': '$.received.settings' },
      Next: 'PublishSubjectAccepted',
    });
  });

  test('retries face analysis outages with jitter and sends every other failure to the failure event', () => {
    for (const name of ['ValidateImages', 'PrepareTrainingSet']) {
      expect(states[name]?.Retry).toContainEqual({
        ErrorEquals: ['FaceAnalysisUnavailableError'],
        IntervalSeconds: 2,
        MaxAttempts: 3,
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      });
      expect(states[name]?.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: `RecordFailedStage${name}` },
      ]);
      expect(states[`RecordFailedStage${name}`]).toMatchObject({
        Type: 'Pass',
        Result: name,
        Next: 'IsDryRunFailure',
      });
    }
    // A dry run's failure says dry-run; a live one's has no mode (JSONPath cannot copy an absent field).
    expect(states.IsDryRunFailure).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.received.mode', IsPresent: true },
            { Variable: '$.received.mode', StringEquals: 'dry-run' },
          ],
          Next: 'PublishDryRunSubjectProcessingFailed',
        },
      ],
      Default: 'PublishSubjectProcessingFailed',
    });
    const detailOf = (state: string) =>
      ((states[state]?.Parameters ?? { Entries: [] }) as { Entries: { Detail: Record<string, unknown> }[] })
        .Entries[0]?.Detail;
    expect(detailOf('PublishDryRunSubjectProcessingFailed')).toMatchObject({ mode: 'dry-run' });
    expect(detailOf('PublishSubjectProcessingFailed')).not.toHaveProperty('mode');
    for (const publish of ['PublishDryRunSubjectProcessingFailed', 'PublishSubjectProcessingFailed'])
      expect(states[publish]?.Next).toBe('ProcessingFailed');
    expect(states.ProcessingFailed).toMatchObject({ Type: 'Fail', Error: 'SubjectProcessingFailed' });
  });

  test('the retried error name is the one ValidateImages throws', () => {
    expect(new FaceAnalysisUnavailableError('throttled').name).toBe(FACE_ANALYSIS_UNAVAILABLE_ERROR);
  });

  test('publishes each outcome on the pipeline bus with its detail-type', () => {
    const busArn = expect.stringMatching(/:event-bus\//);
    const entryOf = (name: string) => (stateNamed(name).Parameters as { Entries: State[] }).Entries;
    expect(entryOf('PublishSubjectReceived')).toEqual([
      {
        'Detail.$': '$.received',
        DetailType: 'Subject Received',
        EventBusName: busArn,
        Source: 'avatar-pipeline',
      },
    ]);
    expect(entryOf('PublishSubjectRejected')).toEqual([
      expect.objectContaining({ 'Detail.$': '$.validation.rejected', DetailType: 'Subject Rejected' }),
    ]);
    expect(entryOf('PublishSubjectAccepted')).toEqual([
      expect.objectContaining({
        'Detail.$': 'States.JsonMerge($.validation.accepted, $.prepared, false)',
        DetailType: 'Subject Accepted',
      }),
    ]);
    for (const name of ['PublishSubjectReceived', 'PublishSubjectRejected', 'PublishSubjectAccepted']) {
      expect(states[name]?.ResultPath).toBeNull();
    }
    expect(states.IsSubjectUsable).toMatchObject({
      Choices: [{ Variable: '$.validation.outcome', StringEquals: 'accepted', Next: 'PrepareTrainingSet' }],
      Default: 'PublishSubjectRejected',
    });
    expect(states.PublishSubjectRejected?.Next).toBe('SubjectRejected');
    expect(states.SubjectRejected?.Type).toBe('Succeed');
  });

  test('the failure detail, filled from a caught error, is a valid Subject Processing Failed event', () => {
    const [entry] = (
      stateNamed('PublishSubjectProcessingFailed').Parameters as { Entries: { Detail: State }[] }
    ).Entries;
    const execution = {
      received: { subjectId: 'ada', imageSetId: 'is-0123456789abcdef' },
      failedStage: 'ValidateImages',
      failure: { Error: 'Lambda.Unknown', Cause: 'The function timed out' },
    };
    // A JSONPath of the form $.a.b is all the template uses; evaluate it the way Step Functions would.
    const at = (path: string) =>
      path
        .slice(2)
        .split('.')
        .reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], execution);
    const detail = Object.fromEntries(
      Object.entries(entry?.Detail ?? {}).map(([key, value]) =>
        key.endsWith('.$') ? [key.slice(0, -2), at(value as string)] : [key, value],
      ),
    );
    expect(SubjectProcessingFailed.parse(detail)).toEqual({
      version: 1,
      tenantId: 'default',
      subjectId: 'ada',
      imageSetId: 'is-0123456789abcdef',
      stage: 'ValidateImages',
      error: 'Lambda.Unknown',
      cause: 'The function timed out',
      advice: PROCESSING_FAILED_ADVICE,
    });
  });
});

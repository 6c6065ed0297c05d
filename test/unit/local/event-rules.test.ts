import {
  busFunctionRules,
  busRules,
  matchesPattern,
  UnsupportedPatternError,
} from '../../../local/runtime/event-rules.js';

/** The local bus matches rule patterns as EventBridge does, for the filters our rules use. */
describe('local bus rule patterns', () => {
  const event = (source: string, detailType = 'Avatar Generation Requested') => ({
    source,
    'detail-type': detailType,
    resources: ['arn:a', 'arn:b'],
    detail: { subjectId: 'ana', tags: ['x'] },
  });
  const partnerRule = {
    source: [{ 'anything-but': 'avatar-pipeline' }],
    'detail-type': ['Avatar Generation Requested'],
  };
  const modelReadyRule = { source: ['avatar-pipeline'], 'detail-type': ['Model Ready'] };

  it.each([
    ['partner.example.games', true],
    ['avatar-pipeline.api', true],
    ['avatar-pipeline', false],
    ['', true],
  ])('admits a partner request with source "%s": %s', (source, admitted) => {
    // Act / Assess
    expect(matchesPattern(event(source), partnerRule)).toBe(admitted);
  });

  it.each([
    ['avatar-pipeline', 'Model Ready', true],
    ['partner.example.games', 'Model Ready', false],
    ['avatar-pipeline', 'Avatar Generation Requested', false],
  ])('starts on Model Ready only from the pipeline: %s / %s -> %s', (source, type, starts) => {
    expect(matchesPattern(event(source, type), modelReadyRule)).toBe(starts);
  });

  it('supports anything-but lists, prefix and exists, nested under detail, and list values', () => {
    // Prepare
    const e = event('partner.shop');

    // Act / Assess
    expect(matchesPattern(e, { source: [{ 'anything-but': ['a', 'partner.shop'] }] })).toBe(false);
    expect(matchesPattern(e, { source: [{ 'anything-but': ['a', 'b'] }] })).toBe(true);
    expect(matchesPattern(e, { source: [{ prefix: 'partner.' }] })).toBe(true);
    expect(matchesPattern(e, { source: [{ prefix: 'avatar-' }] })).toBe(false);
    expect(matchesPattern(e, { detail: { subjectId: [{ exists: true }] } })).toBe(true);
    expect(matchesPattern(e, { detail: { correlationId: [{ exists: false }] } })).toBe(true);
    expect(matchesPattern(e, { detail: { correlationId: [{ 'anything-but': 'x' }] } })).toBe(false);
    expect(matchesPattern(e, { detail: { tags: ['x'] } })).toBe(true);
    expect(matchesPattern(e, { resources: ['arn:b'] })).toBe(true);
    expect(matchesPattern(e, { detail: { subjectId: ['ben', 'ana'] } })).toBe(true);
  });

  it('refuses a filter it does not implement instead of silently not matching', () => {
    expect(() => matchesPattern(event('p'), { source: [{ wildcard: 'p*' }] })).toThrow(
      UnsupportedPatternError,
    );
    expect(() => matchesPattern(event('p'), { source: [{ 'anything-but': { prefix: 'a' } }] })).toThrow(
      UnsupportedPatternError,
    );
  });
});

describe('rules on the local bus, read from the template', () => {
  it('finds state machine targets and function targets (by their local handler) on the named bus only', () => {
    // Prepare
    const template = {
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'pipeline' } },
        Counter: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'avatar-pipeline:local-handler': 'countOutcome' },
        },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
        CountRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventBusName: 'pipeline',
            EventPattern: { source: ['avatar-pipeline'] },
            Targets: [{ Arn: { 'Fn::GetAtt': ['Counter', 'Arn'] } }],
          },
        },
        StartRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventBusName: 'pipeline',
            EventPattern: { 'detail-type': ['Model Ready'] },
            Targets: [{ Arn: { Ref: 'Machine' } }],
          },
        },
        DefaultBusRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventPattern: { source: ['aws.s3'] },
            Targets: [{ Arn: { 'Fn::GetAtt': ['Counter', 'Arn'] } }],
          },
        },
      },
    };
    // Act
    const functionRules = busFunctionRules(template, 'pipeline');
    const machineRules = busRules(template, 'pipeline');
    // Assess
    expect(functionRules).toEqual([
      { ruleId: 'CountRule', pattern: { source: ['avatar-pipeline'] }, localHandler: 'countOutcome' },
    ]);
    expect(machineRules).toHaveLength(1);
    expect(machineRules[0]).toMatchObject({
      ruleId: 'StartRule',
      stateMachineArn: expect.stringContaining(':stateMachine:'),
    });
  });
});

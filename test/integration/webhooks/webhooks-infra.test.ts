import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { InvalidConfigurationError } from '../../../infra/config.js';
import { resolveTokens, type Template } from '../../../local/runtime/template-tokens.js';
import { WebhookStates } from '../../../state-machines/webhooks/contract.js';
import {
  describeFindings,
  propertiesOf,
  synthesizePipeline,
  unacknowledgedNagFindings,
} from '../infra/synthesized-pipeline.js';

/** The webhooks and partner-events resources as synthesized: CDK assertions on the template, cdk-nag on the app. */
describe('webhooks and partner events on AWS (synthesized template)', () => {
  const partners = { '111122223333': 'acme', '444455556666': 'globex' };
  const { app, stack, template, resources } = synthesizePipeline({
    partnerAccounts: JSON.stringify(partners),
    partnerOrganizationId: 'o-abcdefghij',
    eventArchiveRetentionDays: 90,
  });
  const id = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  const webhooks = stack.webhooks;

  it('passes the cdk-nag AWS Solutions checks with no unacknowledged finding', () => {
    // Act
    const findings = unacknowledgedNagFindings(app);
    // Assess
    if (findings.length > 0) console.error(describeFindings(findings));
    expect(findings.map((f) => f.ruleName)).toEqual([]);
  });

  it('keeps endpoints, secrets and attempts in a table encrypted with the data key, with PITR and TTL', () => {
    // Assess
    expect(propertiesOf(resources, id(webhooks.table))).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [id(stack.keys.data), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('encrypts both dead-letter queues with the messages key', () => {
    // Assess
    for (const queue of [webhooks.deadLetters, webhooks.ruleDeadLetters]) {
      expect(propertiesOf(resources, id(queue))).toMatchObject({
        KmsMasterKeyId: { 'Fn::GetAtt': [id(stack.keys.messages), 'Arn'] },
        MessageRetentionPeriod: 1209600,
      });
    }
  });

  it('starts the webhooks state machine for every event with our source, with a dead-letter queue', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['avatar-pipeline'] },
      Targets: [
        Match.objectLike({
          Arn: { Ref: id(webhooks.stateMachine) },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(webhooks.ruleDeadLetters), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8 },
        }),
      ],
    });
  });

  it('waits between attempts in a Wait state of the Map iteration, and dead-letters what is exhausted', () => {
    // Prepare
    const raw = propertiesOf(resources, id(webhooks.stateMachine)).DefinitionString;
    // Act
    const definition = JSON.parse(String(resolveTokens(template.toJSON() as Template, raw)));
    const map = definition.States[WebhookStates.deliverEach];
    const inner = map.ItemProcessor.States;
    // Assess
    expect(definition.StartAt).toBe(WebhookStates.plan);
    expect(map.MaxConcurrency).toBe(10);
    expect(inner[WebhookStates.wait]).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
      Next: WebhookStates.attempt,
    });
    expect(inner[WebhookStates.attempt].Catch[0]).toMatchObject({
      ErrorEquals: ['States.ALL'],
      Next: WebhookStates.deadLetter,
    });
    expect(inner[WebhookStates.deadLetter].Resource).toBe('arn:aws:states:::sqs:sendMessage');
    expect(inner[WebhookStates.publishDisabled].Next).toBe(WebhookStates.deadLetter);
  });

  it('gives the delivery function the table and the URL policy, and a timeout above the 15 s request limit', () => {
    // Assess
    expect(propertiesOf(resources, id(webhooks.deliverWebhook))).toMatchObject({
      Timeout: 30,
      Environment: {
        Variables: expect.objectContaining({
          WEBHOOKS_TABLE: { Ref: id(webhooks.table) },
          WEBHOOK_ALLOWED_PORTS: '',
          WEBHOOK_LOOPBACK_RECEIVERS: 'false',
        }),
      },
    });
  });

  it('admits each partner account, and the organization, to put only partner detail-types, never with our source', () => {
    // Prepare
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::Events::EventBusPolicy');
    const statements = policies.map((p) => p.Properties?.Statement as Record<string, unknown>);
    // Assess
    expect(statements.map((s) => s.Sid).sort()).toEqual([
      'cdk-Partner111122223333',
      'cdk-Partner444455556666',
      'cdk-PartnerOrganization',
    ]);
    for (const statement of statements) {
      expect(statement).toMatchObject({
        Action: 'events:PutEvents',
        Condition: {
          StringEquals: {
            'events:detail-type': ['Avatar Generation Requested', 'Subject Erasure Requested'],
          },
          StringNotEquals: { 'events:source': 'avatar-pipeline' },
        },
      });
    }
    const org = statements.find((s) => s.Sid === 'cdk-PartnerOrganization');
    expect(org).toMatchObject({
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
    });
  });

  it('archives every event on the bus for the configured retention, and maps partner accounts for PrepareGeneration', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: [{ prefix: '' }] },
      RetentionDays: 90,
    });
    expect(propertiesOf(resources, id(stack.generation.prepareGeneration))).toMatchObject({
      Environment: {
        Variables: expect.objectContaining({
          PARTNER_ACCOUNTS: JSON.stringify(partners),
          OWN_ACCOUNT: { Ref: 'AWS::AccountId' },
        }),
      },
    });
  });

  it('refuses a partnerAccounts value that is not account -> tenant, naming the key', () => {
    // Act / Assess
    expect(() => synthesizePipeline({ partnerAccounts: '{"12":"Acme Corp"}' })).toThrow(
      InvalidConfigurationError,
    );
    expect(() => synthesizePipeline({ partnerAccounts: '{"12":"Acme Corp"}' })).toThrow(/partnerAccounts/);
  });
});

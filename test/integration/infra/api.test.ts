import { Match } from 'aws-cdk-lib/assertions';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { API_STACK_OUTPUTS } from '../../../infra/stack-outputs.js';
import { type Resources, synthesizePipeline } from './synthesized-pipeline.js';

const { template, resources, stack } = synthesizePipeline();
const { template: withWaf } = synthesizePipeline({ apiWaf: true });
const ofType = (type: string) => Object.entries(resources as Resources).filter(([, r]) => r.Type === type);

describe('the HTTP API on API Gateway', () => {
  it('is one regional REST API whose usage plan counts API keys the authorizer returns', () => {
    // Prepare / Act (the synthesized stack)
    // Assess
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      ApiKeySourceType: 'AUTHORIZER',
    });
  });

  it('has a method for every route, each with the cached REQUEST authorizer but the public OpenAPI document', () => {
    // Prepare
    const methods = ofType('AWS::ApiGateway::Method').map(([, r]) => r.Properties as Record<string, unknown>);
    const [authorizerId] = ofType('AWS::ApiGateway::Authorizer').map(([id]) => id);
    // Act
    const open = methods.filter((m) => m.AuthorizationType !== 'CUSTOM');
    // Assess
    expect(methods).toHaveLength(API_ROUTES.length);
    expect(open).toHaveLength(API_ROUTES.filter((route) => route.docs.public).length);
    expect(open.every((m) => m.HttpMethod === 'GET')).toBe(true);
    for (const method of methods.filter((m) => m.AuthorizationType === 'CUSTOM')) {
      expect(method).toMatchObject({
        AuthorizerId: { Ref: authorizerId },
        ApiKeyRequired: true,
        RequestValidatorId: expect.anything(),
      });
    }
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 60,
    });
  });

  it('validates bodies and parameters, requires Idempotency-Key on generations, and throttles per client', () => {
    // Prepare / Act (the synthesized stack)
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestParameters: { 'method.request.header.Idempotency-Key': true },
      RequestModels: { 'application/json': Match.anyValue() },
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 10, BurstLimit: 20 },
    });
  });

  it('outputs the clients table and the usage plan, which `npm run tenant -- add NAME --stack` reads', () => {
    // Prepare
    const [planId] = ofType('AWS::ApiGateway::UsagePlan').map(([id]) => id);
    const clientsTable = stack.getLogicalId(stack.api.clients.node.defaultChild as never);
    // Act
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    // Assess
    expect(outputs[API_STACK_OUTPUTS.clientsTable]?.Value).toEqual({ Ref: clientsTable });
    expect(outputs[API_STACK_OUTPUTS.usagePlan]?.Value).toEqual({ Ref: planId });
  });

  it('logs access to an encrypted log group, with no request data, and attaches WAF only when asked', () => {
    // Prepare
    const stage = ofType('AWS::ApiGateway::Stage')[0]?.[1].Properties as Record<string, unknown>;
    const accessLogGroup = (stage.AccessLogSetting as { DestinationArn: { 'Fn::GetAtt': [string] } })
      .DestinationArn['Fn::GetAtt'][0];
    // Act
    const group = resources[accessLogGroup]?.Properties as Record<string, unknown>;
    // Assess
    expect(stage).toMatchObject({
      TracingEnabled: true,
      MethodSettings: [expect.objectContaining({ DataTraceEnabled: false, LoggingLevel: 'ERROR' })],
    });
    expect(group.KmsKeyId).toEqual({
      'Fn::GetAtt': [stack.getLogicalId(stack.keys.logs.node.defaultChild as never), 'Arn'],
    });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    withWaf.resourceCountIs('AWS::WAFv2::WebACL', 1);
    withWaf.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('keeps its tables on the data key, and gives the create-generation route only the generation workflow to start', () => {
    // Prepare
    const dataKey = { 'Fn::GetAtt': [stack.getLogicalId(stack.keys.data.node.defaultChild as never), 'Arn'] };
    const role = (stack.api.routeFunctions.apiCreateGeneration?.role?.node.defaultChild ?? {}) as never;
    const roleId = stack.getLogicalId(role);
    // Act
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, r]) => JSON.stringify(r.Properties?.Roles).includes(`"${roleId}"`))
      .flatMap(
        ([, r]) =>
          (
            r.Properties?.PolicyDocument as
              | { Statement: { Action: string | string[]; Resource: unknown }[] }
              | undefined
          )?.Statement ?? [],
      );
    const starts = statements.filter((s) => [s.Action].flat().includes('states:StartExecution'));
    // Assess
    for (const table of [stack.api.clients, stack.api.records, stack.api.idempotency]) {
      expect(resources[stack.getLogicalId(table.node.defaultChild as never)]?.Properties).toMatchObject({
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: dataKey },
      });
    }
    expect(starts).toEqual([
      expect.objectContaining({
        Resource: { Ref: stack.getLogicalId(stack.generation.stateMachine.node.defaultChild as never) },
      }),
    ]);
  });
});

import {
  ArnFormat,
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  JsonSchemaType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
  type UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AUTHORIZER_CACHE_TTL_SECONDS } from '../../functions/api/authorizer.js';
import { apiAuthorizerTask } from '../../functions/api/authorizer.task.js';
import type { AnyRoute } from '../../functions/api/route.js';
import { API_ROUTES } from '../../functions/api/routes.js';
import { AVATARS_PREFIX, TENANTS_PREFIX } from '../../functions/platform/bucket-layout.js';
import { EnvironmentVariables as Env } from '../../functions/platform/environment-variables.js';
import type { PipelineConfig } from '../config.js';
import { API_STACK_OUTPUTS } from '../stack-outputs.js';
import type { Keys } from './keys.js';
import type { PhotoStore } from './photo-store.js';
import { pipelineFunctions } from './pipeline-function.js';

export interface ApiProps {
  /** The parsed context: throttling, quota, WAF, retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket: presigned uploads under tenants/, avatar links under avatars/. */
  readonly photos: PhotoStore;
  /** The stack's keys: tables with the data key, logs with the logs key. */
  readonly keys: Keys;
  /** The subject ledger (read). */
  readonly ledger: ITable;
  /** The training workflow's state table (its queue: read, and left on cancel). */
  readonly trainingState: ITable;
  /** The model registry (read). */
  readonly modelRegistry: ITable;
  /** The training state machine (described, stopped on cancel). */
  readonly trainingStateMachine: StateMachine;
  /** The generation state machine (started, described). */
  readonly generationStateMachine: StateMachine;
  /** The erasure state machine (started by DELETE /v1/subjects/{id}). */
  readonly erasureStateMachine: StateMachine;
  /** The webhooks table: endpoints and secrets, managed by /v1/webhook-endpoints and /v1/webhook-secret. */
  readonly webhooksTable: ITable;
}

/**
 * The HTTP API: a regional REST API with the REQUEST authorizer on every method but the public OpenAPI document,
 * one function per route of `functions/api/routes.ts`, request validation and a body size bound at the gateway, a
 * usage plan that throttles per client (the authorizer's usageIdentifierKey), access logs to an encrypted log
 * group, optional WAF (`apiWaf`), and its tables (clients, API records, idempotency) encrypted with the data key.
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly clients: Table;
  readonly records: Table;
  readonly idempotency: Table;
  readonly usagePlan: UsagePlan;
  readonly authorizerFunction: NodejsFunction;
  readonly routeFunctions: Record<string, NodejsFunction> = {};

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config, keys, photos } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const fn = pipelineFunctions(this, { logRetention, removalPolicy, logsKey: keys.logs });
    const table = (tableId: string, ttl?: string, partitionKey = 'pk', sortKey: string | null = 'sk') =>
      new Table(this, tableId, {
        encryption: TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: keys.data,
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        ...(sortKey ? { sortKey: { name: sortKey, type: AttributeType.STRING } } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
        removalPolicy,
      });
    this.clients = table('Clients');
    this.records = table('Records', 'expiresAt');
    // Powertools' DynamoDB persistence layer: partition key `id`, TTL `expiration`.
    this.idempotency = table('Idempotency', 'expiration', 'id', null);

    this.authorizerFunction = fn(
      'Authorizer',
      apiAuthorizerTask,
      'Checks the Bearer API key of every HTTP API request: tenant and client, or 401',
      { API_CLIENTS_TABLE: this.clients.tableName },
      { memorySize: 256, timeout: Duration.seconds(5) },
    );
    this.clients.grant(this.authorizerFunction, 'dynamodb:Query');
    keys.grantDataKey(this.authorizerFunction, 'dynamodb', 'read');

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy,
      encryptionKey: keys.logs,
    });
    this.restApi = new RestApi(this, 'RestApi', {
      description: 'Avatar pipeline HTTP API (/v1)',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: removalPolicy,
      deployOptions: {
        // The stage is part of the URL before the resource paths, which carry the version: https://<id>.execute-api.<region>.amazonaws.com/api/v1/...
        stageName: 'api',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        // Errors only, never request or response bodies (no prompts, no links in logs).
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: true,
        throttlingRateLimit: config.apiRateLimit * 10,
        throttlingBurstLimit: config.apiBurstLimit * 10,
      },
    });
    for (const [type, status] of [
      [ResponseType.UNAUTHORIZED, '401'],
      [ResponseType.ACCESS_DENIED, '403'],
      [ResponseType.BAD_REQUEST_BODY, '400'],
      [ResponseType.THROTTLED, '429'],
      [ResponseType.QUOTA_EXCEEDED, '429'],
    ] as const) {
      this.restApi.addGatewayResponse(`Problem${type.responseType}`, {
        type,
        statusCode: status,
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: {
          'application/json': `{"type":"about:blank","title":$context.error.messageString,"status":${status},"detail":$context.error.messageString,"errors":[]}`,
        },
      });
    }
    const authorizer = new RequestAuthorizer(this, 'KeyAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: [IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_TTL_SECONDS),
    });
    const validator = this.restApi.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const values: Record<string, string> = {
      [Env.apiTable]: this.records.tableName,
      [Env.ledgerTable]: props.ledger.tableName,
      [Env.trainingStateTable]: props.trainingState.tableName,
      [Env.modelRegistryTable]: props.modelRegistry.tableName,
      [Env.trainingStateMachineArn]: props.trainingStateMachine.stateMachineArn,
      [Env.generationStateMachineArn]: props.generationStateMachine.stateMachineArn,
      [Env.erasureStateMachineArn]: props.erasureStateMachine.stateMachineArn,
      [Env.webhooksTable]: props.webhooksTable.tableName,
      [Env.webhookAllowedPorts]: config.webhookAllowedPorts,
      [Env.webhookLoopbackReceivers]: String(config.webhookLoopbackReceivers),
      [Env.webhookSecretOverlapSeconds]: String(config.webhookSecretOverlapSeconds),
      [Env.idempotencyTable]: this.idempotency.tableName,
      [Env.gpuImagesPerDay]: String(config.apiGpuImagesPerDay),
      [Env.photoBucket]: photos.bucket.bucketName,
      [Env.uploadExpirySeconds]: '900',
      [Env.maxFileBytes]: String(config.maxFileBytes),
      [Env.linkExpirySeconds]: String(Math.min(3600, config.linkExpirySeconds)),
    };
    for (const route of API_ROUTES as readonly AnyRoute[]) {
      const environment = Object.fromEntries(
        route.env.map((name: string) => [name, values[name] ?? missing(route, name)]),
      );
      const handler = fn(
        `${route.name[3]?.toUpperCase()}${route.name.slice(4)}`,
        route,
        `${route.method} ${route.path}: ${route.docs.summary}`,
        environment,
      );
      this.routeFunctions[route.name] = handler;
      this.grantRoute(route, handler, props);
      const resource = this.restApi.root.resourceForPath(route.path.replace(/^\/v1/, '/v1'));
      const model = route.docs.body
        ? this.restApi.addModel(`${route.name}Body`, {
            contentType: 'application/json',
            // API Gateway models are draft 4: the gateway only bounds the shape; the route validates every field.
            schema: { type: JsonSchemaType.OBJECT, title: `${route.name}Body` },
          })
        : undefined;
      const method = resource.addMethod(route.method, new LambdaIntegration(handler), {
        ...(route.docs.public
          ? { authorizationType: AuthorizationType.NONE }
          : { authorizer, authorizationType: AuthorizationType.CUSTOM }),
        requestValidator: validator,
        ...(model ? { requestModels: { 'application/json': model } } : {}),
        ...(route.docs.headers?.['Idempotency-Key']
          ? { requestParameters: { 'method.request.header.Idempotency-Key': true } }
          : {}),
        ...(route.docs.public ? {} : { apiKeyRequired: true }),
      });
      if (route.docs.public) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is the public OpenAPI document, with no data; every other method has the authorizer.`,
        });
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: 'The public OpenAPI document has no authorizer at all.',
        });
      }
    }
    this.usagePlan = this.restApi.addUsagePlan('PerClient', {
      description: 'Every API client: its key is the client id the authorizer returns',
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
    });
    // What `npm run tenant -- add NAME --stack <stack>` reads to create a client on AWS (its rows and its API key).
    new CfnOutput(this, 'ClientsTableName', {
      key: API_STACK_OUTPUTS.clientsTable,
      description:
        'The API clients table (tenants and hashed keys): npm run tenant -- add NAME --stack <stack>',
      value: this.clients.tableName,
    });
    new CfnOutput(this, 'UsagePlanId', {
      key: API_STACK_OUTPUTS.usagePlan,
      description:
        "The usage plan every client's API key (value = client id) joins, for per-client throttling",
      value: this.usagePlan.usagePlanId,
    });

    if (config.apiWaf) {
      const acl = new CfnWebACL(this, 'WebAcl', {
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        visibilityConfig: {
          cloudWatchMetricsEnabled: true,
          metricName: 'avatar-api',
          sampledRequestsEnabled: false,
        },
        rules: [
          managedRule('AWSManagedRulesCommonRuleSet', 0),
          managedRule('AWSManagedRulesKnownBadInputsRuleSet', 1),
          {
            name: 'RatePerIp',
            priority: 2,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: 'IP' } },
            visibilityConfig: {
              cloudWatchMetricsEnabled: true,
              metricName: 'avatar-api-rate',
              sampledRequestsEnabled: false,
            },
          },
        ],
      });
      new CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: this.restApi.deploymentStage.stageArn,
        webAclArn: acl.attrArn,
      });
    } else {
      Validations.of(this.restApi.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF is optional by context (apiWaf=true attaches managed rules and a rate limit); API keys, usage plans and request validation guard the API without it.',
      });
    }
    this.acknowledge();
  }

  private grantRoute(route: AnyRoute, handler: NodejsFunction, props: ApiProps): void {
    const env = new Set<string>(route.env);
    const { keys } = props;
    const readKey = () => keys.grantDataKey(handler, 'dynamodb', 'read');
    if (env.has(Env.apiTable)) {
      this.records.grant(
        handler,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      );
      keys.grantDataKey(handler, 'dynamodb', 'write');
    }
    if (env.has(Env.ledgerTable)) {
      // The table only, not its indexes (Table.grant would add index/*): subjects are read by key.
      handler.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [props.ledger.tableArn],
        }),
      );
      readKey();
    }
    if (env.has(Env.modelRegistryTable)) {
      props.modelRegistry.grant(handler, 'dynamodb:GetItem');
      readKey();
    }
    if (env.has(Env.trainingStateTable)) {
      const cancels = route.name === 'apiCancelSubject';
      props.trainingState.grant(
        handler,
        'dynamodb:Query',
        ...(cancels ? ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'] : []),
      );
      keys.grantDataKey(handler, 'dynamodb', cancels ? 'write' : 'read');
    }
    if (env.has(Env.idempotencyTable)) {
      this.idempotency.grant(
        handler,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      );
      keys.grantDataKey(handler, 'dynamodb', 'write');
    }
    if (env.has(Env.webhooksTable)) {
      props.webhooksTable.grant(
        handler,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
      );
      keys.grantDataKey(handler, 'dynamodb', 'write');
    }
    if (route.name === 'apiCreateSubject') props.photos.grantWritePrefix(handler, TENANTS_PREFIX);
    if (route.name === 'apiGetGeneration') props.photos.grantGetObjects(handler, AVATARS_PREFIX);
    const statements: PolicyStatement[] = [];
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    // cdk-nag names a finding by the resource as written, with tokens as <LogicalId.Attribute>.
    const findingOf = (machine: StateMachine) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:<${stack.getLogicalId(machine.node.defaultChild as CfnElement)}.Name>:*]`;
    const machines: StateMachine[] = [];
    const executionsOf = (machine: StateMachine) =>
      Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${machine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    if (env.has(Env.trainingStateMachineArn)) {
      machines.push(props.trainingStateMachine);
      statements.push(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [
            'states:DescribeExecution',
            ...(route.name === 'apiCancelSubject' ? ['states:StopExecution'] : []),
            // The photo verdicts of a running execution: ValidateImages' output in its history.
            ...(route.name === 'apiGetSubject' ? ['states:GetExecutionHistory'] : []),
          ],
          resources: [executionsOf(props.trainingStateMachine)],
        }),
      );
    }
    if (env.has(Env.generationStateMachineArn)) {
      machines.push(props.generationStateMachine);
      statements.push(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['states:DescribeExecution'],
          resources: [executionsOf(props.generationStateMachine)],
        }),
      );
      if (route.name === 'apiCreateGeneration') props.generationStateMachine.grantStartExecution(handler);
    }
    if (env.has(Env.erasureStateMachineArn)) props.erasureStateMachine.grantStartExecution(handler);
    if (statements.length > 0) {
      const policy = new Policy(this, `${route.name}Executions`, { statements });
      handler.role?.attachInlinePolicy(policy);
      for (const machine of machines) {
        Validations.of(policy).acknowledge({
          id: findingOf(machine),
          reason:
            'Executions of one state machine, by name: an execution ARN is only known once it is named, so the narrowest resource is <stateMachine>:*.',
        });
      }
    }
  }

  private acknowledge(): void {
    for (const child of this.restApi.node.findAll()) {
      if (child.node.id === 'CloudWatchRole') {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
          reason:
            "API Gateway's account-level role for execution logs: AWS's managed policy is the documented one.",
        });
      }
    }
    for (const method of this.restApi.methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'API keys behind a cached Lambda authorizer, chosen over Cognito client credentials (functions/api/README.md).',
      });
    }
  }
}

function managedRule(name: string, priority: number): CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: false },
  };
}

function missing(route: AnyRoute, name: string): never {
  throw new Error(`Route ${route.name} reads ${name}, which the Api construct does not provide`);
}

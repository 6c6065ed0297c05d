import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { parseApiKey } from '../../../functions/api/credentials.js';
import { API_STACK_OUTPUTS } from '../../../infra/stack-outputs.js';
import {
  apiClientsOfStack,
  StackOutputsError,
  usagePlanRegistration,
} from '../../../infra/tools/api-gateway-clients.js';
import { runTenantCli } from '../../../local/api/tenant-command.js';

const cfn = mockClient(CloudFormationClient);
const apiGateway = mockClient(APIGatewayClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const region = { region: 'eu-west-1' };

const stackWithOutputs = {
  Stacks: [
    {
      StackName: 'AvatarPipeline',
      CreationTime: new Date(),
      StackStatus: 'CREATE_COMPLETE' as const,
      Outputs: [
        { OutputKey: API_STACK_OUTPUTS.clientsTable, OutputValue: 'AvatarPipeline-ApiClients1234' },
        { OutputKey: API_STACK_OUTPUTS.usagePlan, OutputValue: 'plan123' },
        {
          OutputKey: 'ApiRestApiEndpoint',
          OutputValue: 'https://x.execute-api.eu-west-1.amazonaws.com/api/',
        },
      ],
    },
  ],
};

beforeEach(() => {
  cfn.reset();
  apiGateway.reset();
  dynamo.reset();
});

describe('apiClientsOfStack', () => {
  it("reads the clients table and the usage plan from the stack's outputs", async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves(stackWithOutputs);
    // Act
    const found = await apiClientsOfStack(new CloudFormationClient(region), 'AvatarPipeline');
    // Assess
    expect(found).toEqual({ clientsTable: 'AvatarPipeline-ApiClients1234', usagePlanId: 'plan123' });
    expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'AvatarPipeline' });
  });

  it('names the stack and what to do when it is missing, or deployed without the outputs', async () => {
    // Prepare
    const missing = Object.assign(new Error('Stack with id Nope does not exist'), {
      name: 'ValidationError',
    });
    cfn.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(missing);
    cfn.on(DescribeStacksCommand, { StackName: 'Old' }).resolves({
      Stacks: [{ StackName: 'Old', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    const client = new CloudFormationClient(region);
    // Act
    const notFound = apiClientsOfStack(client, 'Nope');
    const old = apiClientsOfStack(client, 'Old');
    // Assess
    await expect(notFound).rejects.toThrow(StackOutputsError);
    await expect(apiClientsOfStack(client, 'Nope')).rejects.toThrow(/Stack "Nope" was not found.*--stack/);
    await expect(old).rejects.toThrow(/Stack "Old" has no ApiClientsTableName.*npm run deploy/);
  });
});

describe('usagePlanRegistration', () => {
  it('creates an enabled API key whose value is the client id and adds it to the usage plan', async () => {
    // Prepare
    apiGateway.on(CreateApiKeyCommand).resolves({ id: 'key-1' });
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});
    const register = usagePlanRegistration(new APIGatewayClient(region), 'plan123');
    // Act
    await register({ tenantId: 'acme', clientId: 'c0123456789abcdef01234567' });
    // Assess
    expect(apiGateway).toHaveReceivedCommandWith(CreateApiKeyCommand, {
      name: 'avatar-client-c0123456789abcdef01234567',
      value: 'c0123456789abcdef01234567',
      enabled: true,
      tags: { tenant: 'acme' },
    });
    expect(apiGateway).toHaveReceivedCommandWith(CreateUsagePlanKeyCommand, {
      usagePlanId: 'plan123',
      keyId: 'key-1',
      keyType: 'API_KEY',
    });
    expect(apiGateway).not.toHaveReceivedCommand(DeleteApiKeyCommand);
  });

  it('deletes the key again when it cannot join the plan, and when the client is undone', async () => {
    // Prepare
    apiGateway.on(CreateApiKeyCommand).resolves({ id: 'key-1' });
    apiGateway
      .on(CreateUsagePlanKeyCommand)
      .rejectsOnce(new Error('NotFoundException: Invalid Usage Plan ID'));
    apiGateway.on(DeleteApiKeyCommand).resolves({});
    const register = usagePlanRegistration(new APIGatewayClient(region), 'plan123');
    // Act
    const failed = register({ tenantId: 'acme', clientId: 'c0123456789abcdef01234567' });
    await expect(failed).rejects.toThrow(/Invalid Usage Plan ID/);
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});
    const registered = await register({ tenantId: 'acme', clientId: 'c0123456789abcdef01234567' });
    await registered.undo();
    // Assess
    expect(apiGateway).toHaveReceivedCommandTimes(DeleteApiKeyCommand, 2);
    expect(apiGateway).toHaveReceivedCommandWith(DeleteApiKeyCommand, { apiKey: 'key-1' });
  });
});

describe('npm run tenant -- add NAME --stack STACK', () => {
  it("writes the tenant and the key's hash to the stack's table and puts the client's key in its usage plan", async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves(stackWithOutputs);
    apiGateway.on(CreateApiKeyCommand).resolves({ id: 'key-1' });
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    let out = '';
    // Act
    const code = await runTenantCli(
      ['add', 'acme', '--stack', 'AvatarPipeline', '--region', 'eu-west-1'],
      (s) => {
        out += s;
      },
    );
    // Assess
    expect(code).toBe(0);
    const apiKey = out.trimEnd().split('\n').at(-1) ?? '';
    const clientId = parseApiKey(apiKey)?.clientId;
    expect(clientId).toBeDefined();
    expect(apiGateway).toHaveReceivedCommandWith(CreateApiKeyCommand, { value: clientId });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'AvatarPipeline-ApiClients1234',
      Item: expect.objectContaining({ pk: 'TENANT#acme', sk: 'TENANT' }),
    });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'AvatarPipeline-ApiClients1234',
      Item: expect.objectContaining({ pk: `CLIENT#${clientId}`, tenantId: 'acme', clientId }),
    });
    expect(JSON.stringify(dynamo.calls().map((c) => c.args[0].input))).not.toContain(
      parseApiKey(apiKey)?.secret,
    );
    expect(out).toContain('usage plan');
  });

  it("refuses to rotate another tenant's client on the stack, with exit 2 and nothing written", async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves(stackWithOutputs);
    dynamo.on(QueryCommand).resolves({
      Items: [{ tenantId: 'globex', clientId: 'c0123456789abcdef01234567', keyId: 'k1', createdAt: 'x' }],
    });
    let err = '';
    // Act
    const code = await runTenantCli(
      ['rotate', 'c0123456789abcdef01234567', '--tenant', 'acme', '--stack', 'AvatarPipeline'],
      () => {},
      (s) => {
        err += s;
      },
    );
    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(/is not a client of tenant acme/);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });
});

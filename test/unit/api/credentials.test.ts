import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { authenticate, authorizerResponse } from '../../../functions/api/authorizer.js';
import { ClientKeys, hashSecret, parseApiKey } from '../../../functions/api/credentials.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const dynamo = mockClient(db);
const NOW = Date.parse('2026-12-02T10:00:00Z');

describe('API keys, hashed, with rotation and revocation', () => {
  beforeEach(() => dynamo.reset());

  it('stores only the SHA-256 of the secret, under the client, and returns the key once', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const keys = new ClientKeys(db, 'Clients', () => NOW);
    // Act
    const { clientId, apiKey } = await keys.createClient('acme');
    // Assess
    const parsed = parseApiKey(apiKey);
    expect(parsed?.clientId).toBe(clientId);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'Clients',
      Item: {
        pk: `CLIENT#${clientId}`,
        sk: expect.stringMatching(/^KEY#k[a-f0-9]{8}$/),
        tenantId: 'acme',
        clientId,
        keyId: expect.any(String),
        hash: hashSecret(parsed?.secret ?? ''),
        createdAt: '2026-12-02T10:00:00.000Z',
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.stringify(dynamo.calls().map((c) => c.args[0].input))).not.toContain(parsed?.secret);
  });

  it('verifies either of two active keys (rotation), never a revoked one, a wrong secret or a malformed key', async () => {
    // Prepare
    const clientId = `c${'1'.repeat(24)}`;
    const oldSecret = 'o'.repeat(43);
    const newSecret = 'n'.repeat(43);
    dynamo.on(QueryCommand).resolves({
      Items: [
        {
          tenantId: 'acme',
          clientId,
          keyId: 'k1',
          hash: hashSecret(oldSecret),
          createdAt: 'x',
          revokedAt: '2026-12-01T00:00:00Z',
        },
        { tenantId: 'acme', clientId, keyId: 'k2', hash: hashSecret(newSecret), createdAt: 'y' },
      ],
    });
    const keys = new ClientKeys(db, 'Clients');
    // Act
    const current = await keys.verify(`apk_${clientId}_${newSecret}`);
    const revoked = await keys.verify(`apk_${clientId}_${oldSecret}`);
    const wrong = await keys.verify(`apk_${clientId}_${'w'.repeat(43)}`);
    const malformed = await authenticate('Basic dXNlcjpwYXNz', keys);
    // Assess
    expect(current).toEqual({ tenantId: 'acme', clientId });
    expect(revoked).toBeUndefined();
    expect(wrong).toBeUndefined();
    expect(malformed).toBeUndefined();
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'Clients',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
      ExpressionAttributeValues: { ':pk': `CLIENT#${clientId}`, ':key': 'KEY#' },
      ConsistentRead: true,
    });
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 3);
  });

  it('revokes a key by stamping revokedAt once', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    // Act
    const revoked = await new ClientKeys(db, 'Clients', () => NOW).revokeKey('cabc', 'k1');
    // Assess
    expect(revoked).toBe(true);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'Clients',
      Key: { pk: 'CLIENT#cabc', sk: 'KEY#k1' },
      UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': '2026-12-02T10:00:00.000Z' },
    });
  });

  it('answers API Gateway with a stage-wide policy, the tenant in its context and the client as usage key', () => {
    // Prepare
    const arn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/v1/subjects/ana';
    // Act
    const response = authorizerResponse({ tenantId: 'acme', clientId: 'c1' }, arn);
    // Assess
    expect(response).toEqual({
      principalId: 'c1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/*',
          },
        ],
      },
      context: { tenantId: 'acme', clientId: 'c1' },
      usageIdentifierKey: 'c1',
    });
  });
});

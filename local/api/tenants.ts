import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from '../../events/identifiers.js';
import { ClientKeys, mintApiKey } from '../../functions/api/credentials.js';
import { appendToInbox } from './client-inbox.js';

export class InvalidTenantNameError extends Error {
  override name = 'InvalidTenantNameError';
}

/**
 * Adds a tenant (kept if it exists: a second `add` gives it another client) and a client with its first key, in
 * the clients table: `pk = TENANT#<t>, sk = TENANT` beside the key rows. Returns the key, shown once.
 */
export async function addTenant(
  db: DynamoDBDocumentClient,
  clientsTable: string,
  tenantId: string,
  now: () => number = Date.now,
  options: { mode?: 'dry-run' } = {},
): Promise<{ tenantId: string; clientId: string; apiKey: string; created: boolean }> {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new InvalidTenantNameError(
      `"${tenantId}" cannot be a tenant name: use ${TENANT_ID_RULE}, such as "acme"`,
    );
  }
  let created = true;
  try {
    await db.send(
      new PutCommand({
        TableName: clientsTable,
        Item: { pk: `TENANT#${tenantId}`, sk: 'TENANT', tenantId, createdAt: new Date(now()).toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    created = false;
  }
  const client = await new ClientKeys(db, clientsTable, now).createClient(tenantId, options);
  return { tenantId, clientId: client.clientId, apiKey: client.apiKey, created };
}

/** The same, while a running `npm run api` holds the tables: the key's row goes to the inbox it imports. */
export function addTenantThroughInbox(
  inbox: string,
  tenantId: string,
  options: { mode?: 'dry-run' } = {},
): { tenantId: string; clientId: string; apiKey: string } {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new InvalidTenantNameError(
      `"${tenantId}" cannot be a tenant name: use ${TENANT_ID_RULE}, such as "acme"`,
    );
  }
  const { item, apiKey } = mintApiKey(tenantId, undefined, Date.now(), options);
  appendToInbox(inbox, item);
  return { tenantId, clientId: item.clientId, apiKey };
}

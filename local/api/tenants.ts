import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from '../../events/identifiers.js';
import { ClientKeys, mintApiKey } from '../../functions/api/credentials.js';
import { appendToInbox } from './client-inbox.js';

/**
 * Where a client is registered outside the clients table before its rows are written: on AWS, an API Gateway key
 * whose value is the client id, in the per-client usage plan. `undo` takes it back when the rows cannot be written,
 * so a failed `add` leaves nothing half made.
 */
export type ClientRegistration = (client: {
  tenantId: string;
  clientId: string;
}) => Promise<{ undo(): Promise<void> }>;

export class InvalidTenantNameError extends Error {
  override name = 'InvalidTenantNameError';
}

/** A client id that is not one of the named tenant's clients (or no client at all): nothing was changed. */
export class UnknownClientError extends Error {
  override name = 'UnknownClientError';
}

function checkTenantName(tenantId: string): void {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new InvalidTenantNameError(
      `"${tenantId}" cannot be a tenant name: use ${TENANT_ID_RULE}, such as "acme"`,
    );
  }
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
  options: { mode?: 'dry-run'; register?: ClientRegistration } = {},
): Promise<{ tenantId: string; clientId: string; apiKey: string; created: boolean }> {
  checkTenantName(tenantId);
  const { item, apiKey } = mintApiKey(tenantId, undefined, now(), options.mode ? { mode: options.mode } : {});
  const registered = await options.register?.({ tenantId, clientId: item.clientId });
  let created = true;
  try {
    try {
      await db.send(
        new PutCommand({
          TableName: clientsTable,
          Item: {
            pk: `TENANT#${tenantId}`,
            sk: 'TENANT',
            tenantId,
            createdAt: new Date(now()).toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      created = false;
    }
    await new ClientKeys(db, clientsTable, now).store(item);
  } catch (error) {
    await registered?.undo();
    throw error;
  }
  return { tenantId, clientId: item.clientId, apiKey, created };
}

/** The client's keys, once it is known to be the tenant's (the key rows say whose client it is). */
export async function keysOfTenantClient(
  db: DynamoDBDocumentClient,
  clientsTable: string,
  tenantId: string,
  clientId: string,
) {
  checkTenantName(tenantId);
  const keys = await new ClientKeys(db, clientsTable).keysOf(clientId);
  if (keys.length === 0 || keys.some((key) => key.tenantId !== tenantId)) {
    throw new UnknownClientError(
      `"${clientId}" is not a client of tenant ${tenantId}: give a client id that \`npm run tenant -- add ${tenantId}\` printed (the part after apk_, up to the next _)`,
    );
  }
  return keys;
}

/**
 * Rotation: a second key for the same client (same tenant, same mode); the old one keeps working until it is
 * revoked, so a partner can switch over without downtime.
 */
export async function rotateClientKey(
  db: DynamoDBDocumentClient,
  clientsTable: string,
  tenantId: string,
  clientId: string,
  now: () => number = Date.now,
): Promise<{ clientId: string; keyId: string; apiKey: string; activeKeys: string[] }> {
  const keys = await keysOfTenantClient(db, clientsTable, tenantId, clientId);
  const mode = keys.some((key) => key.mode === 'dry-run') ? { mode: 'dry-run' as const } : {};
  const issued = await new ClientKeys(db, clientsTable, now).issueKey(tenantId, clientId, mode);
  const activeKeys = keys.filter((key) => !key.revokedAt).map((key) => key.keyId);
  return { clientId, ...issued, activeKeys: [...activeKeys, issued.keyId] };
}

/** Revokes one key of the tenant's client; a key already revoked stays revoked (the first time is kept). */
export async function revokeClientKey(
  db: DynamoDBDocumentClient,
  clientsTable: string,
  tenantId: string,
  clientId: string,
  keyId: string,
  now: () => number = Date.now,
): Promise<{ keyId: string; remainingKeys: string[] }> {
  const keys = await keysOfTenantClient(db, clientsTable, tenantId, clientId);
  if (!keys.some((key) => key.keyId === keyId)) {
    throw new UnknownClientError(
      `"${keyId}" is not a key of client ${clientId}: its keys are ${keys.map((key) => key.keyId).join(', ')} (npm run tenant -- keys ${clientId} --tenant ${tenantId})`,
    );
  }
  await new ClientKeys(db, clientsTable, now).revokeKey(clientId, keyId);
  return {
    keyId,
    remainingKeys: keys.filter((key) => !key.revokedAt && key.keyId !== keyId).map((key) => key.keyId),
  };
}

/** The same, while a running `npm run api` holds the tables: the key's row goes to the inbox it imports. */
export function addTenantThroughInbox(
  inbox: string,
  tenantId: string,
  options: { mode?: 'dry-run' } = {},
): { tenantId: string; clientId: string; apiKey: string } {
  checkTenantName(tenantId);
  const { item, apiKey } = mintApiKey(tenantId, undefined, Date.now(), options);
  appendToInbox(inbox, item);
  return { tenantId, clientId: item.clientId, apiKey };
}

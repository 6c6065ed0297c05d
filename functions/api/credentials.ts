import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Principal } from './http.js';

/**
 * API keys: `apk_<clientId>_<secret>`, the secret 32 random bytes (base64url, 43 characters). Only the SHA-256 of
 * the secret is stored: a high-entropy secret needs no slow hash (nobody can guess 256 bits), and a leaked table
 * gives no key. The client id in the key finds the client's rows; the hash is compared in constant time.
 *
 *   pk = CLIENT#<clientId>  sk = KEY#<keyId>   tenantId, clientId, keyId, hash, createdAt, revokedAt?
 *
 * Rotation: `issueKey` for the same client (two keys work), then `revokeKey` of the old one.
 */
const KEY_PATTERN = /^apk_(c[a-f0-9]{24})_([A-Za-z0-9_-]{43})$/;

export interface ClientKeyRecord {
  tenantId: string;
  clientId: string;
  keyId: string;
  hash: string;
  createdAt: string;
  revokedAt?: string;
  /** A dry-run key: what it starts trains and generates with the stand-ins, at no GPU cost. */
  mode?: 'dry-run';
}

export type ClientKeyItem = ClientKeyRecord & { pk: string; sk: string };

/** A new key of a client: its table row (the hash only) and the key itself, to show once. */
export function mintApiKey(
  tenantId: string,
  clientId = `c${randomBytes(12).toString('hex')}`,
  now = Date.now(),
  options: { mode?: 'dry-run' } = {},
): { item: ClientKeyItem; apiKey: string } {
  const secret = randomBytes(32).toString('base64url');
  const keyId = `k${randomBytes(4).toString('hex')}`;
  return {
    item: {
      pk: `CLIENT#${clientId}`,
      sk: `KEY#${keyId}`,
      tenantId,
      clientId,
      keyId,
      hash: hashSecret(secret),
      createdAt: new Date(now).toISOString(),
      ...(options.mode ? { mode: options.mode } : {}),
    },
    apiKey: `apk_${clientId}_${secret}`,
  };
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Splits a presented key; undefined for anything that is not one (never throws on what a caller sends). */
export function parseApiKey(key: string): { clientId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { clientId: match[1] as string, secret: match[2] as string } : undefined;
}

export class ClientKeys {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new client of the tenant with its first key; the key is returned once and never stored. */
  async createClient(
    tenantId: string,
    options: { mode?: 'dry-run' } = {},
  ): Promise<{ clientId: string; keyId: string; apiKey: string }> {
    const clientId = `c${randomBytes(12).toString('hex')}`;
    return { clientId, ...(await this.issueKey(tenantId, clientId, options)) };
  }

  /** Another key for the client (rotation): both work until the old one is revoked. */
  async issueKey(
    tenantId: string,
    clientId: string,
    options: { mode?: 'dry-run' } = {},
  ): Promise<{ keyId: string; apiKey: string }> {
    const { item, apiKey } = mintApiKey(tenantId, clientId, this.now(), options);
    await this.store(item);
    return { keyId: item.keyId, apiKey };
  }

  /** Stores a minted key's row; a row already there (the same key imported twice) is left as it is. */
  async store(item: ClientKeyItem): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The key stops working (within the authorizer cache's TTL). Idempotent; false for an unknown key. */
  async revokeKey(clientId: string, keyId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `CLIENT#${clientId}`, sk: `KEY#${keyId}` },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': new Date(this.now()).toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The keys of a client, without their hashes (oldest first): whose client it is, and what to revoke. */
  async keysOf(clientId: string): Promise<Omit<ClientKeyRecord, 'hash'>[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
        ExpressionAttributeValues: { ':pk': `CLIENT#${clientId}`, ':key': 'KEY#' },
        ConsistentRead: true,
      }),
    );
    return ((out.Items ?? []) as ClientKeyRecord[])
      .map(({ tenantId, clientId: id, keyId, createdAt, revokedAt, mode }) => ({
        tenantId,
        clientId: id,
        keyId,
        createdAt,
        ...(revokedAt ? { revokedAt } : {}),
        ...(mode ? { mode } : {}),
      }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The principal of a presented key, or undefined: unknown client, wrong secret or revoked key alike. */
  async verify(apiKey: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) return undefined;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
        ExpressionAttributeValues: { ':pk': `CLIENT#${parsed.clientId}`, ':key': 'KEY#' },
        ConsistentRead: true,
      }),
    );
    const presented = Buffer.from(hashSecret(parsed.secret), 'hex');
    let match: ClientKeyRecord | undefined;
    // Every key of the client is compared, in constant time, whether or not an earlier one matched.
    for (const item of (out.Items ?? []) as ClientKeyRecord[]) {
      const stored = Buffer.from(item.hash, 'hex');
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      if (equal && !item.revokedAt) match = item;
    }
    if (!match) return undefined;
    return {
      tenantId: match.tenantId,
      clientId: match.clientId,
      ...(match.mode === 'dry-run' ? { mode: 'dry-run' as const } : {}),
    };
  }
}

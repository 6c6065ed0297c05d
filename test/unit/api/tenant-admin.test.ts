import { ClientKeys } from '../../../functions/api/credentials.js';
import {
  addTenant,
  keysOfTenantClient,
  revokeClientKey,
  rotateClientKey,
  UnknownClientError,
} from '../../../local/api/tenants.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { apiClientsTableDefinition } from '../../../local/runtime/table-definitions.js';

/** Tenants, clients and their keys on dynalite: the same functions `npm run tenant` runs locally and with --stack. */
const TABLE = 'clients';
let dynamo: LocalDynamo;
let clock: number;
const now = () => clock;

beforeEach(async () => {
  dynamo = await startLocalDynamo([apiClientsTableDefinition(TABLE)]);
  clock = Date.parse('2026-12-02T10:00:00Z');
});
afterEach(async () => {
  await dynamo.close();
});

describe('addTenant', () => {
  it('registers the client outside the table first, with the client id its key carries', async () => {
    // Prepare
    const registered: { tenantId: string; clientId: string }[] = [];
    // Act
    const added = await addTenant(dynamo.db, TABLE, 'acme', now, {
      register: async (client) => {
        registered.push(client);
        return { undo: async () => {} };
      },
    });
    // Assess
    expect(registered).toEqual([{ tenantId: 'acme', clientId: added.clientId }]);
    expect(added.apiKey.startsWith(`apk_${added.clientId}_`)).toBe(true);
    expect(await new ClientKeys(dynamo.db, TABLE).verify(added.apiKey)).toEqual({
      tenantId: 'acme',
      clientId: added.clientId,
    });
  });

  it('takes the registration back when the rows cannot be written, and reports the error', async () => {
    // Prepare
    const undone: string[] = [];
    // Act
    const adding = addTenant(dynamo.db, 'no-such-table', 'acme', now, {
      register: async ({ clientId }) => ({
        undo: async () => {
          undone.push(clientId);
        },
      }),
    });
    // Assess
    await expect(adding).rejects.toThrow(/not found/i);
    expect(undone).toHaveLength(1);
  });

  it('registers nothing for a bad tenant name', async () => {
    // Prepare
    let registrations = 0;
    // Act
    const adding = addTenant(dynamo.db, TABLE, 'Not A Tenant', now, {
      register: async () => {
        registrations++;
        return { undo: async () => {} };
      },
    });
    // Assess
    await expect(adding).rejects.toThrow(/cannot be a tenant name/);
    expect(registrations).toBe(0);
  });
});

describe('rotateClientKey and revokeClientKey', () => {
  it('rotation gives the client a second working key with the same mode; revoking the first leaves the second', async () => {
    // Prepare
    const keys = new ClientKeys(dynamo.db, TABLE);
    const first = await addTenant(dynamo.db, TABLE, 'acme', now, { mode: 'dry-run' });
    const firstKeyId = (await keysOfTenantClient(dynamo.db, TABLE, 'acme', first.clientId))[0]?.keyId ?? '';
    clock += 1000;
    // Act
    const rotated = await rotateClientKey(dynamo.db, TABLE, 'acme', first.clientId, now);
    const bothWork = [await keys.verify(first.apiKey), await keys.verify(rotated.apiKey)];
    clock += 1000;
    const revoked = await revokeClientKey(dynamo.db, TABLE, 'acme', first.clientId, firstKeyId, now);
    // Assess
    const principal = { tenantId: 'acme', clientId: first.clientId, mode: 'dry-run' };
    expect(bothWork).toEqual([principal, principal]);
    expect(rotated.activeKeys).toEqual([firstKeyId, rotated.keyId]);
    expect(revoked.remainingKeys).toEqual([rotated.keyId]);
    expect(await keys.verify(first.apiKey)).toBeUndefined();
    expect(await keys.verify(rotated.apiKey)).toEqual(principal);
    expect(await keysOfTenantClient(dynamo.db, TABLE, 'acme', first.clientId)).toEqual([
      {
        tenantId: 'acme',
        clientId: first.clientId,
        keyId: firstKeyId,
        createdAt: '2026-12-02T10:00:00.000Z',
        revokedAt: '2026-12-02T10:00:02.000Z',
        mode: 'dry-run',
      },
      {
        tenantId: 'acme',
        clientId: first.clientId,
        keyId: rotated.keyId,
        createdAt: '2026-12-02T10:00:01.000Z',
        mode: 'dry-run',
      },
    ]);
  });

  it("refuses another tenant's client, an unknown client and an unknown key, and writes nothing", async () => {
    // Prepare
    const other = await addTenant(dynamo.db, TABLE, 'globex', now);
    const before = await keysOfTenantClient(dynamo.db, TABLE, 'globex', other.clientId);
    // Act
    const attempts = [
      rotateClientKey(dynamo.db, TABLE, 'acme', other.clientId, now),
      revokeClientKey(dynamo.db, TABLE, 'acme', other.clientId, before[0]?.keyId ?? '', now),
      rotateClientKey(dynamo.db, TABLE, 'acme', 'c000000000000000000000000', now),
      revokeClientKey(dynamo.db, TABLE, 'globex', other.clientId, 'k00000000', now),
    ];
    const outcomes = await Promise.allSettled(attempts);
    // Assess
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(UnknownClientError);
    }
    expect((outcomes[0] as PromiseRejectedResult).reason.message).toMatch(/is not a client of tenant acme/);
    expect((outcomes[3] as PromiseRejectedResult).reason.message).toMatch(/is not a key of client/);
    expect(await keysOfTenantClient(dynamo.db, TABLE, 'globex', other.clientId)).toEqual(before);
  });
});

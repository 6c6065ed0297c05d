import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { parseApiKey } from '../../../functions/api/credentials.js';
import { runTenantCli } from '../../../local/api/tenant-command.js';

jest.setTimeout(120_000);

describe('npm run tenant -- add NAME --data DIR', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenant-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the new key alone on its last line, and refuses a bad tenant name with exit 2', async () => {
    // Prepare
    let out = '';
    let err = '';
    // Act
    const added = await runTenantCli(['add', 'acme', '--data', dir], (s) => {
      out += s;
    });
    const refused = await runTenantCli(
      ['add', 'Not A Tenant', '--data', dir],
      () => {},
      (s) => {
        err += s;
      },
    );
    // Assess
    const lines = out.trimEnd().split('\n');
    expect(added).toBe(0);
    expect(parseApiKey(lines.at(-1) ?? '')).toBeDefined();
    expect(lines.at(-1)).toMatch(/^apk_c[a-f0-9]{24}_[A-Za-z0-9_-]{43}$/);
    expect(refused).toBe(2);
    expect(err).toMatch(/cannot be a tenant name/);
  });

  it('rotates a client key, lists the keys and revokes the old one, in the local state', async () => {
    // Prepare
    const lines: string[] = [];
    const collect = (s: string) => lines.push(...s.trimEnd().split('\n'));
    await runTenantCli(['add', 'initech', '--data', dir], collect);
    const firstKey = lines.at(-1) ?? '';
    const clientId = parseApiKey(firstKey)?.clientId ?? '';
    lines.length = 0;
    // Act
    const rotated = await runTenantCli(['rotate', clientId, '--tenant', 'initech', '--data', dir], collect);
    const secondKey = lines.at(-1) ?? '';
    lines.length = 0;
    await runTenantCli(['keys', clientId, '--tenant', 'initech', '--data', dir], collect);
    const listed = [...lines];
    const firstKeyId = listed[0]?.split(' ')[0] ?? '';
    lines.length = 0;
    const revoked = await runTenantCli(
      ['revoke', clientId, firstKeyId, '--tenant', 'initech', '--data', dir],
      collect,
    );
    const revokedLine = lines.at(-1) ?? '';
    lines.length = 0;
    await runTenantCli(['keys', clientId, '--tenant', 'initech', '--data', dir], collect);
    let err = '';
    const foreign = await runTenantCli(
      ['rotate', clientId, '--tenant', 'acme', '--data', dir],
      () => {},
      (s) => {
        err += s;
      },
    );
    // Assess
    expect(rotated).toBe(0);
    expect(parseApiKey(secondKey)?.clientId).toBe(clientId);
    expect(secondKey).not.toBe(firstKey);
    expect(listed).toHaveLength(2);
    expect(listed.every((line) => line.includes('working'))).toBe(true);
    expect(revoked).toBe(0);
    expect(revokedLine).toMatch(new RegExp(`Key ${firstKeyId} of client ${clientId} is revoked`));
    expect(lines[0]).toMatch(new RegExp(`^${firstKeyId} .* revoked `));
    expect(lines[1]).toMatch(/working$/);
    expect(foreign).toBe(2);
    expect(err).toMatch(/is not a client of tenant acme/);
  });
});

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
});

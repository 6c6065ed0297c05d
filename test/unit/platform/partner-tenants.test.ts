import { partnerTenantOf } from '../../../functions/platform/partner-tenants.js';

describe('partnerTenantOf', () => {
  const own = '123456789012';
  const partners = { '111122223333': 'acme', '444455556666': 'globex' };

  it.each([
    [{ account: own }, 'default'],
    [{}, 'default'],
    [{ account: '111122223333' }, 'acme'],
    [{ account: '444455556666' }, 'globex'],
    [{ account: '999988887777' }, undefined],
    [{ account: 'constructor' }, undefined],
  ])('gives %j the tenant %s, whatever its detail says', (event, tenant) => {
    // Prepare: a detail naming another tenant changes nothing
    const withDetail: { account?: string; detail: unknown } = { ...event, detail: { tenantId: 'globex' } };
    // Act
    const decided = partnerTenantOf(withDetail, own, partners);
    // Assess
    expect(decided).toBe(tenant);
  });
});

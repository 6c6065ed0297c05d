import { AWS_URL_POLICY, checkWebhookUrl, refusedAddress } from '../../../functions/webhooks/url-guard.js';

/** The SSRF guard on webhook URLs, as at registration and at ingest (subject.json). */
describe('checkWebhookUrl', () => {
  const LOCAL = { allowedPorts: [], allowLoopback: true };

  // Every form a private, loopback or metadata destination can take in a URL.
  const refused: [string, string][] = [
    ['http://example.com/hook', 'http'],
    ['ftp://example.com/hook', 'ftp'],
    ['https://example.com:8443/hook', 'port 8443'],
    ['https://user:pw@example.com/hook', 'credentials'],
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://127.1.2.3/hook', 'loopback'],
    ['https://localhost/hook', 'this machine'],
    ['https://api.localhost/hook', 'this machine'],
    ['https://LOCALHOST./hook', 'this machine'],
    ['https://[::1]/hook', 'loopback'],
    ['https://2130706433/hook', 'loopback'], // decimal 127.0.0.1
    ['https://0x7f000001/hook', 'loopback'], // hex
    ['https://0177.0.0.1/hook', 'loopback'], // octal
    ['https://0x7f.1/hook', 'loopback'], // mixed short form
    ['https://017700000001/hook', 'loopback'], // octal as one number
    ['https://10.0.0.1/hook', 'private'],
    ['https://172.16.5.4/hook', 'private'],
    ['https://172.31.255.255/hook', 'private'],
    ['https://192.168.1.1/hook', 'private'],
    ['https://0xa000001/hook', 'private'], // hex 10.0.0.1
    ['https://3232235777/hook', 'private'], // decimal 192.168.1.1
    ['https://169.254.169.254/latest/meta-data/', 'metadata'],
    ['https://2852039166/latest/', 'metadata'], // decimal 169.254.169.254
    ['https://0xa9fea9fe/', 'metadata'], // hex 169.254.169.254
    ['https://169.254.10.10/hook', 'link-local'],
    ['https://[fe80::1]/hook', 'link-local'],
    ['https://[fd00:ec2::254]/hook', 'metadata'],
    ['https://100.64.0.1/hook', 'carrier-grade NAT'],
    ['https://100.127.255.254/hook', 'carrier-grade NAT'],
    ['https://[fc00::1]/hook', 'unique local'],
    ['https://[fd12:3456::1]/hook', 'unique local'],
    ['https://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['https://[::ffff:10.0.0.1]/hook', 'private'],
    ['https://[::ffff:169.254.169.254]/hook', 'metadata'],
    ['https://[64:ff9b::a00:1]/hook', 'NAT64'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://0/hook', 'unspecified'],
    ['https://[::]/hook', 'unspecified'],
    ['https://224.0.0.1/hook', 'multicast'],
    ['https://239.255.255.250/hook', 'multicast'],
    ['https://[ff02::1]/hook', 'multicast'],
    ['https://255.255.255.255/hook', 'broadcast'],
    ['https://intranet/hook', 'single-label'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'private name'],
    ['https://printer.local/hook', 'private name'],
    ['not a url', 'not a URL'],
  ];

  it('refuses at least 30 forms of private, loopback, metadata and malformed destinations on AWS', () => {
    // Prepare
    expect(refused.length).toBeGreaterThanOrEqual(30);
    for (const [url, why] of refused) {
      // Act
      const verdict = checkWebhookUrl(url, AWS_URL_POLICY);
      // Assess
      expect({ url, ok: verdict.ok }).toEqual({ url, ok: false });
      if (!verdict.ok)
        expect({ url, reason: verdict.reason }).toEqual({ url, reason: expect.stringContaining(why) });
    }
  });

  it('still refuses every private and metadata form locally, loopback apart', () => {
    // Prepare
    const loopbackForms = [
      '127.',
      'localhost',
      '[::1]',
      '2130706433',
      '0x7f',
      '0177',
      '017700000001',
      '::ffff:127',
    ];
    const nonLoopback = refused.filter(
      ([url]) => !loopbackForms.some((form) => url.toLowerCase().includes(form)),
    );
    for (const [url] of nonLoopback) {
      // Act
      const verdict = checkWebhookUrl(url, LOCAL);
      // Assess
      expect({ url, ok: verdict.ok }).toEqual({ url, ok: false });
    }
  });

  it.each([
    'http://127.0.0.1:8787/hooks',
    'http://localhost:3000/',
    'http://[::1]:9000/x',
    'https://127.0.0.1/x',
  ])('admits the loopback receiver %s locally only, and says it is loopback', (url) => {
    // Act
    const local = checkWebhookUrl(url, LOCAL);
    const aws = checkWebhookUrl(url, AWS_URL_POLICY);
    // Assess
    expect(local).toMatchObject({ ok: true, loopback: true });
    expect(aws.ok).toBe(false);
  });

  it.each([
    'https://hooks.example.com/avatars',
    'https://example.com:443/x?y=1',
    'https://93.184.216.34/hook',
    'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
  ])('admits the public https URL %s', (url) => {
    // Act
    const verdict = checkWebhookUrl(url, AWS_URL_POLICY);
    // Assess
    expect(verdict).toMatchObject({ ok: true, loopback: false });
  });

  it('admits a port other than 443 only when it is allow-listed', () => {
    // Act
    const listed = checkWebhookUrl('https://hooks.example.com:8443/x', {
      allowedPorts: [8443],
      allowLoopback: false,
    });
    const other = checkWebhookUrl('https://hooks.example.com:9443/x', {
      allowedPorts: [8443],
      allowLoopback: false,
    });
    // Assess
    expect(listed.ok).toBe(true);
    expect(other).toMatchObject({ ok: false, reason: expect.stringContaining('allowed: 443, 8443') });
  });
});

describe('refusedAddress', () => {
  it.each([
    ['8.8.8.8', undefined],
    ['10.1.2.3', 'private'],
    ['::ffff:192.168.0.1', 'private'],
    ['100.64.1.1', 'carrier-grade'],
  ])('judges the connected address %s', (address, expected) => {
    // Act
    const reason = refusedAddress(address);
    // Assess
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toContain(expected);
  });
});

describe('checkSubjectSettings (ingest) on webhook.url', () => {
  it.each([
    ['http://hooks.example.com/x', 'http'],
    ['https://169.254.169.254/', 'metadata'],
    ['https://192.168.0.10/x', 'private'],
    ['http://127.0.0.1:8787/hooks', 'uses http'],
    ['https://127.0.0.1:443/hooks', 'loopback'],
  ])('refuses %s on AWS, naming webhook.url and why', async (url, why) => {
    // Prepare
    const { checkSubjectSettings } = await import('../../../functions/ingest/settings-check.js');
    // Act
    const verdict = checkSubjectSettings('subjects/ana/subject.json', JSON.stringify({ webhook: { url } }), {
      maxImagesPerRequest: 24,
      maxPhotos: 15,
    });
    // Assess
    expect(verdict).toEqual({ problem: expect.stringContaining('webhook.url') });
    expect('problem' in verdict && verdict.problem).toContain(why);
  });

  it('admits a loopback receiver where the local runtime allows it', async () => {
    // Prepare
    const { checkSubjectSettings } = await import('../../../functions/ingest/settings-check.js');
    // Act
    const verdict = checkSubjectSettings(
      'subjects/ana/subject.json',
      JSON.stringify({ webhook: { url: 'http://127.0.0.1:8787/hooks' } }),
      { maxImagesPerRequest: 24, maxPhotos: 15, webhookUrlPolicy: { allowedPorts: [], allowLoopback: true } },
    );
    // Assess
    expect('settings' in verdict).toBe(true);
  });
});

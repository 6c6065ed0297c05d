import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard on a webhook URL, at registration and at ingest (subject.json): the address a name resolves to
 * is checked again on every attempt, when connecting (`http-sender.ts`, request-filtering-agent), since DNS can
 * change between the two.
 */
export interface WebhookUrlPolicy {
  /** Ports other than 443 that an https URL may name (context `webhookAllowedPorts`). */
  readonly allowedPorts: readonly number[];
  /** Locally only: loopback receivers are allowed, over http too (every other private address is still refused). */
  readonly allowLoopback: boolean;
}

export const AWS_URL_POLICY: WebhookUrlPolicy = Object.freeze({ allowedPorts: [], allowLoopback: false });

export type UrlVerdict =
  | { readonly ok: true; readonly url: URL; readonly loopback: boolean }
  | { readonly ok: false; readonly reason: string };

/** Names that always mean this machine or a private network, whatever DNS says. */
const PRIVATE_SUFFIXES = ['.localhost', '.local', '.internal', '.localdomain', '.home.arpa', '.lan'];

/** Loopback ranges the local runtime admits at connect time (request-filtering-agent's allow-list). */
// ::1 as a single address: request-filtering-agent warns when an IPv6 CIDR meets an IPv4 address.
export const LOOPBACK_CIDRS = ['127.0.0.0/8', '::1'] as const;

/**
 * Why an IP address may not receive webhooks, or undefined if it may (public unicast only). IPv4-mapped IPv6
 * (`::ffff:10.0.0.1`) and NAT64 forms are judged by the IPv4 address inside.
 */
export function refusedAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else if (v6.range() === 'rfc6052' || v6.range() === 'rfc6145') {
      return `${address} embeds an IPv4 address (NAT64/translation): not a public destination`;
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  const text = parsed.toString();
  if (text === '169.254.169.254' || text === 'fd00:ec2::254') {
    return `${address} is the cloud metadata address`;
  }
  const words: Record<string, string> = {
    loopback: 'a loopback address',
    private: 'a private (RFC 1918) address',
    linkLocal: 'a link-local address',
    carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10) address',
    uniqueLocal: 'a unique local (fc00::/7) address',
    unspecified: 'the unspecified address (0.0.0.0 / ::)',
    multicast: 'a multicast address',
    broadcast: 'the broadcast address',
    reserved: 'a reserved address',
  };
  return `${address} is ${words[range] ?? `not a public address (${range})`}`;
}

function isLoopbackAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'loopback';
}

/**
 * Checks a webhook URL as written: https on 443 (or an allowed port), no credentials, a public host. The WHATWG
 * URL parser normalizes IPv4 literals in decimal, octal and hex (`http://2130706433`, `0x7f.1`, `0177.0.0.1`) to
 * dotted form, so those are judged as the address they are. Each refusal says what is wrong and what to do.
 */
export function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${JSON.stringify(raw.slice(0, 200))} is not a URL; give an https:// URL` };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      reason: 'the URL carries credentials (user:password@); remove them, the signature authenticates us',
    };
  }
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const literal = ipaddr.isValid(host) ? host : undefined;
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  const loopback = literal ? isLoopbackAddress(literal) : loopbackName;
  if (loopback && policy.allowLoopback) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return { ok: false, reason: `${url.protocol} is not http or https` };
    }
    return { ok: true, url, loopback: true };
  }
  if (url.protocol !== 'https:') {
    return {
      ok: false,
      reason: `the URL uses ${url.protocol.replace(':', '')}; only https URLs receive webhooks`,
    };
  }
  const port = url.port === '' ? 443 : Number(url.port);
  if (port !== 443 && !policy.allowedPorts.includes(port)) {
    const allowed = [443, ...policy.allowedPorts].join(', ');
    return { ok: false, reason: `port ${port} is not allowed (allowed: ${allowed}); use port 443` };
  }
  if (literal) {
    const refused = refusedAddress(literal);
    if (refused) return { ok: false, reason: `${refused}; use a public host name` };
    return { ok: true, url, loopback: false };
  }
  if (loopbackName) return { ok: false, reason: `${host} is this machine; use a public host name` };
  if (!host.includes('.')) {
    return { ok: false, reason: `${host} is a single-label (intranet) name; use a public host name` };
  }
  const suffix = PRIVATE_SUFFIXES.find((s) => host.endsWith(s));
  if (suffix) return { ok: false, reason: `${host} is a private name (${suffix}); use a public host name` };
  // A host that is all digits and dots but no valid IPv4 (e.g. 1.2.3.4.5) is no public name either.
  if (/^[0-9.]+$/.test(host)) return { ok: false, reason: `${host} is not a valid address or host name` };
  return { ok: true, url, loopback: false };
}

/** Reads `WEBHOOK_ALLOWED_PORTS` ("8443,9443") into ports. */
export function parseAllowedPorts(text: string): number[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
}

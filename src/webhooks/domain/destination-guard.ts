import * as ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/** Ranges a webhook may never reach unless private destinations are explicitly allowed (SSRF). */
const FORBIDDEN_RANGES = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'private',
  'uniqueLocal',
  'carrierGradeNat',
  'reserved',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
  'benchmarking',
  'amt',
  'as112',
  'as112v6',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
]);

export function isForbiddenAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return FORBIDDEN_RANGES.has(parsed.range());
}

export interface DestinationPolicy {
  requireHttps: boolean;
  allowPrivateAddresses: boolean;
}

export type UrlProblem =
  'not_a_url' | 'scheme_not_allowed' | 'credentials_not_allowed' | 'address_not_allowed';

/** Checks what can be checked without DNS: scheme, credentials, literal addresses. */
export function checkUrlShape(
  raw: string,
  policy: DestinationPolicy,
): { url: URL } | { problem: UrlProblem } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'not_a_url' };
  }
  const allowed = policy.requireHttps ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) return { problem: 'scheme_not_allowed' };
  if (url.username || url.password) return { problem: 'credentials_not_allowed' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (
    !policy.allowPrivateAddresses &&
    (isIP(host) ? isForbiddenAddress(host) : host === 'localhost' || host.endsWith('.localhost'))
  ) {
    return { problem: 'address_not_allowed' };
  }
  return { url };
}

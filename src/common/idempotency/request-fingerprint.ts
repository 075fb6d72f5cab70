import { createHmac } from 'node:crypto';

/** JSON with object keys sorted, so the same body always hashes the same way. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What "the same request" means for an Idempotency-Key: method, path and body. Keyed (HMAC),
 * because bodies can hold passwords: a plain SHA-256 stored next to the request would let
 * anyone who reads the table test password guesses at full speed.
 */
export function requestFingerprint(
  key: Buffer,
  method: string,
  path: string,
  body: unknown,
): string {
  return createHmac('sha256', key)
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

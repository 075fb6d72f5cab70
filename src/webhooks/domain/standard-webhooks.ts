import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com): `whsec_` + base64 key; the signature is
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` where key is the decoded base64.
 */
export const SECRET_PREFIX = 'whsec_';

export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function signPayload(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const mac = createHmac('sha256', key)
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The delivery headers. `secrets` is the current secret, then a rotated-out one still in its
 * overlap: one `v1,` signature each, space-separated (Standard Webhooks: a receiver accepts
 * the delivery when any signature verifies with its secret).
 */
export function webhookHeaders(
  secrets: string | readonly string[],
  id: string,
  body: string,
  now = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': keys.map((key) => signPayload(key, id, timestamp, body)).join(' '),
  };
}

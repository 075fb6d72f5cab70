import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** What an `Authorization` header says about client authentication at the token endpoint. */
export type BasicClientAuthentication =
  | { kind: 'none' }
  | { kind: 'basic'; clientId: string; clientSecret: string }
  /** A Basic header that cannot be read: the client tried to authenticate, and failed. */
  | { kind: 'malformed' };

/** RFC 6749 2.3.1: each part is form-urlencoded (`+` is a space) before base64. */
function formDecode(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, '%20'));
}

export function parseBasicClientAuthentication(
  header: string | undefined,
): BasicClientAuthentication {
  const match = /^Basic[ ]+(\S*)\s*$/i.exec(header ?? '');
  if (!match) return { kind: 'none' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'malformed' };
  try {
    return {
      kind: 'basic',
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    // Malformed percent-encoding: the answer is invalid_client, not a 500.
    return { kind: 'malformed' };
  }
}

/**
 * The HTTP Basic client credentials of a token request. A parameter decorator of its own
 * (not `@Headers('authorization')`), so the OpenAPI document does not declare a required
 * Authorization header: Basic is one of two ways to authenticate.
 */
export const BasicClientCredentials = createParamDecorator(
  (_data: unknown, context: ExecutionContext): BasicClientAuthentication =>
    parseBasicClientAuthentication(
      context.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
    ),
);

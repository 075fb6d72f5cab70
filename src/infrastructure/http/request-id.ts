import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const REQUEST_ID = Symbol('requestId');

type WithRequestId = IncomingMessage & { [REQUEST_ID]?: string };

/**
 * The correlation id of a request: the caller's `x-request-id` when it is a sane token
 * (so partners can trace their calls), otherwise a new UUID. Computed once per request and
 * shared by Fastify, the access log and problem bodies.
 */
export function requestIdOf(req: IncomingMessage): string {
  const raw = req as WithRequestId;
  if (!raw[REQUEST_ID]) {
    const given = req.headers['x-request-id'];
    raw[REQUEST_ID] =
      typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  }
  return raw[REQUEST_ID];
}

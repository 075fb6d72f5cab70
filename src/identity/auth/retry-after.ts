import type { FastifyReply } from 'fastify';
import { retryAfterSecondsOf } from '../../common/errors/problem-details.filter';

export { retryAfterSecondsOf };

/** The standard `Retry-After` header (RFC 9110 10.2.3), in whole seconds. */
export function setRetryAfter(reply: FastifyReply, error: unknown): void {
  const seconds = retryAfterSecondsOf(error);
  if (seconds !== undefined) void reply.header('retry-after', String(seconds));
}

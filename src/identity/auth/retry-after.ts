import type { FastifyReply } from 'fastify';
import { DomainError } from '../../common/errors/domain-error';

/**
 * Seconds a refused caller should wait, carried by the DomainError of a rate limit or a
 * lockout (`extensions.retryAfterSeconds`), or undefined for any other error.
 */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  const seconds = error instanceof DomainError ? error.extensions?.retryAfterSeconds : undefined;
  return typeof seconds === 'number' && Number.isFinite(seconds)
    ? Math.max(1, Math.ceil(seconds))
    : undefined;
}

/** The standard `Retry-After` header (RFC 9110 10.2.3), in whole seconds. */
export function setRetryAfter(reply: FastifyReply, error: unknown): void {
  const seconds = retryAfterSecondsOf(error);
  if (seconds !== undefined) void reply.header('retry-after', String(seconds));
}

import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import { AppConfig } from '../../common/config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { parseBasicClientAuthentication } from './client-authentication';

interface TrackedRequest {
  ip: string;
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Per-account tracker. A person's account is its email, whatever address it is tried from
 * (CJIS: guessing one account's password is limited however it is spread). A machine
 * client's is its client_id *from one source address*: its secret is 256 random bits, so
 * guessing is hopeless anyway, and a counter keyed by client_id alone would let anyone who
 * knows the id, without the secret, make the partner system's own requests fail.
 */
export function accountTracker(req: TrackedRequest): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body.email === 'string') return `user:${body.email.trim().toLowerCase()}`;
  const basic = parseBasicClientAuthentication(
    typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined,
  );
  const clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
  const id = clientId ?? (basic.kind === 'basic' ? basic.clientId : undefined);
  return id !== undefined ? `client:${id}@${req.ip}` : `ip:${req.ip}`;
}

/**
 * Rate limits for the sign-in endpoints only (applied with `@UseGuards(AuthThrottlerGuard)`):
 * per client IP, and per account (see accountTracker). Counters live in memory, per
 * instance; the persistent lockout (LoginLockout) is the cross-instance defence. The
 * throttler's own headers are off: they are named per throttler (`retry-after-per-ip`), not
 * the standard `Retry-After` that AuthThrottlerGuard's error carries instead.
 */
export function authThrottling(config: AppConfig): ThrottlerModuleOptions {
  return {
    setHeaders: false,
    throttlers: [
      { name: 'per-ip', ttl: 60_000, limit: config.authRateLimitPerMinute },
      {
        name: 'per-account',
        ttl: 60_000,
        limit: config.authRateLimitPerMinute,
        getTracker: (req) => accountTracker(req as TrackedRequest),
      },
    ],
  };
}

/** The throttler, refusing with a DomainError that says how long to wait (`Retry-After`). */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many requests; slow down', undefined, {
      retryAfterSeconds: detail.timeToBlockExpire,
    });
  }
}

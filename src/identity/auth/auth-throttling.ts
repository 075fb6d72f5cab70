import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { AppConfig } from '../../common/config/app-config';

/** Per-account tracker: the email or client_id the caller is trying, lower-cased. */
function accountTracker(req: Record<string, unknown>): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const account = body.email ?? body.client_id ?? req.ip;
  return `account:${typeof account === 'string' ? account.toLowerCase() : String(req.ip)}`;
}

/**
 * Rate limits for the sign-in endpoints only (applied with `@UseGuards(ThrottlerGuard)`):
 * per client IP, and per account whatever IP it is tried from. Counters live in memory, per
 * instance; the persistent lockout (LoginLockout) is the cross-instance defence.
 */
export function authThrottling(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: 'per-ip', ttl: 60_000, limit: config.authRateLimitPerMinute },
      {
        name: 'per-account',
        ttl: 60_000,
        limit: config.authRateLimitPerMinute,
        getTracker: accountTracker,
      },
    ],
  };
}

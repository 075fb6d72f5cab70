import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import type { Caller } from './caller';

const WINDOW_MS = 60_000;
/** Expired windows are swept once the map holds this many callers. */
const SWEEP_AT = 10_000;

/** A caller's budget is spent: retry after this many seconds. */
export interface RateLimited {
  retryAfterSeconds: number;
}

/**
 * The global per-caller rate limit: `RATE_LIMIT_PER_MINUTE` authenticated requests per user or
 * client per one-minute window, counted after authentication (so a forged token spends no
 * one's budget, and one caller cannot spend another's). Counters live in memory, per
 * instance: behind N instances a caller gets up to N times the limit. That bounds a runaway
 * partner script or a stolen token's bulk download; it is not a quota. The sign-in routes
 * keep their own per-address and per-account limits (auth-throttling.ts).
 */
@Injectable()
export class CallerRateLimiter {
  private readonly windows = new Map<string, { count: number; resetsAt: number }>();
  private readonly limit: number;

  constructor(config: AppConfig) {
    this.limit = config.rateLimitPerMinute;
  }

  /** Counts one request of the caller; says how long to wait when over the limit. */
  take(caller: Pick<Caller, 'kind' | 'id'>, now = Date.now()): RateLimited | null {
    const key = `${caller.kind}:${caller.id}`;
    let window = this.windows.get(key);
    if (!window || now >= window.resetsAt) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { count: 0, resetsAt: now + WINDOW_MS };
      this.windows.set(key, window);
    }
    window.count++;
    if (window.count <= this.limit) return null;
    return { retryAfterSeconds: Math.max(1, Math.ceil((window.resetsAt - now) / 1000)) };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now >= window.resetsAt) this.windows.delete(key);
    }
  }
}
